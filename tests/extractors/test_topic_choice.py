"""Topic choice: the kind of event for the duty's own children, and supervision of the practitioner.

Sentences written for these tests (not from any authority's standards); real parser and taxonomy.
"""

from __future__ import annotations

import pytest
from one_clause import extract_one

from extractors.obligations import cohort_sibling
from extractors.taxonomy import load_taxonomy


def _topic(text: str, headings: list[str] | None = None) -> str | None:
    found = extract_one(text, headings)
    assert found, f"no obligation read from {text!r}"
    return found[0].topic


@pytest.mark.parametrize(("text", "headings", "expected"), [
    # A bare word of the kind ("first review", "statutory visits") for children the sentence names.
    ("For children who receive short breaks, the first review is held within 12 weeks of the first overnight stay.",
     ["Reviews"], "short break review"),
    ("Children on child protection plans who are open to the disability team receive statutory visits "
     "at least every 15 working days.", ["Disability team"], "child protection visit"),
    # ... or for the children the heading names.
    ("Subsequent reviews are held at intervals of no more than 6 months.",
     ["Reviews for children in short breaks"], "short break review"),
    ("Subsequent reviews are held at intervals of no more than 6 months.",
     ["Reviews for children in care"], "looked after review"),
])
def test_the_kind_of_event_for_the_childrens_own_topic(text: str, headings: list[str], expected: str) -> None:
    assert _topic(text, headings) == expected


def test_a_topic_named_in_full_stays_under_a_heading_about_other_children() -> None:
    # The heading names children on a plan (the review conference's), the sentence the initial conference.
    assert _topic("The Initial Child Protection Conference is held within 15 working days of the strategy discussion.",
                  ["Children subject to child protection plans"]) == "initial child protection conference"


def test_sibling_rules() -> None:
    tax = load_taxonomy()
    assert cohort_sibling(tax, "care plan", "care leavers", "sentence") == "pathway plan"
    assert cohort_sibling(tax, "child in care visit", "children subject to a child protection plan", "table") \
        == "child protection visit"
    # A cohort filled in from the topic or by default says nothing of whom the text means.
    assert cohort_sibling(tax, "care plan", "care leavers", "topic") is None
    # Visits to a child are not supervision visits to its carer.
    assert cohort_sibling(tax, "child in care visit", "approved foster carers", "table") is None
    # A topic for every child (no taxonomy cohort) has no siblings by cohort.
    assert cohort_sibling(tax, "case recording", "children in care", "sentence") is None
    # The sentence names the topic by its whole name: it stands.
    assert cohort_sibling(tax, "care plan", "care leavers", "sentence", [],
                          "Care Plans are updated every 6 months.") is None


@pytest.mark.parametrize(("text", "headings", "expected"), [
    ("Each therapist will take part in clinical supervision with the clinical lead every two weeks.",
     ["Therapy service"], "practitioner supervision"),
    ("I will receive supervision every four weeks.", ["Family support workers"], "practitioner supervision"),
    # A manager's supervision of each child's case is case supervision.
    ("Every child's case will be discussed in supervision with the team manager at least every 6 weeks.",
     ["Supervision"], "case supervision"),
])
def test_supervision_of_the_practitioner_or_of_the_case(text: str, headings: list[str], expected: str) -> None:
    assert _topic(text, headings) == expected


def test_a_frequency_written_before_its_noun_is_that_nouns_kind() -> None:
    found = extract_one("Children in need who are open to the disability team will have 4-weekly visits and "
                        "12-weekly reviews.", ["Disability team"])
    by_figure = {o.timescale.value: o.topic for o in found}
    assert by_figure == {4: "child in need visit", 12: "child in need review"}
    found = extract_one("Young people in care are seen at least every 6 weeks and their plans are checked at "
                        "6 monthly reviews.", ["Children in care"])
    assert [o.topic for o in found] == ["child in care visit", "looked after review"]


def test_a_decision_in_the_anchor_is_not_the_duty() -> None:
    # "the decision to hold ..." is when the time starts; passing a referral on is no referral decision.
    assert _topic("The duty worker will pass the referral to the police within 2 hours of the decision to hold a "
                  "strategy discussion being made.", ["Strategy discussions"]) == "strategy discussion"
    # A cue's action word outside the anchor still decides.
    assert _topic("The social worker will see the child within 2 working days following the decision to start a "
                  "section 47 enquiry.", ["Section 47 enquiries"]) == "section 47 visit"


def test_the_kind_a_frequency_names_with_the_words_the_sentence_gives_it() -> None:
    # "annual review" among foster carers' duties: the foster carer review, not their assessment.
    assert _topic("I will check that foster carers keep to the national standards at their annual review.",
                  ["Supervising social workers"]) == "foster carer review"


def test_the_health_plan_is_made_at_the_initial_health_assessment() -> None:
    assert _topic("Each child will have a health plan within 20 working days of coming into care.",
                  ["Health"]) == "initial health assessment"
    # ... and reviewed with the review health assessments (a frequency).
    assert _topic("The health plan will be reviewed every 12 months.", ["Health"]) == "health assessment"
