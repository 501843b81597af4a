"""Round four of the duty frame: aims, offers and quoted law are no duties; an "until" bound is
the end of a period; a timing noun's event is the action; qualifiers stay with their own figure;
no anchor is supplied where none is written. Sentences are written for these tests (not taken
from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text))


def _all(text: str, headings: list[str] | None = None):
    return extract_obligations([_clause(text, headings)], text)


def _one(text: str, headings: list[str] | None = None):
    found = _all(text, headings)
    assert len(found) == 1, [(o.timescale.phrase, o.extra.get("duty")) for o in found]
    return found[0]


# --- not duties: what usually happens, what someone aims at, offers, quoted law -------------
def test_what_usually_happens_is_no_duty():
    assert _all("Our worker will phone you to agree a first session, which usually happens within ten days of the request.") == []


def test_an_ideal_period_is_no_duty():
    assert _all("Family support plans will close ideally within a span of two to four months.") == []


def test_an_aim_is_no_duty():
    assert _all("We aim to answer every letter within 12 working days.") == []


def test_the_firm_figure_of_a_hedge_is_still_a_duty():
    o = _one("The worker will see the young person regularly, ideally every week, but at least every three weeks.")
    assert (o.timescale.value, o.timescale.unit) == (3, "week")


def test_a_figure_near_an_unrelated_usually_is_still_a_duty():
    o = _one("The decision would usually be explained at a planning meeting, which must be held within 8 working days.")
    assert (o.timescale.value, o.timescale.unit) == (8, "working_day")


def test_what_a_regulation_gives_is_statute_quoted():
    assert _all("Regulation 12 of the 2015 Placement Regulations allows an extension of 6 weeks to the usual 10 weeks.") == []


def test_an_offer_on_request_is_no_duty():
    assert _all("The chair can convene a planning meeting at the family's request, to take place within 48 hours.") == []


def test_a_quotation_from_the_literature_is_no_duty():
    assert _all("'Every practitioner should think about the child's day on a weekly basis' (Jones, 2014)") == []


# --- phase: an "until" bound ends the period ------------------------------------------------
def test_until_the_first_review_is_the_period_before_it():
    o = _one("When a baby is placed with a new carer, the child must be seen fortnightly until the first review.")
    assert o.phase == "until the first review"


def test_a_fragment_until_the_first_review_is_the_period_before_it():
    o = _one("Fortnightly until the first review", ["Visiting frequency", "Children placed with relatives"])
    assert o.phase == "until the first review"


# --- action: the event a timing noun is about -----------------------------------------------
def test_the_frequency_of_an_event_is_that_event():
    o = _one("The frequency of visits to young carers needs to be at least once every 8 weeks.")
    assert o.action is not None and o.action.lower().startswith("visit")
    assert "frequency" not in o.action.lower()


def test_there_is_names_what_there_is():
    o = _one("There will be a planning meeting held within 9 working days of the referral.")
    assert o.action is not None
    assert "there" not in o.action.lower().split()


# --- qualifiers stay with their own figure ----------------------------------------------------
def test_a_qualifier_after_the_second_figure_is_that_figures():
    found = _all("I will ensure the dental check is done yearly or every 6 months for children under 3 years old.")
    by_value = {(o.timescale.value, o.timescale.unit): o for o in found}
    yearly = by_value.get((12, "month")) or by_value.get((1, "year"))
    assert yearly is not None, list(by_value)
    assert not any("under 3" in q for q in yearly.qualifiers)


def test_a_bracket_after_the_first_figure_is_not_the_seconds():
    found = _all("Write the intervention plan within 4 working days (Referral Orders) and 15 working days "
                 "(Youth Rehabilitation Orders).")
    second = [o for o in found if o.timescale.value == 15]
    assert second and not any("referral order" in q.lower() for q in second[0].qualifiers)


# --- anchors: none supplied where none is written ---------------------------------------------
def test_no_anchor_is_invented_for_a_completion():
    o = _one("The assessment of the family will be finished within 30 working days.", ["Assessment"])
    assert o.timescale.anchor is None


# --- topic: the action's kind decides between neighbouring topics (by the model) -------------
def test_the_actions_kind_decides_between_neighbouring_topics():
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    encode = load_embedder(load_settings()).encode
    text = "The social worker will review each child in need plan with the family no less than every twelve weeks."
    found = extract_obligations([_clause(text)], text, encode=encode)
    assert [o.topic for o in found] == ["child in need review"]
    text = "The social worker will update each child in need plan with the family no less than every twelve weeks."
    found = extract_obligations([_clause(text)], text, encode=encode)
    assert [o.topic for o in found] == ["child in need plan"]  # updating the plan names no other kind


def test_what_you_can_expect_is_still_a_duty():
    o = _one("You can expect an answer to your letter within 15 working days.")
    assert (o.timescale.value, o.timescale.unit) == (15, "working_day")


def test_a_modifier_carrying_the_timing_is_not_a_qualifier():
    found = _all("There will be a planning review held within 2 months of the first meeting and if agreed further "
                 "planning reviews will be held within 4 months of each review.")
    first = [o for o in found if o.timescale.value == 2]
    assert first and not any("held" in q for q in first[0].qualifiers)


def test_a_permitted_reduction_keeps_its_limit():
    o = _one("Once the plan is agreed, visits to the family may take place at intervals of not more than four months.")
    assert (o.timescale.value, o.timescale.unit) == (4, "month")


# --- anchors: an elliptical "following" runs from the occurrence before ----------------------
def test_a_dangling_following_runs_from_the_previous_occurrence():
    o = _one("The third planning meeting must be held 8 weeks following.")
    assert o.timescale.anchor_text == "second planning meeting"
    assert o.timescale.anchor_relation == "after"
