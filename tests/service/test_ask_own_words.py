"""Answers from a document written for the test, about things no word list knows.

The taxonomy has no topic, role or cohort for bees, so nothing here can be found through a
label: each answer must come from the document's own sentence, quoted and cited, through the
real pipeline, store, model and API.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.one_document import one_document_settings

pytestmark = pytest.mark.slow

APIARY = (
    "Testshire Apiary Standards\n\n"
    "Hive Inspections\n"
    "1. The apiary officer must inspect every hive at least every 3 weeks during the flowering season.\n"
    "2. Inspection notes are uploaded to the beekeeping register within 2 working days of the inspection.\n\n"
    "Swarm Callouts\n"
    "3. A swarm callout will be attended by the duty beekeeper and a trainee from the apiary school.\n\n"
    "Queen Marking\n"
    "4. Queen marking sessions are arranged by the colony lead whenever a new queen is found.\n\n"
    "Colony Records\n"
    "5. The colony record must include:\n"
    "- the date of each inspection\n"
    "- signs of disease seen\n"
    "- the temperament of the colony\n"
)


@pytest.fixture(scope="module")
def apiary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, object]]:
    """A store holding only the apiary standards (real pipeline), and the real app over it."""
    from service.app import create_app
    from service.state import load_state

    data = tmp_path_factory.mktemp("apiary-data")
    with one_document_settings(data, "testshire_apiary.txt", APIARY, "Apiary Standards") as settings:
        state = load_state(settings)
        with TestClient(create_app(settings, state=state), raise_server_exceptions=False) as client:
            yield client, state


def _ask(client: TestClient, question: str, **extra) -> dict:
    response = client.post("/api/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_topic_in_no_word_list_is_answered_from_its_own_sentence(apiary) -> None:
    client, state = apiary
    data = _ask(client, "How often must hives be inspected in Testshire?")
    assert not data["abstained"], data["answer"]
    lead = data["statements"][0]
    assert lead["kind"] == "figure" and lead["authority"] == "Testshire"
    assert "3 weeks" in lead["figure"]
    assert "inspect every hive at least every 3 weeks" in lead["sentence"]
    start, end = lead["marks"][0]
    assert lead["sentence"][start:end] == "every 3 weeks" or "3 weeks" in lead["sentence"][start:end]
    assert lead["citation"]["label"].startswith("Testshire")
    assert any("inspect every hive" in c["text"] for c in data["citations"])
    # The figure is found although the extracted duty carries no topic: labels are no gate.
    clause_id = lead["citation"]["clause_id"]
    assert all(ob.topic is None for ob in state.clause_obligations(clause_id))
    # The plain-text answer leads with the figure, then quotes the sentence and cites it.
    line = data["answer"].splitlines()[0]
    assert line.index("3 weeks") < line.index("“") < line.index("[Testshire")


def test_a_deadline_from_the_same_words(apiary) -> None:
    client, _ = apiary
    data = _ask(client, "How long have I got to upload inspection notes in Testshire?")
    assert not data["abstained"], data["answer"]
    assert "2 working days" in data["statements"][0]["figure"]
    assert "beekeeping register" in data["statements"][0]["sentence"]


def test_who_question_is_answered_with_the_quoted_sentence(apiary) -> None:
    client, _ = apiary
    data = _ask(client, "Who attends a swarm callout in Testshire?")
    assert not data["abstained"], data["answer"]
    lead = data["statements"][0]
    assert lead["kind"] == "quote" and lead["figure"] is None
    assert "attended by the duty beekeeper" in lead["sentence"]
    assert "duty beekeeper" in data["answer"]


def test_what_question_keeps_the_list_as_a_list(apiary) -> None:
    client, _ = apiary
    data = _ask(client, "What must a colony record include in Testshire?")
    assert not data["abstained"], data["answer"]
    lead = data["statements"][0]
    assert "colony record must include" in lead["sentence"]
    assert lead["items"] == ["the date of each inspection", "signs of disease seen", "the temperament of the colony"]
    assert "  - signs of disease seen" in data["answer"]


def test_a_standard_that_names_the_event_but_sets_no_timescale(apiary) -> None:
    client, _ = apiary
    data = _ask(client, "When must a queen marking session be held in Testshire?")
    # No figure is given, so nothing is answered; the covering standard is quoted as such.
    assert data["abstained"] is True
    assert not any(st["kind"] == "figure" for st in data["statements"])
    covering = [st for st in data["statements"] if st["kind"] == "no_timescale"]
    assert covering and "Queen marking sessions are arranged" in covering[0]["sentence"]
    assert "covers this but sets no timescale" in data["answer"]
    assert not any(ch.isdigit() for ch in data["answer"].split("—")[0].split("standard")[0].replace("Testshire", ""))


def test_nothing_close_abstains_with_the_nearest_clauses(apiary) -> None:
    client, _ = apiary
    data = _ask(client, "What is the maximum caseload for a newly qualified social worker in Testshire?")
    assert data["abstained"] is True
    assert not data["statements"]
    assert data["nearest"] and all(c["authority"] == "Testshire" for c in data["nearest"])
    assert "do not answer this" in data["answer"]
