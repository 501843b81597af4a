"""Round twelve of the duty frame: actions that keep their object, anchors read from the event a
condition clause states, and actors that keep every role a phrase or role column joins.
Sentences are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _one(text: str):
    obligations = _extract(text)
    assert obligations, text
    return obligations[0]


# --- actors --------------------------------------------------------------------------------
def test_an_agent_naming_two_roles_keeps_both():
    ob = _one("The plan will be signed off by the team manager and the service manager within 5 working days "
              "of the meeting.")
    assert ob.actor == "Team Manager and Service Manager"


def test_a_role_of_a_longer_phrase_is_not_joined():
    # "the manager of the fostering team": one person, named with a team.
    ob = _one("The review is chaired by the manager of the fostering team within 10 days.")
    assert ob.actor is None or " and " not in ob.actor


def test_a_role_column_listing_roles_keeps_them_all():
    text = "A strategy discussion is held within 2 working days of the referral."
    clause = Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                    heading_path=["Standards"], clause_ref="1", text=text, plain_text=text, start=0,
                    end=len(text), role_context="Team Manager/Service Manager")
    ob = extract_obligations([clause], text)[0]
    assert ob.actor == "Team Manager/Service Manager"


# --- anchors -------------------------------------------------------------------------------
def test_a_condition_stating_what_has_happened_is_the_anchor():
    ob = _one("Where a case has been closed, the worker will send the closing letter within 3 working days.")
    assert ob.timescale.anchor_text == "a case has been closed"
    assert not ob.conditions


def test_a_condition_stating_a_state_stays_a_condition():
    ob = _one("If the case is complex, the assessment will be completed within 45 days.")
    assert ob.timescale.anchor_text is None and ob.conditions == "If the case is complex"
    # ... and one saying something is needed is no event either.
    ob = _one("Where urgent action is required the meeting must be held within 1 working day.")
    assert ob.timescale.anchor_text is None and ob.conditions


def test_a_verbless_line_takes_the_event_there_is_as_its_anchor():
    ob = _one("Within two working days if there is an unplanned move of placement;")
    assert ob.timescale.anchor_text == "an unplanned move of placement"


def test_a_condition_after_another_figure_is_not_this_one_s_anchor():
    obs = {o.timescale.phrase: o for o in _extract(
        "The assessment will be completed within 10 days, or within 2 days if a referral is received from the police.")}
    assert obs["within 10 days"].timescale.anchor_text is None
    assert obs["within 2 days"].timescale.anchor_text == "a referral is received from the police"


def test_a_relative_clause_after_a_carried_preposition_stays_in_the_anchor():
    ob = _one("A visit must be made not more than 7 days after the day on which the child moves in;")
    assert ob.timescale.anchor_text == "the day on which the child moves in"


# --- actions -------------------------------------------------------------------------------
def test_there_is_a_thing_done_reads_as_doing_it():
    ob = _one("There will be a second planning meeting held within 8 weeks of the first one.")
    assert ob.action == "hold a second planning meeting"


def test_this_will_be_within_refers_to_the_clause_it_joins():
    ob = _one("The worker will tell the manager if the case needs a meeting and this will be within 2 working days "
              "of the visit.")
    assert ob.action == "tell the manager"


def test_people_a_pronoun_stands_for_are_the_passive_s_object():
    ob = _one("Where the young person lives at home, they are seen at least every 4 weeks.")
    assert ob.action == "see the young person"


def test_a_figure_that_is_the_verb_s_object_leaves_the_subject_as_what_is_done():
    ob = _one("Family group meetings should not exceed a 6 weekly interval.")
    # (by the verb the event is done with: an action is a verb, never a bare noun)
    assert ob.action == "hold Family group meetings"


def test_an_idiom_keeps_its_noun():
    ob = _one("The nurse completes a health check for each new child. This should take place within 15 working "
              "days of the child arriving.")
    assert ob.action == "take place"


def test_a_pronoun_subject_of_a_passive_is_the_previous_sentence_s_thing():
    ob = _one("A parenting report is completed for the court. It must be finished within 10 days of the hearing.")
    assert ob.action == "finish A parenting report"
    # ... never a person named there.
    # ("is sent the plans": the manager is whom they go to; the plans are the thing sent)
    ob = _one("The manager is sent the plans. They will be reviewed every 3 months.")
    assert ob.action == "review the plans"


def test_two_verbs_share_the_object_written_after_the_second():
    ob = _one("The worker will meet and support the carers at least monthly.")
    assert ob.action == "meet and support the carers"
    # ... not when the first verb has an object of its own.
    ob = _one("The worker will visit the child and complete the record within 5 days.")
    assert ob.action == "complete the record"


def test_an_alternative_figure_after_a_folded_condition_is_the_main_verb_s():
    ob = _one("The plan must be written before the move, or if this is not possible, within 5 days of the move.")
    assert ob.action == "write The plan"
    assert ob.conditions == "if this is not possible" and ob.timescale.anchor_text == "the move"
    # ... but a figure inside the condition (no comma before it) is the condition's own.
    ob = _one("If the assessment is not complete within 45 days, the manager must review it.")
    assert ob.conditions == "If the assessment is not complete"
    # ... and joined to a "before" clause, the alternative is still the main verb's.
    ob = _one("A plan is agreed with the family. It must be written before the child is first placed by the team, "
              "or if this is not possible, within 5 days of the move.")
    assert ob.action == "write A plan"


def test_a_bare_definite_anchor_takes_the_fuller_name_a_when_clause_gave_it():
    ob = _one("When a placement decision has been made by the panel, the worker will tell the family within 2 days "
              "of the decision being made.")
    # (the canonical event says which decision too: two different decisions are not one anchor)
    assert ob.timescale.anchor_text == "placement decision" and ob.timescale.anchor == "placement decision"
    # ... and a mention outside such a clause names it as well (the nearest earlier mention).
    ob = _one("The panel makes a placement decision and the worker will tell the family within 2 days of the decision.")
    assert ob.timescale.anchor_text == "placement decision"


def test_what_the_reader_can_expect_is_the_duty():
    ob = _one("You can expect a response to your letter within 15 working days.")
    assert ob.action == "a response to your letter"


def test_a_relation_word_standing_alone_gives_no_anchor_not_the_next_clause():
    # "before" with its event left unsaid, then a clause joined by "and": that clause is no event.
    o = _one("The plan will be sent to the carers at least 2 working days before and will be written "
             "in plain English.")
    assert o.timescale.anchor_text is None
    assert o.timescale.anchor_relation in (None, "before")
