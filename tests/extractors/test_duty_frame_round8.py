"""Round eight of the duty frame: the action read from the right verb and subject. Sentences are
written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text))


def _actions(text: str, headings: list[str] | None = None) -> list[str | None]:
    return [o.action for o in extract_obligations([_clause(text, headings)], text)]


# --- an elliptical "as" clause is a reference to where something is settled, not the duty -------
def test_figure_hung_on_an_as_clause_belongs_to_the_verb_it_modifies():
    actions = _actions("Young people will be seen at least every 6 weeks as arranged with their carer.")
    assert actions == ["see Young people"]


def test_an_as_clause_with_its_own_subject_is_not_skipped():
    # "as the plan requires": a clause with a subject of its own is not an elliptical reference.
    actions = _actions("The worker will phone the carer within 2 days, as the plan requires.")
    assert actions == ["phone the carer"]


# --- a subject whose head is a thing is what happens, even when a role's words describe it ------
def test_role_words_describing_an_event_do_not_make_it_a_person():
    # "Personal Adviser" is a role name, but here it only says whose contacts: the contacts happen.
    assert _actions("Personal Adviser contacts will happen every 8 weeks.") == ["Personal Adviser contacts happen"]


def test_a_team_named_after_a_role_still_acts():
    # "IRO Service": role words on a head the taxonomy does not name as an event -> who acts.
    assert _actions("The IRO Service will respond within 5 working days.") == ["respond"]


def test_a_subject_headed_by_a_role_still_acts():
    actions = _actions("The Social Worker will meet the family every 8 weeks.")
    assert actions == ["meet the family"]


# --- a participle saying how the time is counted introduces the event it runs from --------------
def _anchors(text: str) -> list[tuple[str | None, str | None]]:
    return [(o.timescale.anchor_text, o.timescale.anchor_relation)
            for o in extract_obligations([_clause(text)], text)]


def test_bracketed_counting_participle_gives_the_anchor():
    assert _anchors("Reviews will be held every 3 months (counted from the start of the plan).") \
        == [("the start of the plan", "after")]
    assert _anchors("The plan will be written within 10 working days, calculated from the date of the meeting.") \
        == [("the date of the meeting", "after")]


def test_bracketed_participle_without_a_relation_gives_no_anchor():
    # "(agreed with the family)": the participle names no event the time runs from.
    assert _anchors("The plan will be shared within 10 working days (agreed with the family).") == [(None, None)]


# --- a heading that names a service only as where cases go does not name the cohort -------------
def _cohorts(text: str, headings: list[str]) -> list[str | None]:
    return [o.cohort for o in extract_obligations([_clause(text, headings)], text)]


def test_a_destination_in_a_heading_is_not_the_cohort():
    sentence = "The manager will sign off the closure summary within 3 working days."
    assert _cohorts(sentence, ["Assessment Service", "Closing cases and transfer to Early Help"]) \
        != ["children receiving early help"]
    # The same service as what the section is about still names the cohort.
    assert _cohorts(sentence, ["Assessment Service", "Early Help Closures"]) == ["children receiving early help"]


def test_people_after_to_in_a_heading_are_still_the_cohort():
    assert _cohorts("The worker will see the child every 4 weeks.", ["Visits to Children in Care"]) \
        == ["children in care"]


def test_subject_to_in_a_heading_is_status_not_destination():
    # "subject to": the children's status, whether the parser reads "subject" as adjective or noun.
    sentence = "The worker will see the child every 2 weeks."
    assert _cohorts(sentence, ["Children subject to a protection plan"]) == ["children subject to a child protection plan"]
    assert _cohorts(sentence, ["4 CHILD SUBJECT TO A PROTECTION PLAN"]) == ["children subject to a child protection plan"]
