"""Obligations extracted from the real shipped corpus (parsed by the real ingest pipeline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.obligations import extract_clause, extract_obligations, split_sentences
from ingest.manifest import load_manifest
from ingest.parse import parse_file
from ingest.records import Clause
from ingest.settings import load_settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _obligations(authority_file: str):
    for path, meta in load_manifest(CORPUS):
        if path.name == authority_file:
            parsed = parse_file(path, meta, load_settings())
            return parsed, extract_obligations(parsed.clauses, parsed.source.text)
    raise AssertionError(f"{authority_file} not in the manifest")


@pytest.fixture(scope="module")
def wokingham():
    return _obligations("004_f6e1279407d87ed7.txt")


@pytest.fixture(scope="module")
def dudley():
    return _obligations("001_8bce2519d05b7ad5.txt")


@pytest.fixture(scope="module")
def wiltshire():
    return _obligations("002_93ba2dc2b9b16c50.txt")


@pytest.fixture(scope="module")
def sandwell():
    return _obligations("003_b840afe54436e221.txt")


def _find(obligations, topic, kind, value, unit):
    return [o for o in obligations if o.topic == topic and o.timescale.kind == kind
            and o.timescale.value == value and o.timescale.unit == unit]


def test_every_citation_span_is_the_timescale_phrase_in_the_document(wokingham, sandwell):
    for parsed, obligations in (wokingham, sandwell):
        assert obligations
        for o in obligations:
            if o.extra["span_verified"]:
                assert parsed.source.text[o.citation.start:o.citation.end] == o.timescale.phrase
        assert sum(o.extra["span_verified"] for o in obligations) / len(obligations) > 0.95
        assert len({o.id for o in obligations}) == len(obligations)


def test_ids_are_stable_across_runs(wokingham):
    parsed, first = wokingham
    again = extract_obligations(parsed.clauses, parsed.source.text)
    assert [o.id for o in first] == [o.id for o in again]


def test_wokingham_first_core_group(wokingham):
    _, obligations = wokingham
    hits = _find(obligations, "core group meeting", "deadline", 10, "working_day")
    assert hits, "first core group meeting within 10 working days not found"
    o = hits[0]
    assert o.timescale.anchor == "initial child protection conference"
    assert o.cohort == "children subject to a child protection plan"
    assert "10 working days" in o.timescale.phrase


def test_dudley_core_group_every_two_months(dudley):
    _, obligations = dudley
    hits = _find(obligations, "core group meeting", "frequency", 2, "month")
    assert hits
    # The same sentence also states a deadline (within six weeks of the first meeting): two obligations.
    same_clause = [o for o in obligations if o.clause_id == hits[0].clause_id and o.topic == "core group meeting"]
    assert {(o.timescale.kind, o.timescale.value, o.timescale.unit) for o in same_clause} >= {
        ("frequency", 2, "month"), ("deadline", 6, "week")}
    spans = {(o.citation.start, o.citation.end) for o in same_clause}
    assert len(spans) == len(same_clause)


def test_sandwell_cp_visits(sandwell):
    _, obligations = sandwell
    hits = _find(obligations, "child protection visit", "frequency", 10, "working_day")
    assert hits
    assert hits[0].actor == "Social Worker"


def test_sandwell_i_will_statements_take_the_section_practitioner(sandwell):
    _, obligations = sandwell
    upload = [o for o in obligations if o.topic == "document upload"]
    assert upload and upload[0].actor == "Business Support"
    early_help = _find(obligations, "early help visit", "deadline", 10, "day")
    assert early_help and early_help[0].timescale.anchor == "allocation"


def test_wiltshire_strategy_meeting_and_same_day_exceptions(wiltshire):
    _, obligations = wiltshire
    strat = [o for o in obligations if o.topic == "strategy discussion"]
    three = [o for o in strat if (o.timescale.kind, o.timescale.value, o.timescale.unit)
             == ("deadline", 3, "working_day") and o.timescale.anchor == "referral"]
    assert three, [(o.timescale.phrase, o.timescale.anchor) for o in strat]
    same_day = [o for o in strat if o.timescale.kind == "immediate"]
    assert len(same_day) >= 2  # serious risk; penetrative sexual abuse
    assert all(o.conditions for o in same_day)


def test_background_prose_and_ages_are_not_obligations(wokingham, dudley):
    for _, obligations in (wokingham, dudley):
        for o in obligations:
            assert o.timescale.unit is None or o.timescale.value is None or o.timescale.value < 400
            assert o.modality in (None, "must", "will", "should", "may")


def test_sentence_split_keeps_offsets_and_abbreviations():
    text = "I will complete the S.47 enquiry within 15 days. Then I will share it, e.g. by email."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "I will complete the S.47 enquiry within 15 days.", "Then I will share it, e.g. by email."]
    assert all(text[s.start:s.start + len(s.text)] == s.text for s in sentences)



def test_labelled_lines_are_sentences_each_with_its_own_figure():
    """Items laid out one per line under labels, without full stops, are separate sentences, so
    each label's figure is quoted with its own label; a wrapped line is still one sentence."""
    text = ("Appeals follow two stages\nStage 1: Review by the team manager within 5 working days\n"
            "Stage 2: Review by the head of service within 15 working days")
    assert [s.text for s in split_sentences(text)] == [
        "Appeals follow two stages",
        "Stage 1: Review by the team manager within 5 working days",
        "Stage 2: Review by the head of service within 15 working days",
    ]
    obligations = extract_clause(_clause(text, ["Appeals"]), text)
    quotes = {o.timescale.value: o.citation.quote for o in obligations}
    assert quotes[5].startswith("Stage 1:") and quotes[15].startswith("Stage 2:")
    wrapped = "Visits follow the plan agreed with the\nIndependent Reviewing Officer: at least every 4 weeks."
    assert len(split_sentences(wrapped)) == 1


# --- general rules, on clauses made up here (not the shipped documents' wording) ------------
def _clause(text: str, headings: list[str], row: str | None = None, role: str | None = None) -> Clause:
    return Clause(id="t-0001", document_id="t", authority="Testshire", ordinal=1, heading_path=headings,
                  clause_ref=None, text=text, plain_text=text, start=0, end=len(text),
                  cohort_context=row, role_context=role)


def _one(text: str, headings: list[str], row: str | None = None, role: str | None = None,
         first_person_section: bool = False):
    obligations = extract_clause(_clause(text, headings, row, role), text, first_person_section=first_person_section)
    assert len(obligations) == 1, [(o.timescale.phrase, o.topic) for o in obligations]
    return obligations[0]


@pytest.mark.parametrize("text, row, topic, cohort", [
    # a verbless table cell: the section's action ("Visiting") + the row's cohort
    ("Every 4 weeks as a minimum", "Young people leaving care", "care leaver contact", "care leavers"),
    ("Not more than 10 working days after notification", "Children living in private fostering arrangements",
     "private fostering visit", "privately fostered children"),
    ("At intervals of no more than 6 weeks in the first year", "Children who are in our care",
     "child in care visit", "children in care"),
])
def test_table_cell_topic_from_section_action_and_row_cohort(text, row, topic, cohort):
    o = _one(text, ["2. Visiting children"], row=row, role="Social Worker")
    assert (o.topic, o.cohort, o.actor) == (topic, cohort, "Social Worker")


def test_i_will_verb_governs_topic_over_a_referenced_plan():
    o = _one("I will visit the young person in agreement with the care plan, at least every 8 weeks.",
             ["Looked After Children"])
    assert o.topic == "child in care visit"
    assert o.actor == "Social Worker"  # the practitioner the section addresses (a topic's owner)


def test_person_subject_governs_over_a_topic_named_in_an_earlier_clause():
    o = _one("The strategy discussion agrees the plan but the allocated social worker will visit the child "
             "within 2 working days of the section 47 enquiry starting.", ["Child protection enquiries"])
    assert o.topic == "section 47 visit"
    assert o.actor == "Social Worker"
    assert o.timescale.anchor == "start of section 47 enquiry"


def test_passive_subject_is_not_the_actor_nor_dropped_as_topic():
    o = _one("The LADO must be informed of allegations within 1 working day.", ["Allegations"])
    assert o.topic == "LADO referral"


def test_take_no_longer_than_is_a_deadline_and_bare_assessment_is_the_social_work_assessment():
    o = _one("Assessments will take no longer than 40 working days from referral.", ["Assessment"],
             row="Children in need")
    assert (o.timescale.kind, o.timescale.value, o.timescale.unit) == ("deadline", 40, "working_day")
    assert o.topic == "child and family assessment"
    assert o.timescale.anchor == "referral"


def test_generic_assessment_takes_the_kind_named_by_its_heading():
    o = _one("This assessment should be completed within six months.", ["Foster carers: recruitment"])
    assert o.topic == "foster carer assessment"
    o = _one("I will make sure the assessment is finished within 16 weeks where the plan is an SGO.",
             ["Permanence"])
    assert o.topic == "special guardianship assessment"


def test_topic_default_cohort_and_actor_when_nothing_names_them():
    o = _one("A PEP review must be held every term.", ["Planning"], row="Education")
    assert (o.topic, o.cohort) == ("personal education plan", "children in care")
    o = _one("The first review will be held within 20 working days.", ["Looked after reviews"])
    assert o.actor == "Independent Reviewing Officer"


def test_start_of_event_anchor_and_implicit_anchors():
    o = _one("The conference should take place within 15 working days of the initiation of the S47 enquiry.",
             ["Conferences"])
    assert o.timescale.anchor == "start of section 47 enquiry"
    o = _one("Managers will respond to complaints within 10 working days.", ["Complaints"])
    assert o.timescale.anchor == "complaint"
    o = _one("Visits must be recorded within 2 working days.", ["Recording"])
    assert o.timescale.anchor == "visit" and o.topic == "case recording"
    o = _one("Supervision will be recorded every 8 weeks.", ["Recording"])
    assert o.timescale.anchor is None  # a frequency runs from no event


def test_leading_adverbial_does_not_name_the_duty():
    o = _one("If a child is placed with parents pending assessment, visits must take place at least weekly.",
             ["Visiting"])
    assert o.topic == "child in care visit"
    assert o.cohort == "children placed at home with parents"


def test_passive_duty_in_an_i_will_section_is_the_section_practitioner():
    o = _one("A copy of the minutes will be shared with the family within 10 days of the meeting.",
             ["Children in Need"], first_person_section=True)
    assert o.actor == "Social Worker"


# --- the same rules on the shipped corpus (cases practitioners ask about) ------------------
def test_dudley_table_cells_under_cohort_rows(dudley):
    _, obligations = dudley
    leaver = _find(obligations, "care leaver contact", "frequency", 2, "month")
    assert leaver and leaver[0].cohort == "care leavers" and leaver[0].actor == "Personal Adviser"
    cic = _find(obligations, "child in care visit", "frequency", 6, "week")
    assert any(o.cohort == "children in care" and "first year" in o.citation.quote for o in cic)
    weekly = _find(obligations, "child in care visit", "frequency", 1, "week")
    pending = [o for o in weekly if "pending assessment" in o.citation.quote]
    assert pending and pending[0].cohort == "children placed at home with parents"
    adoptive = [o for o in obligations if o.cohort == "children placed for adoption" and o.timescale.kind == "frequency"]
    assert adoptive and all(o.topic == "adoptive placement visit" for o in adoptive)
    pf = _find(obligations, "private fostering visit", "deadline", 9, "day")
    assert pf and pf[0].timescale.anchor == "notification"
    pep = _find(obligations, "personal education plan", "frequency", 1, "term")
    assert pep and pep[0].cohort == "children in care"


def test_dudley_assessment_and_section_47_record(dudley):
    _, obligations = dudley
    cfa = _find(obligations, "child and family assessment", "deadline", 45, "day")
    assert cfa and cfa[0].timescale.anchor == "referral"
    s47 = _find(obligations, "section 47 enquiry", "deadline", 15, "day")
    assert s47 and s47[0].timescale.anchor == "strategy meeting"


def test_sandwell_visit_and_assessment_update(sandwell):
    _, obligations = sandwell
    cic = _find(obligations, "child in care visit", "frequency", 6, "week")
    assert any("care plan" in o.citation.quote for o in cic)
    update = _find(obligations, "assessment update", "frequency", 6, "month")
    assert update and all(o.actor == "Social Worker" for o in update)


def test_wokingham_icpc_and_section_47_visit(wokingham):
    _, obligations = wokingham
    icpc = _find(obligations, "initial child protection conference", "deadline", 15, "working_day")
    assert any(o.timescale.anchor == "start of section 47 enquiry" for o in icpc)
    visit = _find(obligations, "section 47 visit", "deadline", 24, "hour")
    assert visit and visit[0].actor == "Social Worker"


def test_cohort_qualifying_another_figure_is_not_this_ones():
    text = "Health assessments will be reviewed every 12 months, or every 6 months for children under 5."
    obligations = extract_clause(_clause(text, ["Health"]), text)
    by_value = {o.timescale.value: o for o in obligations}
    assert by_value[6].cohort == "children under 5"
    assert by_value[12].cohort == "children in care"  # the topic's own cohort, not the under-5s


def test_send_the_verb_is_not_the_send_cohort():
    o = _one("The social worker will send the report to the chair 3 working days before the meeting.", ["Reports"])
    assert o.cohort != "children with SEND"


def test_passive_subject_is_not_the_actor_and_generic_conference_anchor_takes_the_named_one():
    o = _one("The LADO must be informed of allegations within 1 working day.", ["Allegations"])
    assert o.actor == "Employer"  # who owns a LADO referral, not the LADO being informed
    o = _one("Review conference reports must be shared with the family 5 working days before the "
             "child protection conference.", ["Conferences"])
    assert o.topic == "child protection conference report"
    assert o.timescale.anchor == "review child protection conference"


def test_the_meeting_is_the_meeting_of_the_record_named():
    o = _one("The CIN minutes will be sent to the family within 5 working days of the meeting.", ["Minutes"])
    assert o.timescale.anchor == "child in need meeting"
    o = _one("The first core group will meet within 10 working days of the initial child protection conference.",
             ["Core groups"])
    assert o.timescale.anchor == "initial child protection conference"


def test_verbless_list_items_inherit_the_lead_sentence_duty():
    text = ("Every young person should be seen by their allocated worker at a frequency set out in their plan. "
            "The minimum standards are:\n\n"
            "\u2022 Care leavers \u2013 at least every 8 weeks\n\n"
            "\u2022 Children in care \u2013 within 3 working days of a move and weekly until the first review, "
            "thereafter a minimum of 4 weekly for the first year and two monthly thereafter if the move has "
            "been confirmed as permanent by the fostering panel of the local authority.")
    obligations = extract_clause(_clause(text, ["Contact"]), text)
    got = [(o.timescale.kind, o.timescale.value, o.timescale.unit, o.cohort) for o in obligations]
    assert got == [("frequency", 8, "week", "care leavers"),
                   ("deadline", 3, "working_day", "children in care"),
                   ("frequency", 1, "week", "children in care"),
                   ("frequency", 4, "week", "children in care"),
                   ("frequency", 2, "month", "children in care")]
    cic = obligations[1:]
    assert all(o.topic == "child in care visit" and o.modality == "should" for o in cic)
    assert obligations[0].topic == "care leaver contact"
    assert cic[2].timescale.anchor == "first looked after review"  # "thereafter" = after the first review
    assert all(o.extra["duty"] == "list-item" for o in cic)


def test_long_verbless_text_without_a_lead_or_label_is_not_a_duty():
    text = ("In the last inspection year, children in care were seen on average every 5 weeks, which the "
            "service has been monitoring closely with partner agencies across the whole county area since then.")
    assert extract_clause(_clause(text, ["Performance"]), text) == []


def test_circulated_record_of_a_conference_runs_from_the_conference():
    o = _one("The conference minutes will be checked by the chair and circulated within 15 working days.",
             ["Child protection conferences"])
    # Neither the sentence nor the heading says initial or review: the conference as stated.
    assert o.timescale.anchor == "child protection conference"
