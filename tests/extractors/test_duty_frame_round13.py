"""Round thirteen of the duty frame: actions read as verb + object from the parse where the figure
hangs on a manner phrase, a subordinate clause or a misread word; duties stated by an event noun
take that event's verb; recipients are never the actor, and people named as subjects of
"responsible for" / "expected to" are. Sentences are written for these tests (not taken from
any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _one(text: str, row: str | None = None):
    obligations = _extract(text, row=row)
    assert obligations, text
    return obligations[0]


# --- actions: the verb the figure belongs to ------------------------------------------------
def test_a_manner_phrase_is_not_the_action():
    # "in writing" says how; the duty is requesting the changes.
    ob = _one(
        "Partner agencies are expected to request corrections in writing within 7 working days of the meeting."
    )
    assert ob.action == "request corrections"
    assert ob.actor == "Partner agencies"


def test_a_gerund_saying_which_thing_is_not_the_action():
    ob = _one("The duty worker will reply to a letter concerning housing support within 3 working days.")
    assert ob.action is not None and ob.action.startswith("reply to a letter")


def test_a_figure_before_an_until_clause_is_the_main_verb_s():
    ob = _one("The young person must be seen every two weeks until the placement is confirmed.")
    assert ob.action == "see The young person"


def test_an_object_the_tagger_misreads_as_a_verb_keeps_its_noun():
    ob = _one("The manager will start the Case Transfer workflow within one working day.")
    assert ob.action == "start the Case Transfer workflow"


def test_respond_to_keeps_its_object_when_the_next_word_looks_like_a_verb():
    ob = _one("A senior manager will respond to stage two appeals within 20 working days.")
    assert ob.action == "respond to stage two appeals"


# --- actions: duties stated by an event noun -------------------------------------------------
def test_an_event_noun_that_only_bounds_time_takes_its_verb():
    ob = _one("Strategy reviews must be at intervals of no more than 4 weeks.")
    assert ob.action == "hold Strategy reviews"


def test_a_bounding_verb_makes_its_subject_the_duty():
    ob = _one("Assessments will take no longer than 35 working days from allocation.")
    assert ob.action == "complete Assessments"


def test_a_timescale_for_completion_is_completing():
    ob = _one(
        "A timescale for completion of the pathway plan should be agreed early and should not exceed "
        "30 working days."
    )
    assert ob.action == "complete the pathway plan"


def test_a_requirement_for_an_event_is_that_event():
    ob = _one("There is a requirement for a further planning meeting within 15 working days of the move.")
    assert ob.action == "hold a further planning meeting"


def test_a_standard_for_visiting_is_visiting():
    ob = _one("The standard for visiting infants should be weekly.")
    assert ob.action == "visit infants"


def test_a_verbless_item_naming_completion_is_completing():
    ob = _one("Completion of the safety plan within 5 working days")
    assert ob.action == "complete the safety plan"


def test_a_verbless_heading_like_item_gets_no_invented_verb():
    # A bare event name says which event; it is not read as holding it.
    ob = _one("Planning Meeting\tWithin 5 working days of the referral")
    assert not (ob.action or "").startswith("hold")


def test_a_cell_with_a_bare_visiting_verb_visits_the_row_s_children():
    ob = _one("Visited within 48 hours of the move", row="Children placed out of area")
    assert ob.action == "visit Children placed out of area"


def test_a_passive_of_giving_keeps_what_is_given():
    ob = _one("Foster carers will be given a copy of the safety plan within 3 working days.")
    assert ob.action == "give Foster carers a copy of the safety plan"


# --- actors ---------------------------------------------------------------------------------
def test_responsible_for_doing_makes_the_subject_the_actor():
    ob = _one("The team manager is responsible for signing off the closure summary within 5 working days.")
    assert ob.actor == "Team Manager"
    assert ob.action == "sign off the closure summary"


def test_whoever_ensures_a_passive_duty_is_its_actor():
    ob = _one("The supervising social worker will ensure that the carer is visited every 6 weeks.")
    assert ob.actor == "Supervising Social Worker"


def test_staff_named_as_subject_act():
    ob = _one("Staff are required to record the home visit within 24 hours.")
    assert ob.actor == "Staff"


def test_the_role_things_are_sent_to_is_not_the_actor():
    ob = _one(
        "The review summary will be typed up and sent to the Social Worker within 5 working days of the "
        "review."
    )
    assert ob.actor != "Social Worker"


def test_the_role_that_receives_is_not_the_actor():
    ob = _one(
        "The court report will be completed and received by the Team Manager 3 days before the hearing."
    )
    assert ob.actor != "Team Manager"


def test_a_recipient_gives_way_to_the_role_column():
    text = "Reports are submitted to a manager for sign off 2 working days before the meeting."
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
        role_context="Practitioner",
    )
    ob = extract_obligations([clause], text)[0]
    assert ob.actor == "Practitioner"


def test_a_frequency_set_for_visits_is_visiting():
    # The figure is how often the visits happen, not how often the frequency is settled.
    ob = _one(
        "After the first year, the frequency of visits is decided at each review or, if not decided, "
        "every eight weeks.",
        row="Children in care",
    )
    assert ob.action == "visit Children in care"
