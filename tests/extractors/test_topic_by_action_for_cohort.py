"""Topic from what the duty does for its own children, never from its anchor alone.

Sentences written for these tests (not from any authority's standards); real parser and taxonomy.
"""

from __future__ import annotations

import pytest
from one_clause import extract_one


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    found = extract_one(text, headings, row)
    assert found, f"no obligation read from {text!r}"
    return found[0]


@pytest.mark.parametrize(("text", "headings", "expected"), [
    # Contact with the child or family after allocation is a visit, not the allocation it runs from.
    ("The young person will be telephoned within 3 working days of allocation.", ["Early Help Service"],
     "early help visit"),
    ("We will contact the family within 2 working days of allocation.", ["Targeted Early Help"], "early help visit"),
    # ... as is contact made (the noun as object), for the children the sentence names.
    ("Make sure contact with a young person in custody is made within 10 working days of sentence.",
     ["Youth Justice Service"], "youth offending visit"),
    # ... while allocating is the allocation.
    ("Cases will be allocated to a practitioner within 5 working days of receipt of the request for support.",
     ["Early Help"], "early help allocation"),
])
def test_the_action_not_the_anchor_decides(text: str, headings: list[str], expected: str) -> None:
    assert _one(text, headings).topic == expected

@pytest.mark.parametrize(("text", "headings", "expected"), [
    # A bare noun of a kind for children the heading names: that kind's topic for them.
    ("Attend reviews of the sentence plan every 3 months.", ["Youth Justice Service"], "youth offending plan review"),
    # A generic "assessment" for young people in the youth justice system is their service's assessment ...
    ("A plan will be produced from the completed assessment within 10 working days of the court order.",
     ["Youth Justice Service"], "youth offending assessment"),
    # ... and with no children named, the social-work assessment it always was.
    ("A plan will be produced from the completed assessment within 10 working days of the referral.",
     ["Assessment"], "child and family assessment"),
])
def test_a_bare_kind_is_the_kind_for_the_duty_s_children(text: str, headings: list[str], expected: str) -> None:
    assert _one(text, headings).topic == expected

def test_a_cue_s_object_word_only_in_the_anchor_does_not_name_a_thing_s_update() -> None:
    # Updating a summary after an assessment is not an assessment update ...
    o = _one("The Person Summary will be updated within 5 working days of the OT assessment.", ["Therapy"])
    assert o.topic != "assessment update"
    # ... and the cue still counts when its object words are in the sentence itself.
    assert _one("The assessment will be updated every 6 months.", ["Therapy"]).topic == "assessment update"

def test_what_is_done_before_an_event_and_names_nothing_prepares_that_event() -> None:
    o = _one("Invitations will be sent to all participants at least 10 working days before the first review.",
             ["Reviews for Looked After Children"])
    assert o.topic == "looked after review"
    # (after the event, it is not the event: nothing names what is done)
    after = _one("Invitations will be sent to all participants within 10 working days after the first review.",
                 ["Reviews for Looked After Children"])
    assert after.topic != "looked after review" or after.extra.get("topic_from") != "before-event"


def test_an_action_before_the_topic_it_is_done_to_decides() -> None:
    # "visiting" children on plans is the visit, not the plan; the plan's own verb stays the plan.
    assert _one("Minimum standard for visiting children on CIN plans is every 4 weeks.",
                ["Visiting"]).topic == "child in need visit"
    assert _one("The CIN plan must be completed within 10 working days of the assessment.",
                ["Children in need"]).topic == "child in need plan"


def test_responding_to_contact_is_not_a_visit() -> None:
    # "contact" as what is responded to is an enquiry, not contact made with the child.
    o = _one("Direct contact by telephone or email will be responded to within 2 working days.",
             ["Children in Care", "Support service"])
    assert o.topic != "child in care visit"
