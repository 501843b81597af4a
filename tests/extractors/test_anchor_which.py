"""Anchors that say which event: a bare anchor ("the decision", "receipt", "post-order") names
again an event the sentence named in full, an anchor naming only a kind of event keeps the words
that say which, a coordination stays whole, and two different decisions are not one duty.
Sentences are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from one_clause import extract_one, one_clause

from extractors.conflicts import find_conflicts
from extractors.obligations import extract_obligations


def _one(text: str):
    obligations = extract_one(text)
    assert obligations, text
    return obligations[0]


# --- a bare anchor named before in the sentence ----------------------------------------------
def test_a_bare_decision_takes_the_verb_it_is_made_from():
    ob = _one("When a manager has decided to end the plan, the worker will write to the family within 3 "
              "working days of the decision being made.")
    assert ob.timescale.anchor == "decision to end the plan"
    assert ob.timescale.anchor_relation == "after"


def test_a_demonstrative_decision_takes_the_earlier_noun_with_its_infinitive():
    ob = _one("The decision to convene a strategy discussion is taken by the manager, and the worker will "
              "send a referral to the police within 2 hours once that decision is made.")
    assert ob.timescale.anchor == "decision to convene a strategy discussion"


def test_a_bare_receipt_takes_the_object_of_the_receiving_verb():
    ob = _one("On receiving a safeguarding referral, the duty worker will screen the referral on the day of receipt.")
    assert ob.timescale.anchor == "receipt of safeguarding referral"


def test_a_bare_noun_takes_the_same_noun_named_with_its_modifiers():
    ob = _one("Nurses will update the health record with findings from the initial physiotherapy assessment "
              "within 3 working days of assessment.")
    assert ob.timescale.anchor == "initial physiotherapy assessment"


def test_a_bare_post_hyphen_anchor_takes_the_order_named_before():
    ob = _one("Where an Adoption Order has been made, a further review will be held 2 months post-order.")
    assert ob.timescale.anchor == "adoption order"


def test_the_duty_own_event_is_not_the_anchor_it_runs_from():
    # "the review" is the earlier one, not the second review the duty holds.
    ob = _one("A second review of the plan will be held within 3 months of the review.")
    assert "second" not in (ob.timescale.anchor or "")


def test_an_indefinite_bare_anchor_is_not_resolved_to_an_earlier_mention():
    # "of a visit": any visit, not the home visit named before.
    ob = _one("After the first home visit the worker will record any concerns within 2 days of a visit.")
    assert "home" not in (ob.timescale.anchor or "")


def test_a_decision_that_a_condition_clause_states_is_the_anchor():
    ob = _one("If it is decided that the criteria for a child protection conference are met, the conference "
              "will be requested by the manager within 2 working days.")
    assert (ob.timescale.anchor or "").startswith("decision that")
    assert ob.timescale.anchor != "child protection conference"


# --- an anchor naming a kind of event keeps the words that say which ------------------------
def test_a_kind_of_event_keeps_its_complement():
    ob = _one("Young people will be offered a worker within 10 working days of receipt of the first notification.")
    assert ob.timescale.anchor == "receipt of the first notification"


def test_a_decision_keeps_its_infinitive_without_the_participle():
    ob = _one("The worker will send a request to the police within 1 hour of the decision to convene a "
              "strategy discussion being made.")
    assert ob.timescale.anchor == "decision to convene a strategy discussion"


def test_a_possessive_pronoun_is_not_which_event():
    ob = _one("A closure summary will be written and sent to a Manager for sign-off within 3 working days "
              "of its allocation.")
    assert ob.timescale.anchor == "allocation"


# --- the phrase the figure's preposition governs, whole ---------------------------------------
def test_a_coordination_inside_the_anchor_stays_whole():
    ob = _one("The adviser must send the final report to the panel at least 3 weeks prior to the Final "
              "Hearing and Care Plan date.")
    assert ob.timescale.anchor_text == "the Final Hearing and Care Plan date"
    assert ob.timescale.anchor_relation == "before"


def test_a_clause_joined_by_and_is_not_part_of_the_anchor():
    ob = _one("The conference will be booked within 10 days of the enquiry starting and will be chaired by "
              "an independent chair.")
    assert "chair" not in (ob.timescale.anchor_text or "")
    assert "chair" not in (ob.timescale.anchor or "")


# --- conflicts: same canonical anchor is part of the same duty --------------------------------
def _two(first: str, second: str):
    a = extract_obligations([one_clause(first)], first)
    b = extract_obligations([replace(one_clause(second), id="cccc0000-0002", ordinal=2)], second)
    assert a and b
    return a[0], b[0]


def test_two_different_decisions_are_not_one_duty():
    a, b = _two("The worker will write to the family within 3 working days of the decision to end the plan.",
                "The worker will write to the family within 10 working days of the decision to extend the plan.")
    assert a.timescale.anchor != b.timescale.anchor
    assert find_conflicts([a, b]) == []


def test_the_same_decision_worded_alike_is_still_one_anchor():
    a, b = _two("The worker will write to the family within 3 working days of the decision to end the plan.",
                "The worker will write to the family within 10 working days of the decision to end the plan.")
    assert a.timescale.anchor == b.timescale.anchor == "decision to end the plan"


# --- two figures of one sentence that run from one event --------------------------------------
def _by_phrase(text: str):
    return {o.timescale.phrase: o for o in extract_one(text)}


def test_figures_joined_before_the_anchor_share_it():
    obs = _by_phrase("Where an Adoption Order has been made, further reviews will be held 2 months and 4 months "
                     "post-order.")
    assert obs["2 months"].timescale.anchor == obs["4 months"].timescale.anchor == "adoption order"


def test_an_extension_runs_from_the_same_event():
    obs = _by_phrase("The plan should be completed within 20 working days of allocation, extendable to "
                     "30 working days by the manager.")
    assert obs["30 working days"].timescale.anchor == "allocation"


def test_a_later_frequency_does_not_take_the_deadline_anchor():
    obs = _by_phrase("Children are visited within 5 days of placement and then every 6 weeks.")
    assert obs["every 6 weeks"].timescale.anchor is None


# --- an event a relative clause on the duty's object states ------------------------------------
def test_a_relative_clause_holding_the_figure_is_the_event_it_runs_from():
    ob = _one("The manager must be told of every complaint that comes to the team's attention within 2 working days.")
    assert ob.timescale.anchor_text == "complaint that comes to the team's attention"
    assert ob.timescale.anchor_relation == "after"


def test_the_duty_verb_is_the_one_whose_object_has_the_clause():
    ob = _one("The worker will record all incidents that occur in the placement within 24 hours.")
    assert (ob.action or "").startswith("record")
    assert ob.timescale.anchor_text == "incidents that occur in the placement"


def test_a_relative_clause_naming_people_is_whom_not_an_event():
    ob = _one("The worker will visit all children who live in the home within 10 days.")
    assert ob.timescale.anchor_text is None


@pytest.mark.slow
def test_a_shared_anchor_that_says_which_is_not_collapsed_by_meaning():
    # With the embedding model, an unlisted event ("adoption order") stays as read for both
    # figures; it is not settled to a listed event that sounds near ("placement").
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    encode = load_embedder(load_settings()).encode
    text = "Where an Adoption Order has been made, further reviews will be held 2 months and 4 months post-order."
    found = extract_obligations([one_clause(text)], text, encode=encode)
    assert {o.timescale.anchor for o in found} == {"adoption order"}


# --- a condition clause's event is its own, not an event named inside a modifier ---------------
def test_an_event_named_inside_a_modifier_is_not_the_condition_event():
    ob = _one("If the applicant meets the criteria for an initial visit, I will contact the prospective carer "
              "within five days to arrange a visit.")
    assert ob.timescale.anchor != "visit"
    assert "criteria" in (ob.timescale.anchor or "")


def test_an_event_the_condition_verb_takes_is_its_canonical_event():
    ob = _one("When informed of an allegation, the manager will tell the LADO within 1 working day.")
    assert ob.timescale.anchor == "allegation"


@pytest.mark.slow
def test_a_condition_event_set_aside_is_not_brought_back_by_meaning():
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    encode = load_embedder(load_settings()).encode
    text = ("If the applicant meets the criteria for an initial visit, I will contact the prospective carer "
            "within five days to arrange a visit.")
    [found] = extract_obligations([one_clause(text)], text, encode=encode)
    assert found.timescale.anchor != "visit"
