"""The duty frame read from the parse, on sentences written for these tests (not from the corpus).

Each test builds a one-clause document, runs the real extractor (real spaCy parser, real
taxonomy; the embedding model where a test needs similarity) and checks one part of the frame.
"""

from __future__ import annotations

import pytest

from extractors.conflicts import conflicts_about, find_conflicts
from extractors.obligations import extract_obligations
from ingest.records import Clause
from ingest.sentences import sentence_id, split_sentences


def _clause(text: str, headings: list[str] | None = None, row: str | None = None, role: str | None = None,
            ref: str = "1", authority: str = "Testshire", cid: str = "aaaa0000-0001") -> Clause:
    return Clause(id=cid, document_id="doc", authority=authority, ordinal=int(cid[-4:]),
                  heading_path=headings or ["Standards"], clause_ref=ref, text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row, role_context=role)


def _extract(*clauses: Clause, encode=None):
    text = "\n".join(c.text for c in clauses)
    return extract_obligations(list(clauses), text, encode=encode)


def _one(text: str, **kw):
    found = _extract(_clause(text, **kw))
    assert len(found) == 1, [(o.timescale.phrase, o.extra.get("duty")) for o in found]
    return found[0]


# --- action, label, actor -----------------------------------------------------------------
def test_action_is_verb_particle_and_object_in_the_documents_words():
    o = _one("The team manager must sign off the minutes of every core group within 7 working days.")
    assert o.action.startswith("sign off the minutes of every core group")
    assert o.label == "sign off minutes of core group"
    assert o.actor == "Team Manager"
    assert o.topic == "core group record"  # signing off minutes is the record duty, not the meeting


def test_passive_takes_its_subject_as_object_and_agent_as_actor():
    o = _one("Pathway plans should be reviewed by the personal adviser every 6 months.")
    assert o.label == "review pathway plans"
    assert o.actor == "Personal Adviser"
    assert o.topic == "pathway plan"


def test_topic_follows_the_action_not_the_anchor_event():
    o = _one("The social worker will record the outcome of the meeting on the file within 24 hours of the ICPC.")
    assert o.label.startswith("record outcome")
    assert o.topic != "initial child protection conference"
    assert o.timescale.anchor == "initial child protection conference"


def test_report_before_an_event_is_that_events_report():
    o = _one("The social worker will share their written report with parents 3 working days before the review "
             "child protection conference.")
    assert o.topic == "child protection conference report"
    assert o.timescale.anchor_relation == "before"
    assert o.extra["party"] == "parents"


def test_first_person_statement_is_the_practitioners():
    o = _one("I will visit the young person at home within 10 working days of allocation.",
             headings=["Youth Offending Service"])
    assert o.label == "visit young person"
    assert o.actor == "Youth Offending worker"  # the section's service speaks "I will"
    assert o.timescale.anchor == "allocation"


def test_sentence_id_is_the_shared_splitters():
    text = "Plans matter. The care plan must be updated every 3 months."
    o = _one(text, cid="bbbb0000-0002")
    index = [s.text for s in split_sentences(text)].index(o.citation.quote)
    assert o.sentence_id == sentence_id("bbbb0000-0002", index) == "bbbb0000-0002-s01"


# --- anchors ------------------------------------------------------------------------------
def test_pronoun_anchor_is_kept_as_written_and_resolved_for_its_event():
    o = _one("The strategy meeting record must be circulated within 2 working days of it being held.")
    assert o.timescale.anchor_text == "it being held"
    assert o.timescale.anchor_relation == "after"
    assert o.topic == "strategy discussion record"


def test_anchor_keeps_the_whole_event_phrase():
    o = _one("A closure letter will be sent to the family within 5 working days of the decision to close the case.")
    assert o.timescale.anchor_text == "the decision to close the case"


# --- hedges ---------------------------------------------------------------------------------
def test_hedge_binds_at_the_firm_figure():
    o = _one("Babies on a plan should be seen ideally every week, but at least every ten working days.")
    assert (o.timescale.kind, o.timescale.value, o.timescale.unit) == ("frequency", 10, "working_day")
    assert o.timescale.hedge == "ideally every week"


def test_immediately_or_a_deadline_binds_at_the_deadline():
    o = _one("Concerns about a child's safety must be passed to the duty manager immediately or within 4 hours.")
    assert (o.timescale.value, o.timescale.unit) == (4, "hour")
    assert o.timescale.hedge == "immediately"


def test_a_condition_is_not_a_hedge():
    found = _extract(_clause("The assessment must be completed within 20 working days, or 30 working days "
                             "if the family has complex needs."))
    assert len(found) == 2


# --- phases and conditions --------------------------------------------------------------------
def test_phases_are_told_apart():
    found = _extract(_clause("The first review must be held within 20 working days of placement and "
                             "subsequent reviews every 6 months."))
    phases = {(o.timescale.value, o.phase) for o in found}
    assert (20, "first") in phases and (6, "subsequent") in phases


def test_period_phase_of_a_verbless_item():
    o = _one("Intervals of no more than 4 weeks during the first year of the arrangement",
             headings=["Visiting"], row="Privately fostered children")
    assert o.phase == "first year"


def test_condition_clause_is_read_from_the_parse():
    o = _one("If the concerns are complex, the strategy meeting must be held within 3 working days.")
    assert o.conditions == "If the concerns are complex"


def test_cohort_qualifiers_are_kept():
    o = _one("Red-rated enquiries must be completed by the duty team within 1 working day.",
             headings=["Front door"])
    assert any("red" in q.lower() for q in o.qualifiers)


# --- not duties -------------------------------------------------------------------------------
def test_performance_target_is_not_a_duty():
    found = _extract(_clause("There is no set timescale; our target is that 85% of plans are agreed within 6 weeks."))
    assert found == []


def test_document_review_date_is_not_a_duty():
    assert _extract(_clause("This policy will be reviewed every 2 years by the service manager.")) == []


def test_statute_quoted_as_background_is_not_a_duty():
    found = _extract(_clause("The Regulations state that a plan must be reviewed within 3 months of the first "
                             "review."))
    assert found == []


# --- conflicts --------------------------------------------------------------------------------
def _two(a: str, b: str, **kw):
    return _extract(_clause(a, cid="cccc0000-0001", ref="1", **kw), _clause(b, cid="cccc0000-0002", ref="2", **kw))


def test_same_duty_with_different_figures_is_a_conflict_and_says_why():
    obs = _two("The social worker will send the care plan to the IRO 5 working days before the looked after review.",
               "The care plan must be sent to the IRO 2 working days before the looked after review.")
    conflicts = find_conflicts(obs)
    assert len(conflicts) == 1 and conflicts[0].kind == "conflict"
    why = conflicts[0].same_duty
    assert "before looked after review" in why and "Independent Reviewing Officer" in why
    assert conflicts_about(obs[0], obs) == conflicts


def test_same_time_worded_differently_is_equivalent_not_conflict():
    obs = _two("The plan must be reviewed within 20 working days of placement.",
               "The plan must be reviewed within 28 days of placement.")
    assert find_conflicts(obs) == []
    equivalent = find_conflicts(obs, include_equivalent=True)
    assert [c.kind for c in equivalent] == ["equivalent"]


@pytest.mark.parametrize("a, b", [
    # a visit against its recording
    ("Children in care must be visited every 6 weeks.", "Visits to children in care must be recorded within 5 days."),
    # different phases
    ("The first review must be held within 20 working days of placement.",
     "Subsequent reviews must be held every 6 months."),
    # different recipients
    ("The report must be shared with the family 2 days before the conference.",
     "The report must be sent to the chair 5 days before the conference."),
    # a sub-group with its own figure
    ("Children in need must be visited every 4 weeks.",
     "Children in need under 1 must be visited every 2 weeks."),
])
def test_different_duties_do_not_conflict(a, b):
    assert find_conflicts(_two(a, b)) == []


def test_conflicts_about_shows_only_that_duty():
    obs = _extract(
        _clause("Children in care must be visited every 6 weeks.", cid="dddd0000-0001", ref="1"),
        _clause("Children in care must be visited every 8 weeks.", cid="dddd0000-0002", ref="2"),
        _clause("Visits to children in care must be recorded within 5 days.", cid="dddd0000-0003", ref="3"),
        _clause("Visits to children in care must be recorded within 2 days.", cid="dddd0000-0004", ref="4"),
    )
    visit = next(o for o in obs if o.timescale.value == 6)
    about = conflicts_about(visit, obs)
    assert len(about) == 1 and {o.timescale.value for o in about[0].obligations} == {6, 8}


# --- similarity (real embedding model) ----------------------------------------------------------
@pytest.mark.slow
def test_topic_by_similarity_for_wording_outside_the_synonyms():
    from extractors.similarity import TOPIC_SIMILARITY_THRESHOLD, rank
    from extractors.taxonomy import load_taxonomy
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    encode = load_embedder(load_settings()).encode
    sentences = ["The designated teacher will arrange the education plan meeting once a term.",
                 "The chronological history of significant events must be brought up to date every 3 months.",
                 "The fleet manager must service the pool cars every 12 months."]
    decided = []
    for text in sentences:
        assert _extract(_clause(text))[0].topic is None  # no synonym or cue names it
        o = _extract(_clause(text), encode=encode)[0]
        best, score = rank("topics", [o.extra["core_query"]], load_taxonomy(), encode)[0][0]
        expected = best if score >= TOPIC_SIMILARITY_THRESHOLD else None
        if expected and o.timescale.kind == "frequency":
            expected = load_taxonomy().topics[expected].frequency_topic or expected
        assert o.topic == expected and o.extra["topic_similarity"] == round(score, 3)
        decided.append(o.topic)
    assert decided[-1] is None  # nothing in the taxonomy is about pool cars: no topic, the action stays
    assert any(decided[:-1]), "similarity names a topic for duties worded outside the synonyms"
    assert _extract(_clause(sentences[-1]), encode=encode)[0].label == "service pool cars"


# --- round 2: anchors keep which event, actions keep their predicate and names, conditions stay with their figure
def test_anchor_keeps_the_modifiers_that_say_which_event():
    o = _one("The duty worker must inform the manager within 2 hours of any serious incident.")
    assert o.timescale.anchor == "serious incident"  # not the bare kind "event"
    o = _one("Carers will be told of the outcome within 10 days of the next health review.")
    assert o.timescale.anchor == "next health review"  # not "looked after review"


def test_ordinal_on_the_anchor_stays_in_the_anchor():
    o = _one("The plan is updated within 5 working days of the first CIN review.")
    assert o.timescale.anchor == "first child in need meeting"


def test_bare_conference_is_kept_as_stated_unless_the_heading_names_it():
    o = _one("Parents will receive the chair's letter 3 days before the conference.")
    assert o.timescale.anchor == "child protection conference"
    o = _one("Parents will receive the chair's letter 3 days before the conference.",
             headings=["Standards", "Review Child Protection Conferences"])
    assert o.timescale.anchor == "review child protection conference"


def test_an_event_stated_as_a_when_clause_is_the_anchor():
    o = _one("When told of a disclosure, the manager must hold a strategy discussion within 1 working day.")
    assert o.timescale.anchor_text == "told of a disclosure"
    assert o.timescale.anchor_relation == "after"
    assert o.conditions is None
    # a state is a condition, not an event the time runs from
    o = _one("When the family is hard to reach, the manager must agree a plan within 5 working days.")
    assert o.timescale.anchor_text is None


def test_capitalised_name_joined_by_in_is_one_object():
    o = _one("Practitioners should hold Child in Need meetings every 4 weeks.")
    assert o.action == "hold Child in Need meetings"


def test_participle_with_its_particle_stays_in_the_object():
    o = _one("The worker must file a copy of the signed off agreement within 3 days.")
    assert o.action.endswith("signed off agreement")


def test_copula_takes_its_predicate_not_be():
    o = _one("All case files must be up to date within 5 working days.")
    assert o.action is not None and o.action != "be"
    assert "up to date" in o.action


def test_inverted_conditional_is_a_condition():
    o = _one("Should a delay be expected, the manager must record the reason within 2 working days.")
    assert o.conditions == "Should a delay be expected"


def test_condition_after_an_alternative_figure_belongs_to_that_figure():
    found = _extract(_clause("Supervision takes place every 8 weeks, or every 4 weeks if the worker is newly qualified."))
    by_phrase = {o.timescale.phrase: o for o in found}
    assert by_phrase["every 8 weeks"].conditions is None
    assert "newly qualified" in (by_phrase["every 4 weeks"].conditions or "")


def test_a_duty_named_before_a_plan_exists_is_not_about_children_on_a_plan():
    o = _one("An initial child protection conference should take place within 15 working days of the strategy meeting.")
    assert o.cohort == "children subject to a section 47 enquiry"
    assert "children subject to a child protection plan" not in o.qualifiers
    o = _one("A review child protection conference should take place within 3 months of the first one.")
    assert o.cohort == "children subject to a child protection plan"


def test_notes_of_the_meeting_a_heading_names_are_that_meetings_record():
    o = _one("Notes must be approved by the manager within 5 working days of the meeting.",
             headings=["Standards", "Core Group Meetings"])
    assert o.topic == "core group record"  # the notes, not the meeting


def test_action_keeps_a_name_the_parser_splits():
    o = _one("The section 47 enquiry should be concluded within 15 working days.")
    assert "section 47 enquiry" in o.action


@pytest.mark.slow
def test_similarity_never_takes_an_end_or_the_event_for_its_start():
    # Sentences written for this test. The model hears "completion of the assessment" and "the
    # assessment" as near the taxonomy's "start of assessment"; the time runs from the end (or the
    # event), so the anchor stays as written.
    from extractors.similarity import rank
    from extractors.taxonomy import load_taxonomy
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    encode = load_embedder(load_settings()).encode
    for text, written in (
        ("The support plan will be drawn up within 5 working days of completion of the assessment.",
         "completion of the assessment"),
        ("The worker will tell the family the outcome within 5 working days of the assessment.", "the assessment"),
    ):
        o = _extract(_clause(text), encode=encode)[0]
        nearest, score = rank("anchors", [written], load_taxonomy(), encode)[0][0]
        assert o.timescale.anchor != "start of assessment", (nearest, score)
        assert written in (o.extra.get("anchor_phrase") or "")
    # A start stated in other words still takes the canonical start.
    o = _extract(_clause("The visit takes place within 5 working days of the assessment beginning."), encode=encode)[0]
    assert o.timescale.anchor == "start of assessment"
