"""Conversations, authority names and premises through the real API over the shipped corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _ask(client, question: str, **extra) -> dict:
    response = client.post("/api/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def _quoted(data: dict, authority: str) -> str:
    return " ".join(st["sentence"] for st in data["statements"] if st["authority"] == authority)


def test_a_follow_up_chain_of_three_questions(client) -> None:
    first = "When must the first core group meeting be held in Sandwell?"
    one = _ask(client, first)
    assert one["authorities"] == ["Sandwell"] and not one["abstained"]
    assert "10 working days" in _quoted(one, "Sandwell")

    # Without the conversation "and in Wokingham?" says nothing about a core group.
    alone = _ask(client, "and in Wokingham?")
    assert "10 working days" not in alone["answer"]

    two = _ask(client, "and in Wokingham?", history=[first])
    assert two["authorities"] == ["Wokingham"] and not two["abstained"]
    assert "first core group meeting" in _quoted(two, "Wokingham")
    assert "10 working days" in two["statements"][0]["figure"]
    assert "subject" in two["question"]["inherited"]
    assert any("follow-up" in note for note in two["notes"])

    three = _ask(client, "who chairs it?", history=[first, "and in Wokingham?"])
    assert three["authorities"] == ["Wokingham"] and not three["abstained"]
    assert three["question"]["asks"] == "who"
    assert "chair" in _quoted(three, "Wokingham").lower()
    assert "core group" in _quoted(three, "Wokingham").lower()


def test_a_follow_up_changing_the_cohort(client) -> None:
    first = "How often should a child in need be visited in Wiltshire?"
    data = _ask(client, "and for babies under 1?", history=[first])
    assert data["authorities"] == ["Wiltshire"] and not data["abstained"]
    assert data["question"]["cohort"] == "babies under 1"
    lead = data["statements"][0]
    assert "2 weeks" in lead["figure"] and "under 1" in lead["sentence"]


def test_false_premise_is_corrected_with_the_documents_figure(client) -> None:
    data = _ask(client, "Why does Wokingham require core groups every 2 weeks?")
    assert not data["abstained"]
    lead = data["statements"][0]
    assert lead["authority"] == "Wokingham" and "6 weeks" in lead["figure"]
    premise = [n for n in data["notes"] if "every 2 weeks" in n]
    assert premise and "does not match" in premise[0] and "6 weeks" in premise[0]
    assert data["answer"].startswith(premise[0])
    # A question whose figure matches the document gets no such note.
    agreed = _ask(client, "Does Wokingham hold core groups every 6 weeks?")
    assert not any("does not match" in n for n in agreed["notes"])


def test_misspelt_authority_resolves_with_a_note_and_never_widens(client) -> None:
    data = _ask(client, "How often are core groups held in wokinham?")
    assert data["authorities"] == ["Wokingham"]
    assert all(st["authority"] == "Wokingham" for st in data["statements"])
    assert any("Read 'wokinham' as Wokingham" in n for n in data["notes"])
    assert data["answer"].startswith("Read 'wokinham' as Wokingham")
    # The same through the request's filter.
    data = _ask(client, "How often are core groups held?", authorities=["wokinham"])
    assert data["authorities"] == ["Wokingham"]
    assert any("Read 'wokinham' as Wokingham" in n for n in data["notes"])
    # A place close to no held authority is said so, and nothing is answered for the others.
    data = _ask(client, "How often are core groups held in Zanzibar?")
    assert data["abstained"] is True and not data["statements"]
    assert "Zanzibar" in data["answer"] and "No standards are held" in data["answer"]


def test_history_is_checked_before_anything_is_answered(client) -> None:
    for body, fragment in [
        ({"question": "and in Wokingham?", "history": ["   "]}, "'history'[0] is empty"),
        ({"question": "and in Wokingham?", "history": ["x" * 1001]}, "1001 characters"),
        ({"question": "and in Wokingham?", "history": ["q"] * 21}, "at most 20"),
        ({"question": "and in Wokingham?", "history": "not a list"}, "history"),
    ]:
        response = client.post("/api/ask", json=body)
        assert response.status_code == 422, response.text
        assert fragment in response.json()["error"]["message"]


def test_cli_ask_with_history_and_chat(service_settings) -> None:
    from service.cli import cli

    env = {"STANDARDS_DATA_DIR": str(service_settings.data_dir), "STANDARDS_CORPUS_DIR": str(ROOT / "corpus")}
    runner = CliRunner()
    result = runner.invoke(cli, ["ask", "and in Wokingham?", "--history",
                                 "When must the first core group meeting be held in Sandwell?", "--json"],
                           env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["authorities"] == ["Wokingham"] and "10 working days" in data["statements"][0]["figure"]

    chat = runner.invoke(cli, ["chat"], env=env, catch_exceptions=False,
                         input="When must the first core group meeting be held in Sandwell?\nand in Wokingham?\n\n")
    assert chat.exit_code == 0, chat.output
    answers = chat.output.split("> ")
    assert "Sandwell:" in answers[1]
    assert "Wokingham:" in answers[2] and "Read as a follow-up" in answers[2]
