"""Round three of the duty frame: recording duties, documents of events, anchors that say which
event, on sentences written for these tests (not from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _one(text: str, headings: list[str] | None = None):
    clause = Clause(id="bbbb0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                    heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                    start=0, end=len(text))
    found = extract_obligations([clause], text)
    assert len(found) == 1, [(o.timescale.phrase, o.extra.get("duty")) for o in found]
    return found[0]


# --- topic: what is done to the event, not the event ---------------------------------------
def test_recording_a_visit_is_a_recording_duty_not_the_visit():
    o = _one("Child in care visits must be recorded within 3 working days.")
    assert o.topic == "case recording"


def test_recording_an_event_with_its_own_record_topic_is_that_record():
    o = _one("Each supervision session should be recorded by the manager within 3 working days.")
    assert o.topic == "case supervision record"
    o = _one("Looked after reviews should be recorded on the system within 5 working days.")
    assert o.topic == "looked after review record"


def test_a_repeating_record_states_how_often_the_event_happens():
    o = _one("Supervision sessions must be recorded on the file every 6 weeks.")
    assert o.topic == "case supervision"


def test_a_document_named_in_the_plural_under_a_heading_is_that_events_record():
    o = _one("Notes need to be approved by the manager within ten days of the meeting date.",
             ["Procedures", "Core Group Meetings"])
    assert o.topic == "core group record"
    assert o.timescale.anchor == "core group meeting"  # "the meeting date" is that meeting


def test_a_placement_is_no_document_of_a_review():
    o = _one("The child will move to their new family home no later than 12 months after becoming looked after.")
    assert o.topic not in ("looked after review", "looked after review record", "looked after review report")


def test_a_bare_noun_takes_the_kind_its_section_names():
    o = _one("Each carer will have a review every year.", ["Fostering", "Foster Carers"])
    assert o.topic == "foster carer review"


def test_a_noun_that_says_which_itself_is_not_respecialised():
    o = _one("The manager will hold reviews of carer performance every year.", ["Fostering", "Foster Carers"])
    assert o.topic != "looked after review"


# --- anchors that say which event ----------------------------------------------------------
def test_an_ordinal_in_the_anchor_is_kept():
    o = _one("The plan will be completed within 20 working days of the initial visit.")
    assert o.timescale.anchor == "initial visit"


def test_the_recorded_event_is_the_anchor_with_its_name():
    o = _one("Child protection visits must be recorded within 24 hours of the visit.")
    assert o.timescale.anchor == "child protection visit"
    o = _one("Critical events must be recorded within one working day.")
    assert o.timescale.anchor == "critical event"


def test_another_occurrence_of_the_event_is_not_the_object():
    o = _one("A mid-point review will take place 3 months after the review.")
    assert o.timescale.anchor != "mid-point review"


def test_minutes_distributed_after_a_meeting_take_the_meeting_the_heading_names():
    o = _one("Minutes of the meeting will be typed up and distributed within 3 working days.",
             ["Procedures", "Strategy Meetings"])
    assert o.timescale.anchor == "strategy meeting"


# --- phase: first, then later ------------------------------------------------------------
def _all(text: str, headings: list[str] | None = None):
    clause = Clause(id="bbbb0000-0002", document_id="doc", authority="Testshire", ordinal=2,
                    heading_path=headings or ["Standards"], clause_ref="2", text=text, plain_text=text,
                    start=0, end=len(text))
    return extract_obligations([clause], text)


def test_a_figure_before_a_thereafter_figure_is_the_first_occurrence():
    first, later = _all("The adviser will meet the young person within 10 days of referral and thereafter every month.")
    assert (first.phase, later.phase) == ("first", "subsequent")


def test_then_leads_the_figure_after_it_not_the_one_before():
    first, later = _all("Carers are visited within the first 5 days then every 2 months.")
    assert (first.phase, later.phase) == ("first", "subsequent")
    # Two one-off steps: the "first" of the second's anchor names the event it runs from, not its phase.
    first, later = _all("Carers are visited within the first 5 days then within 2 months of the first visit.")
    assert first.phase != "subsequent" and later.phase != "first"


def test_an_ordinal_outside_the_duty_object_is_not_its_phase():
    o = _one("Families are offered an initial home meeting and their plans will be reviewed every 4 months.")
    assert o.phase is None


# --- conditions: the whole clause, and only the duty's own -------------------------------
def test_a_condition_is_the_whole_clause_the_parser_reads():
    o = _one("Where a young person is remanded to custody and placed out of area, the worker must visit them "
             "within 5 working days.")
    # (the clause states what happens to the young person and the time has no other anchor: the
    # time runs from it, so the whole clause is the anchor rather than a condition)
    assert o.timescale.anchor_text == "a young person is remanded to custody and placed out of area"
    assert o.conditions is None
    o = _one("Where a young person is in custody out of area, the worker must visit them within 5 working days.")
    assert o.conditions == "Where a young person is in custody out of area"


def test_a_condition_on_a_comparative_alternative_is_not_the_duties():
    o = _one("The worker will visit the family every 4 weeks or more often if required.")
    assert o.conditions is None


def test_an_alternative_or_extra_trigger_is_not_a_condition():
    assert _one("Plans will be reviewed every 6 months or if circumstances change.").conditions is None
    assert _one("The summary will be updated every month, when there is a change of placement.").conditions is None


def test_a_phrase_for_whom_keeps_its_cohort_and_is_whole():
    # Whom, not when (blind readers: "for children ..." is no condition): kept whole as a qualifier.
    o = _one("For young people who are leaving custody, the plan must be reviewed within 10 days.")
    assert o.conditions is None
    assert "young people who are leaving custody" in o.qualifiers


def test_whom_an_alternative_figure_is_for_is_not_the_first_figures_cohort():
    first, other = _all("Each plan is reviewed every 3 months or for young people in custody every month.")
    assert first.cohort == "all children"
    assert other.cohort != "all children"


# --- actor as the text names it; permissions are no duty -----------------------------------
def test_a_subject_naming_people_outside_the_roles_is_the_actor_not_the_topic_default():
    o = _one("Speech therapists will contact the family within 5 days of the referral.")
    assert o.actor == "Speech therapists"
    o = _one("Case notes must be approved by management within 5 working days.")
    assert o.actor == "management"


def test_a_role_the_taxonomy_knows_stays_canonical():
    o = _one("The team manager must approve the plan within 5 working days.")
    assert o.actor == "Team Manager"


def test_a_permission_is_not_a_duty():
    clause = Clause(id="bbbb0000-0003", document_id="doc", authority="Testshire", ordinal=3,
                    heading_path=["Standards"], clause_ref="3",
                    text="After a year the plan is reviewed and approval may be given to reduce visits to 8 weekly.",
                    plain_text="", start=0, end=90)
    assert not [o for o in extract_obligations([clause], clause.text) if o.timescale.value == 8]


def test_a_limit_on_a_permission_still_binds():
    found = _all("Assessments are completed within 20 days but an extension can be agreed up to 40 days.")
    assert any(x.timescale.value == 40 for x in found)


# --- actions for fragments and copulas ----------------------------------------------------
def test_a_verb_fragment_keeps_its_verb_and_object():
    assert _one("Prepare the summary report within 5 working days of the hearing.").action is not None
    o = _one("Summary report provided within 5 working days of the hearing.")
    assert o.action == "provide Summary report"


def test_a_copula_whose_predicate_is_the_figure_is_about_its_subject():
    o = _one("Telephone reviews should be at intervals of no more than 4 weeks.")
    # (the subject is what is done, by the verb its event is done with: a verb, never a bare noun)
    assert o.action == "hold Telephone reviews"


def test_adjectives_on_a_cohort_noun_narrow_the_cohort():
    stable = _one("CIN stable cases 6 monthly review only.")
    active = _one("CIN complex cases 3 monthly review.")
    assert "stable cases" in stable.qualifiers
    assert "complex cases" in active.qualifiers
