"""The topic is what must be done (the action and its object), not the event it is timed from
or a word elsewhere: a pronoun subject stands for the previous sentence's subject, a document
topic that similarity finds for a duty making no document is its event's, recording a closure is
the closure topic, a name written with commas inside it is still that name, and reviewing a
plan may be that plan's review. Sentences are written for these tests (not taken from any
authority's documents). Real parser, real taxonomy, real embedding model.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from extractors.obligations import _event_of_document, extract_obligations
from extractors.taxonomy import load_taxonomy
from ingest.records import Clause


@pytest.fixture(scope="module")
def encode():
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    return load_embedder(load_settings()).encode


def _extract(text: str, encode=None):
    clause = Clause(
        id="cccc0000-0001",
        document_id="doc",
        authority="Testshire",
        ordinal=1,
        heading_path=["Standards"],
        clause_ref="1",
        text=text,
        plain_text=text,
        start=0,
        end=len(text),
    )
    return extract_obligations([clause], text, encode=encode)


def test_a_pronoun_subject_stands_for_the_topic_the_previous_sentence_names():
    [found] = _extract(
        "The placement plan is the duty of the allocated worker. "
        "It must be finished within 5 working days of the child moving in."
    )
    assert (found.topic, found.extra["topic_from"]) == ("placement plan", "pronoun")


def test_a_pronoun_with_its_own_noun_takes_no_topic_of_another_kind():
    [found] = _extract(
        "Each family is offered an early help assessment. This plan must be agreed within 10 working days."
    )
    assert found.topic != "early help assessment"  # "this plan" is no assessment


def test_a_meeting_before_an_event_is_not_the_report_for_it(encode):
    [found] = _extract(
        "The IRO will have a conversation with the social worker no later than 10 working days "
        "before the review meeting about issues for the review.",
        encode,
    )
    # The whole sentence sits nearest the review report's definition; talking writes no report.
    assert found.extra["topic_similar_document"] == "looked after review report"
    assert found.topic == "looked after review"
    assert found.extra["topic_from"] == "similarity-sentence-event"


def test_a_duty_that_writes_keeps_the_document_topic(encode):
    [found] = _extract(
        "The IRO will have a conversation with the social worker no later than 10 working days "
        "before the review meeting about issues for the review.",
        encode,
    )
    writing = replace(found, topic="looked after review report", action="write up the report for the review")
    assert _event_of_document(load_taxonomy(), writing) is None
    talking = replace(found, topic="looked after review report")
    assert _event_of_document(load_taxonomy(), talking) == "looked after review"


def test_recording_a_closure_is_case_closure_and_recording_visits_is_case_recording():
    [closure] = _extract(
        "When the team decides on closure, the manager will record this on the system as a "
        "case note within 2 days of the decision."
    )
    assert closure.topic == "case closure"
    [visits] = _extract("Visits will be recorded within 2 working days.")
    assert visits.topic == "case recording"


def test_a_topic_name_written_with_commas_is_found_but_a_role_is_not():
    tax = load_taxonomy()
    found = tax.find("topics", "her Education, Health and Care Plan was issued")
    assert [(m.canonical, m.term) for m in found] == [("EHC plan", "Education, Health and Care Plan")]
    assert tax.find("topics", "the care plan, placement plan") and all(
        m.canonical in ("care plan", "placement plan")
        for m in tax.find("topics", "the care plan, placement plan")
    )
    # (roles keep commas apart: "team, manager" lists two things, so only "manager" is a role)
    assert [m.canonical for m in tax.find("roles", "the team, manager")] == ["Manager"]


def test_reviewing_a_plan_is_that_plans_review(encode):
    [found] = _extract(
        "Every child with an Education, Health and Care Plan will have it reviewed at least once "
        "every 12 months.",
        encode,
    )
    assert found.topic == "EHC plan review"


def test_a_verbless_row_due_after_its_own_kind_of_event_is_its_record():
    headings = ["Recording", "Recording timescales"]
    [after] = extract_one_row("Case Supervision\tWithin 10 working days of supervision", headings)
    assert (after.topic, after.extra["topic_from"]) == ("case supervision record", "document-of-event")
    [every] = extract_one_row("Case supervision\tEvery 4 weeks", headings)
    assert every.topic == "case supervision"  # how often it happens is the event itself


def extract_one_row(text: str, headings: list[str]):
    """The obligations of a one-clause document holding ``text`` under ``headings``."""
    clause = Clause(
        id="cccc0000-0001",
        document_id="doc",
        authority="Testshire",
        ordinal=1,
        heading_path=headings,
        clause_ref="1",
        text=text,
        plain_text=text,
        start=0,
        end=len(text),
    )
    return extract_obligations([clause], text)
