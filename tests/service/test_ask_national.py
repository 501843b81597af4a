"""Ask with the national baseline (issue 13): where an authority's standards set no timescale for
the duty asked about, the answer says so and gives the national figure, labelled national and
cited; a figure the answer states that is looser than national is shown beside it. Checked on
the shipped corpus's real store through the HTTP API."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

TOPIC = "looked after review"


def _ask(client, question: str) -> dict:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def silent_questions(authorities, obligations_of):
    """(authority, topic, question) for every verified national duty an authority holds no
    obligation on, phrased by the duty's kind."""
    from service.baseline import load_national

    out = []
    for entry in load_national().entries:
        if not entry.verified or entry.timescale is None or entry.match_terms:
            continue
        asks = "How often is the {t} required in {a}?" if entry.timescale.kind == "frequency" else "When is the {t} due in {a}?"
        for who in authorities:
            if not obligations_of(who, entry.topic):
                out.append((who, entry.topic, asks.format(t=entry.topic, a=who)))
    return list(dict.fromkeys(out))


def test_silent_authority_gets_the_national_figure_labelled_national(client, service_state) -> None:
    pairs = silent_questions(service_state.authorities(), service_state.obligations)
    assert pairs, "some shipped authority is silent on some national duty"
    given = 0
    for who, topic, question in pairs:
        data = _ask(client, question)
        assert data["authorities"] == [who]
        if not data["abstained"] or topic not in data["question"]["topics"][:1]:
            continue  # the answer layer found a sentence of its own, or read another topic (QA evals judge those)
        national = [n for n in data["national"] if n["authority"] == who]
        assert len(national) == 1 and national[0]["status"] == "silent", (question, data["answer"])
        assert national[0]["national"], "a verified national entry is cited"
        for entry in national[0]["national"]:
            assert entry["source"] and entry["label"].startswith("national")
        line = next(line for line in data["answer"].splitlines()
                    if line.startswith(f"{who}'s standards set no timescale"))
        head, figures = line.split("; nationally: ", 1)
        assert not re.search(r"\d", head), "no figure is put in the authority's mouth"
        assert "(national: " in figures
        assert not any(st.get("figure") for st in data["statements"] if st["authority"] == who)
        given += 1
    assert given, "no silent authority's answer carried the national figure"


def test_authority_that_answers_gets_no_national_line(client, service_state) -> None:
    answering = [a for a in service_state.authorities()
                 if any(ob.timescale.kind == "deadline" for ob in service_state.obligations(a, TOPIC))]
    assert answering
    data = _ask(client, f"When must the first looked after review be held in {answering[0]}?")
    assert not data["abstained"]
    assert all(n["status"] == "looser" for n in data["national"])
    assert "nationally:" not in data["answer"]


def test_not_a_timescale_question_gets_no_national_word(client) -> None:
    data = _ask(client, "Who chairs a looked after review?")
    assert data["national"] == []
