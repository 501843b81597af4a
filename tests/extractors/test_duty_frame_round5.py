"""Round five of the duty frame. Sentences are written for these tests (not taken from any
authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document,
or the frame's grammar on the real parse.
"""

from __future__ import annotations

from extractors.frame import _other_figure_between, parse
from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def _all(text: str, headings: list[str] | None = None, row: str | None = None):
    return extract_obligations([_clause(text, headings, row)], text)


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    found = _all(text, headings, row)
    assert len(found) == 1, [(o.timescale.phrase, o.extra.get("duty")) for o in found]
    return found[0]


# --- tokens are compared by position (spaCy makes a new Token object on every access) -------
def test_a_later_word_behind_another_figure_is_not_this_figures():
    doc = parse("Visit weekly, then monthly, and quarterly thereafter.")
    weekly = next(t for t in doc if t.lower_ == "weekly")
    monthly = next(t for t in doc if t.lower_ == "monthly")
    quarterly = next(t for t in doc if t.lower_ == "quarterly")
    thereafter = next(t for t in doc if t.lower_ == "thereafter")
    figures = [(t.i, t.i + 1) for t in (weekly, monthly, quarterly)]
    # "thereafter" at the end belongs to "quarterly", not to the figures standing before that one.
    assert _other_figure_between(thereafter.i, doc[weekly.i:weekly.i + 1], figures)
    assert not _other_figure_between(thereafter.i, doc[quarterly.i:quarterly.i + 1], figures)


def test_the_root_is_its_own_head_by_position():
    doc = parse("The manager must sign off the plan.")
    root = next(t for t in doc if t.dep_ == "ROOT")
    assert root.head is not root  # why frame.py compares .i: identity never holds
    assert root.head.i == root.i


# --- actions: the verb that states the duty, with its object, in the document's words --------
def test_a_clause_complement_states_the_duty():
    o = _one("I will ensure that I meet the young person regularly, but at least monthly.")
    assert o.action == "meet the young person"


def test_have_something_done_is_doing_it():
    o = _one("Each young person will have an up-to-date risk plan written within 15 working days of referral.")
    assert o.action == "write an up to date risk plan"
    assert o.actor is None  # the young person has it; who writes it is not said


def test_a_passive_keeps_what_it_makes_the_object():
    o = _one("The assessment report will be made available to the family 2 working days before the panel.")
    assert o.action == "make The assessment report available to the family"


def test_a_passive_keeps_its_stranded_preposition():
    o = _one("Complaints will be replied to within 10 working days.")
    assert o.action == "reply to Complaints"


def test_coordinated_verbs_sharing_the_object_stay_together():
    o = _one("Families should be visited or telephoned within 5 working days of allocation.")
    assert o.action == "visit or telephone Families"


def test_a_name_in_capitals_is_not_the_verb():
    o = _one("The OT service will refer to PORTAGE within 3 working days.")
    assert o.action and o.action.split()[0].lower() != "portage"


def test_a_misparsed_clause_on_a_passive_is_not_its_duty():
    o = _one("The minutes must be sent on the same day that the family agrees the plan.")
    assert o.action == "send The minutes"


# --- hedges: the binding figure, whichever side the hedge word stands ------------------------
def test_a_recommended_figure_in_an_aside_is_the_hedge_of_the_firm_one():
    o = _one("Children with a care and support plan will have it reviewed every 12 months "
             "(3 months recommended for babies).")
    assert (o.timescale.value, o.timescale.unit) == (12, "month")
    assert o.timescale.hedge and "recommended" in o.timescale.hedge


def test_a_hedge_word_right_after_the_first_figure_is_the_first_figures():
    o = _one("Children should be seen weekly (good practice) or at least every 4 weeks.")
    assert (o.timescale.value, o.timescale.unit) == (4, "week")


# --- anchors: the whole event, never a bare kind when the text says which --------------------
def test_an_event_named_before_its_participle_keeps_its_name():
    o = _one("The worker will send the plan to the family within 3 working days of the Family Network "
             "Meeting taking place.")
    assert o.timescale.anchor == "family network meeting"


def test_a_bare_meeting_is_the_one_the_duties_topic_names():
    o = _one("The notes must be typed and approved by the team manager within ten working days of the meeting date.",
             headings=["Children in Need Plans and Reviews", "Reviews"])
    assert o.topic == "child in need review"
    assert o.timescale.anchor == "child in need meeting"


def test_a_bare_meeting_with_nothing_to_say_which_stays_as_written():
    o = _one("The notes must be typed and approved by the team manager within ten working days of the meeting.",
             headings=["Planning"])
    assert o.timescale.anchor == "meeting"


# --- cohorts: applicants are not approved carers; a broader heading name narrows nothing -------
def test_prospective_carers_are_not_approved_ones():
    o = _one("I will phone prospective foster carers within 3 working days of their enquiry.",
             headings=["Fostering", "Foster carers"])
    assert o.cohort == "prospective foster carers"
    assert "approved foster carers" not in o.qualifiers


# --- topics: a verbless row timed from its own event is that event's record -------------------
def test_a_row_due_after_its_own_event_is_the_events_record():
    o = _one("Core Group Meeting\tOutcome sheet\tWithin 2 working days of the Core Group Meeting")
    assert o.topic == "core group record"


def test_a_row_due_before_its_own_event_stays_the_event():
    o = _one("Initial Child Protection Conference\tWithin 15 working days of the strategy discussion")
    assert o.topic == "initial child protection conference"


# --- actors: the usual role of a duty nobody is named for is marked as such --------------------
def test_an_actor_nobody_names_is_marked_unstated_and_shown_as_usual():
    from service.induction import ownership

    o = _one("Thereafter, core group meetings will be held at least every 4 weeks.",
             headings=["Child protection plans"])
    assert o.extra["actor_stated"] is False
    assert o.actor == "Social Worker"  # the topic's usual role, kept for whom the duty concerns ...
    assert "not named" in ownership(o, None)[1]  # ... and never presented as what the text says
    named = _one("The team manager will sign off the plan within 5 working days.")
    assert named.extra["actor_stated"] is True and named.actor == "Team Manager"


def test_conjoined_participles_share_the_passive_agent():
    found = _all("New requests will be screened by the duty officers every day and graded within 2 working days.")
    graded = next(o for o in found if o.timescale.value == 2)
    assert graded.action == "grade New requests"
    assert graded.actor and "duty officers" in graded.actor.lower()


def test_an_action_does_not_end_on_an_open_bracket():
    o = _one("The manager will send a calendar invite for day 20 (2 days before the review is due) to the team.")
    assert o.action and not o.action.endswith("(")
