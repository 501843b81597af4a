"""Round six of the duty frame: what is not a duty. Sentences are written for these tests (not
taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def _phrases(text: str, headings: list[str] | None = None, row: str | None = None) -> list[str]:
    return [o.timescale.phrase for o in extract_obligations([_clause(text, headings, row)], text)]


# --- a share of the cases is a performance expectation, not a duty ------------------------------
def test_most_cases_within_a_time_is_an_expectation_not_a_duty():
    assert _phrases("We expect that most reviews will be held within four weeks of the request.") == []
    assert _phrases("The majority of plans are signed off within ten working days of the meeting.") == []


def test_each_case_within_a_time_stays_a_duty():
    assert _phrases("All reviews will be held within four weeks of the request.") == ["within four weeks"]
    # "most" on something other than the duty's subject does not make it a share of cases.
    assert _phrases("In most cases the plan must be signed off within ten working days.") \
        == ["within ten working days"]


# --- a bare figure hung on a noun measures that thing (an age, a threshold), not a time ---------
def test_an_age_range_on_the_children_is_not_a_timescale():
    assert _phrases("Every care leaver between 19 years and 21 years must have a plan.") == []


def test_a_threshold_on_a_noun_is_not_a_timescale():
    assert _phrases("Stays that come to a total of 40 days must be reported to the IRO.") == []


def test_a_bare_figure_on_a_period_noun_or_the_verb_stays_a_time():
    assert _phrases("The review must take place with a maximum timescale of 10 working days.") \
        == ["10 working days"]
    assert _phrases("The plan must be reviewed 3 months later.") == ["3 months"]


# --- the reader's own time limit is not the service's duty -------------------------------------
def test_the_readers_own_time_to_act_is_not_a_duty():
    assert _phrases("If you are still unhappy, you can ask for a review by emailing the team within "
                    "15 working days of getting your letter.") == []
    assert _phrases("Your appeal must be sent by you within 10 days of your receiving our decision.") == []


def test_what_the_reader_is_owed_or_a_service_duty_stays():
    assert _phrases("You can expect a decision within 15 working days of your appeal.") \
        == ["within 15 working days"]
    # The service acts; "you" is only where the child is when it does.
    assert _phrases("We will begin your plan while you are living with carers - within two months "
                    "of your 17th birthday.") == ["within two months"]
    # "you" as a practitioner, with the time running from a case event, still owes the duty.
    assert _phrases("You must see the child within 4 working days of allocation.") \
        == ["within 4 working days"]


# --- a bulleted item under a sentence that introduces a list states that sentence's duty ------
def _document(paragraphs: list[str], headings: list[str] | None = None) -> tuple[list[Clause], str]:
    text, clauses = "", []
    for n, para in enumerate(paragraphs, 1):
        body = para.lstrip(" •")
        start = len(text) + len(para) - len(body)
        clauses.append(Clause(id=f"cccc0000-{n:04d}", document_id="doc", authority="Testshire", ordinal=n,
                              heading_path=headings or ["Visits"], clause_ref=None, text=body, plain_text=body,
                              start=start, end=start + len(body)))
        text += para + "\n"
    return clauses, text


def test_bullets_under_a_list_lead_take_its_duty():
    clauses, text = _document([
        "Wherever a child in care lives, their social worker must see them at these intervals:",
        "  • Within five working days of a move;",
        "  • After that, at least every four weeks;",
    ])
    found = extract_obligations(clauses, text)
    assert [o.timescale.phrase for o in found] == ["Within five working days",
                                                   "at least every four weeks"]
    for o in found:
        assert o.action and o.action.startswith("see"), o.action
        assert o.actor == "Social Worker"
        assert o.topic == "child in care visit"


def test_a_paragraph_is_not_an_item_of_the_list_before_it():
    clauses, text = _document([
        "Wherever a child in care lives, their social worker must see them at these intervals:",
        "Within five working days of a move;",
    ])
    assert all(o.action is None or not o.action.startswith("see") for o in extract_obligations(clauses, text))


# --- the topic the context gave stands against a near definition about other children ---------
def test_the_cohort_signal_only_keeps_a_topic_about_the_duties_own_children():
    from extractors.obligations import _cohort_keeps
    from extractors.taxonomy import load_taxonomy

    tax = load_taxonomy()
    assert _cohort_keeps(tax, "child in care visit", "short break visit", "children in care")
    # the held topic is about other children than the duty's: the nearest definition may win
    assert not _cohort_keeps(tax, "child in care visit", "foster carer assessment", "approved foster carers")
    # a duty about every child says nothing either way
    assert not _cohort_keeps(tax, "child in care visit", "short break visit", "all children")


# --- a one-off time before a recurring one for the same duty is its first occurrence ----------
def test_a_deadline_before_a_frequency_of_the_same_duty_is_the_first():
    found = extract_obligations(*_document([
        "Children placed with kinship carers – within 3 working days of the move and fortnightly until "
        "the first review.",
    ], ["Visits to children in care"]))
    first = next(o for o in found if o.timescale.kind == "deadline")
    assert first.phase == "first"


def test_a_deadline_from_an_earlier_occurrence_is_not_the_first():
    found = extract_obligations(*_document([
        "Core group members meet again within four weeks of their first meeting and every month after that.",
    ], ["Core groups"]))
    deadline = next(o for o in found if o.timescale.kind == "deadline")
    assert deadline.phase != "first"


# --- a rating on the subject of the figure's own clause narrows which cases it is for ----------
def test_each_figure_keeps_the_rating_of_its_own_clause():
    text = "Amber contacts will mean that checks are completed within 2 days, and red contacts will mean " \
           "that checks are completed within 4 hours."
    found = extract_obligations([_clause(text)], text)
    by_phrase = {o.timescale.phrase: o.qualifiers for o in found}
    assert "Amber contacts" in by_phrase["within 2 days"]
    assert "red contacts" in by_phrase["within 4 hours"]
    assert "red contacts" not in by_phrase["within 2 days"]


# --- a relative clause in the past says who someone is, not what must be done ------------------
def test_a_past_relative_clause_is_a_description_not_a_duty():
    assert _phrases("Adults who were fostered until they were 18, and who were visited immediately before "
                    "leaving care, must be offered advice.") == []
    assert _phrases("The team must offer advice to adults who were visited weekly by a worker.") == []


def test_a_relative_clause_with_a_modal_is_still_a_duty():
    assert _phrases("Each child has a plan which must be reviewed every 6 months.") == ["every 6 months"]
