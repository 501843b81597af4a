"""Cohort narrowed by with whom children live, by a service-area heading; staff duties have none.

Sentences written for these tests (not from any authority's standards); real parser and taxonomy.
"""

from __future__ import annotations

from one_clause import extract_one


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    found = extract_one(text, headings, row)
    assert found, f"no obligation read from {text!r}"
    return found[0]


def test_with_whom_a_child_is_placed_narrows_the_cohort_from_the_condition() -> None:
    o = _one("If a child is placed under a care order with parents, within one week of the order and "
             "then every 6 weeks.", ["Visiting"])
    assert o.cohort == "children in care"
    assert any("with parents" in q for q in o.qualifiers)
    # (the time after the comma says when, not with whom)
    assert not any("within" in q for q in o.qualifiers)

def test_children_placed_with_parents_are_children_not_adults() -> None:
    o = _one("Children who are placed with their parents will be visited weekly.", ["Visits"])
    assert o.cohort == "children placed at home with parents"
    assert o.topic == "child in care visit"

def test_a_staff_topic_has_no_children_s_cohort() -> None:
    o = _one("monthly peer supervision;", ["Therapy team"])
    assert o.topic == "practitioner supervision"
    assert o.cohort is None

def test_a_service_area_heading_names_its_children() -> None:
    o = _one("Management oversight on case notes within 24 hours", ["Recording timescales", "Child Protection"])
    assert o.cohort == "children subject to a child protection plan"
    # In a sentence the same words are too loose to say whom.
    o = _one("The child protection chair will circulate the agenda within 2 working days.", ["Meetings"])
    assert o.cohort != "children subject to a child protection plan"


def test_a_service_area_heading_does_not_turn_an_earlier_stage_s_duty_into_a_later_one() -> None:
    # A strategy discussion's record under "Child Protection" is still that record, and its children
    # are those suspected of suffering harm, not yet on a plan.
    o = _one("Strategy discussion | Record of strategy discussion | Within 1 working day of the meeting",
             ["Recording", "Child Protection"])
    assert o.topic == "strategy discussion record"
    assert o.cohort == "children in need of protection"
