"""Table-driven tests of the timescale grammar, its traps, spans, and the dev gold quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractors.records import Timescale
from extractors.timescale import approx_days, describe_timescale, find_timescales

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "obligations-dev.jsonl"


def _triples(text: str) -> list[tuple]:
    return [(t.kind, t.value, t.unit) for t in find_timescales(text)]


# (text, expected [(kind, value, unit), ...] in reading order)
FORMS: list[tuple[str, list[tuple]]] = [
    # deadlines
    ("The core group will meet within 10 working days of the ICPC.", [("deadline", 10, "working_day")]),
    ("no later than 5 working days from the strategy meeting", [("deadline", 5, "working_day")]),
    ("a strategy discussion will be held within 24 hours", [("deadline", 24, "hour")]),
    ("signed off at least one working day before they are shared", [("deadline", 1, "working_day")]),
    ("within **10 working days** of the Conference", [("deadline", 10, "working_day")]),
    ("**within 1** working day", [("deadline", 1, "working_day")]),
    ("within **5** working days of receipt", [("deadline", 5, "working_day")]),
    ("will be sent **6** weeks prior to the start", [("deadline", 6, "week")]),
    ("by the four month review", [("deadline", 4, "month")]),
    ("within ten days of allocation", [("deadline", 10, "day")]),
    ("within twenty-eight days of coming into care", [("deadline", 28, "day")]),
    ("within twenty eight days", [("deadline", 28, "day")]),
    ("within one working day", [("deadline", 1, "working_day")]),
    ("matched within ten months from the date", [("deadline", 10, "month")]),
    ("a maximum of 48 hours following the ICPC", [("deadline", 48, "hour")]),
    ("completed within 3 days and written up in 5 days.", [("deadline", 3, "day"), ("deadline", 5, "day")]),
    ("A child in need planning meeting will be held at day 15.", [("deadline", 15, "day")]),
    ("the second review at **4 months**", [("deadline", 4, "month")]),
    ("should not exceed 45 working days.", [("deadline", 45, "working_day")]),
    ("no more than 3 months after the young person's 16th birthday", [("deadline", 3, "month")]),
    ("I will submit the report 5 days before the conference.", [("deadline", 5, "day")]),
    ("the statutory timescale of sixteen weeks for assessment", [("deadline", 16, "week")]),
    ("within 3-5 days", [("deadline", 3, "day")]),
    ("between 6 and 8 weeks after the hearing", [("deadline", 6, "week")]),
    ("should not exceed a **16 week** period following referral", [("deadline", 16, "week")]),
    ("within an hour of the call", [("deadline", 1, "hour")]),
    ("within 48hrs", [("deadline", 48, "hour")]),
    ("within 3 months (91 actual days) of the ICPC", [("deadline", 3, "month")]),
    ("within the first seven placement days", [("deadline", 7, "day")]),
    (
        "The referral is finalised within 24 hours unless it is a child protection referral which "
        "should be completed within 2 hours",
        [("deadline", 24, "hour"), ("deadline", 2, "hour")],
    ),
    (
        "sent within 20 working days (local target within 10 working days).",
        [("deadline", 20, "working_day"), ("deadline", 10, "working_day")],
    ),
    # immediate
    ("held on the same day as the receipt of the referral", [("immediate", None, None)]),
    ("same day", [("immediate", None, None)]),
    (
        "it must be recorded immediately or within 24 hours.",
        [("immediate", None, None), ("deadline", 24, "hour")],
    ),
    ("evaluated on the day of receipt", [("immediate", None, None)]),
    # frequencies
    ("every 6 weeks", [("frequency", 6, "week")]),
    ("Core groups are held 6 weekly.", [("frequency", 6, "week")]),
    ("**6-weekly reviews**", [("frequency", 6, "week")]),
    ("2-weekly visits", [("frequency", 2, "week")]),
    ("should be 2 weekly", [("frequency", 2, "week")]),
    ("at intervals of not more than six weeks", [("frequency", 6, "week")]),
    ("at least once every 10 working days", [("frequency", 10, "working_day")]),
    ("a minimum of every 20 working days", [("frequency", 20, "working_day")]),
    ("supervision monthly", [("frequency", 1, "month")]),
    ("reviewed three monthly", [("frequency", 3, "month")]),
    ("Case supervision will take place 2 monthly", [("frequency", 2, "month")]),
    ("PEPs are reviewed termly", [("frequency", 1, "term")]),
    ("a PEP Meeting each **academic term**", [("frequency", 1, "term")]),
    ("every term", [("frequency", 1, "term")]),
    ("once per term", [("frequency", 1, "term")]),
    (
        "a PEP meeting must be held every term, three in each academic year.",
        [("frequency", 1, "term"), ("frequency", 1, "term")],
    ),
    ("carried out annually", [("frequency", 12, "month")]),
    ("reviewed yearly", [("frequency", 12, "month")]),
    ("an **annual/yearly** assessment", [("frequency", 12, "month")]),
    ("twice a year", [("frequency", 6, "month")]),
    ("once a year", [("frequency", 12, "month")]),
    ("3 times per year", [("frequency", 4, "month")]),
    ("visited fortnightly", [("frequency", 2, "week")]),
    ("participate in the weekly team supervision", [("frequency", 1, "week")]),
    ("discussed 12 weekly", [("frequency", 12, "week")]),
    ("All CIN cases are reviewed 6 monthly.", [("frequency", 6, "month")]),
    ("every 12 months", [("frequency", 12, "month")]),
    ("every year", [("frequency", 1, "year")]),
    ("every other week", [("frequency", 2, "week")]),
    ("on no less than a **6 weekly basis**", [("frequency", 6, "week")]),
    ("at a minimum of three monthly basis", [("frequency", 3, "month")]),
    ("at least once in any 12 month period", [("frequency", 12, "month")]),
    ("should be up to date and current within 3 months", [("frequency", 3, "month")]),
    (
        "reviewed within 3 months and thereafter within a maximum of six months",
        [("deadline", 3, "month"), ("frequency", 6, "month")],
    ),
    (
        "every 12 months, or 6 months for children under 5 years",
        [("frequency", 12, "month"), ("frequency", 6, "month")],
    ),
    (
        "The frequency of visits will be at a minimum of 15 working days/three weeks.",
        [("frequency", 15, "working_day")],
    ),
    (
        "Weekly until the first review, thereafter every four weeks",
        [("frequency", 1, "week"), ("frequency", 4, "week")],
    ),
    (
        "within 5 working days of placement and weekly until the first review, thereafter minimum of "
        "6 weekly for the first year and three monthly thereafter",
        [
            ("deadline", 5, "working_day"),
            ("frequency", 1, "week"),
            ("frequency", 6, "week"),
            ("frequency", 3, "month"),
        ],
    ),
    ("CIN reviews every 3 months as a minimum", [("frequency", 3, "month")]),
    # one timescale written two ways
    ("within **20 working days/4 weeks** of the child being accommodated", [("deadline", 20, "working_day")]),
    ("at a minimum of 15 working days/three weeks", [("deadline", 15, "working_day")]),
    ("Within 9 days (7 working days) from the date of notification", [("deadline", 9, "day")]),
    ("CIN: minimum standard of every 4 weeks (20 working days)", [("frequency", 4, "week")]),
    # traps: not timescales
    ("3 houses", []),
    ("Section 47 enquiries", []),
    ("s.47 enquiries", []),
    ("at age 16", []),
    ("before their 16th birthday", []),
    ("for young people over the age of 15.5 years", []),
    ("aged 0-25", []),
    ("Children and young people aged 0-19 years of age", []),
    ("Unborn babies and under 1 years", []),
    ("under 1yr old", []),
    ("Working Together 2013", []),
    ("see page 12 of 40", []),
    ("D.2.3 I will visit; 10.1 The standard", []),
    ("as per Child Protection Plans and Reviews Standard 9", []),
    ("dated 01.09.20, reviewed July 2019", []),
    ("where 10 is you are satisfied", []),
    ("1:1 supervision", []),
    ("(4 visits per year in total)", []),
    ("the Inbox will be checked 4 days per week", []),
    ("a 24 hours / 7 days a week on-call system", []),
    ("a 7-year-old child could understand it", []),
    ("when the young person is 15 years and 3 months", []),
    ("support from now until you turning 18 years", []),
    ("a young person who reached 16 years last month", []),
    ("aged between four (4) and sixteen (16) years (inclusive)", []),
    ("Looked After for at least 12 months", []),
    ("looked after for at least 13 weeks since the age of 14", []),
    ("the first 12 months of placement", []),
    ("the result of a 10-week consultation", []),
    ("The Annual Review meeting", []),
    ("children 4 years and over", []),
    ("if the child is 2 years of age or under", []),
    ("planning for independence long term fostering and short term carers", []),
    ("a mid-term review", []),
    ("on a scale of 0 to 10", []),
    ("75 plus nights away from home each year", []),
    ("in their first year of fostering", []),
    ("limited change over 6 week period", []),
    ("I will keep in touch as soon as possible", []),
    ("held prior to the four month review", []),
    ("unannounced if the placement interval is more than six months", []),
    ("participating in monthly case audits", [("frequency", 1, "month")]),
    ("Order \u2013within one week of the making of the Order", [("deadline", 1, "week")]),
]


@pytest.mark.parametrize(("text", "expected"), FORMS, ids=[f[0][:50] for f in FORMS])
def test_forms(text: str, expected: list[tuple]) -> None:
    assert _triples(text) == expected


def test_at_least_sixty_cases() -> None:
    assert len(FORMS) >= 60


def _one(text: str) -> Timescale:
    found = find_timescales(text)
    assert len(found) == 1, found
    return found[0]


def test_span_covers_cue_and_balances_bold() -> None:
    text = "The first core group will be held within **10 working days** of the Conference."
    t = _one(text)
    assert t.phrase == "within **10 working days**"
    assert text[t.start : t.end] == t.phrase
    t2 = _one("sent **within 24 hours** of the child coming into care")
    assert t2.phrase == "within 24 hours"


def test_span_closes_bold_a_few_words_on() -> None:
    text = "a minimum of **3-weekly visits** and reviews"
    t = _one(text)
    assert t.phrase == "a minimum of **3-weekly visits**"


def test_deadline_cue_does_not_attach_to_frequency_word() -> None:
    t = _one("I will participate in the weekly team clinical supervision")
    assert (t.phrase, t.bound) == ("weekly", None)


def test_immediately_before() -> None:
    t = _one("looked after immediately before being detained")
    assert (t.kind, t.anchor, t.anchor_relation) == ("immediate", "being detained", "before")
    assert describe_timescale(t) == "immediately before being detained"


def test_span_with_inline_html() -> None:
    text = "<p>Visits will be held <u>every 6 weeks</u> thereafter.</p>"
    t = _one(text)
    assert text[t.start : t.end] == t.phrase
    assert "every 6 weeks" in t.phrase
    assert (t.kind, t.value, t.unit) == ("frequency", 6, "week")


def test_bullets_and_two_timescales_have_separate_spans() -> None:
    text = "· critical events are recorded within one working day, visits within three working days"
    a, b = find_timescales(text)
    assert a.end <= b.start
    assert text[a.start : a.end] == "within one working day"
    assert text[b.start : b.end] == "within three working days"


def test_anchor_after_and_before() -> None:
    t = _one("The Core Group takes place within 10 working days of the ICPC, and all attend.")
    assert (t.anchor, t.anchor_relation, t.bound) == ("the ICPC", "after", "at_most")
    t = _one("the report is sent to the IRO **3 working days** before the review.")
    assert (t.anchor, t.anchor_relation) == ("the review", "before")
    t = _one("shared at least 5 working days prior to the conference")
    assert (t.anchor, t.anchor_relation, t.bound) == ("the conference", "before", "at_least")
    t = _one("assessments completed in 28 working days from the point of referral.")
    assert t.anchor == "referral"
    t = _one("within 24 hours of the contact or referral being made.")
    assert t.anchor == "the contact or referral being made"
    t = _one("within 3 working days of the S.47 starting.")
    assert t.anchor == "the S.47 starting"


def test_leading_anchor() -> None:
    t = _one("Following a case closure, a letter will be sent within 1 working day.")
    assert (t.anchor, t.anchor_relation) == ("a case closure", "after")


def test_thereafter_is_anchored_on_until_event() -> None:
    first, second = find_timescales("Weekly until the first review, thereafter every four weeks")
    assert first.anchor is None
    assert (second.anchor, second.anchor_relation) == ("the first review", "after")


def test_alternative_recorded() -> None:
    t = _one("within **20 working days/4 weeks** of the child being accommodated")
    assert t.alternative == "4 weeks"
    assert t.phrase == "within **20 working days/4 weeks**"
    t = _one("Within 9 days (7 working days) from the date of notification")
    assert t.alternative == "7 working days"
    assert (t.value, t.unit, t.anchor) == (9, "day", "notification")


def test_ranges() -> None:
    t = _one("within 3-5 days")
    assert (t.value, t.value_max, t.approx_days) == (3, 5, (3.0, 5.0))
    t = _one("between 6 and 8 weeks")
    assert (t.value, t.value_max, t.approx_days) == (6, 8, (42.0, 56.0))


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("within 5 days", "at_most"),
        ("no later than 5 days after", "at_most"),
        ("no more than 4 weeks after placement", "at_most"),
        ("not more than 4 weeks", "at_most"),
        ("a maximum of 48 hours", "at_most"),
        ("at least 5 working days before the conference", "at_least"),
        ("a minimum of 5 working days before the conference", "at_least"),
        ("at least every 6 weeks", "at_least"),
        ("at intervals of not more than six weeks", "at_least"),
        ("Intervals of no less than six months after the first visit", "at_most"),
        ("at day 15", "exact"),
        ("5 days before the conference", None),
        ("every 6 weeks", None),
    ],
)
def test_bounds(text: str, bound: str | None) -> None:
    assert _one(text).bound == bound


def test_intervals_during_first_twelve_months_is_one_timescale() -> None:
    t = _one("Intervals of not more than six weeks during the first twelve months")
    assert (t.kind, t.value, t.unit) == ("frequency", 6, "week")


def test_approx_days() -> None:
    assert approx_days(10, "working_day") == (14.0, 14.0)
    assert approx_days(6, "week") == (42.0, 42.0)
    assert approx_days(1, "term") == (121.67, 121.67)
    assert approx_days(24, "hour") == (1.0, 1.0)
    assert approx_days(1, "year") == (365.0, 365.0)
    assert approx_days(3, "day", 5) == (3.0, 5.0)
    assert 30.0 < approx_days(1, "month")[0] < 30.5
    assert approx_days(None, None) == (0.0, 1.0)
    assert approx_days(2, "week", "frequency") == (14.0, 14.0)  # architecture-note signature
    with pytest.raises(ValueError, match="unknown timescale unit"):
        approx_days(3, "fortnight")


def test_approximate_flag() -> None:
    assert _one("within 10 working days").approximate is True
    assert _one("termly").approximate is True
    assert _one("within 10 days").approximate is False
    assert _one("every 6 weeks").approximate is False
    assert _one("6 weekly").approx_days == (42.0, 42.0)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The Core Group meets within 10 working days of the ICPC.", "within 10 working days of the ICPC"),
        ("at least every 6 weeks", "at least every 6 weeks"),
        ("at intervals of not more than six weeks", "at least every 6 weeks"),
        ("immediately", "immediately / on the same day"),
        ("on the same day", "immediately / on the same day"),
        ("the report is sent 3 working days before the review", "3 working days before the review"),
        ("fortnightly", "every 2 weeks"),
        ("termly", "every term"),
        ("within 3-5 days", "within 3-5 days"),
        ("within 20 working days/4 weeks", "within 20 working days (also written as 4 weeks)"),
    ],
)
def test_describe(text: str, words: str) -> None:
    t = _one(text)
    assert describe_timescale(t) == words
    assert t.describe() == words


def test_empty_and_no_timescale() -> None:
    assert find_timescales("") == []
    assert find_timescales("   ") == []
    assert find_timescales("The social worker will explain the plan to the family.") == []


def test_spans_index_the_given_text_for_every_gold_quote() -> None:
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        quote = json.loads(line)["quote"]
        for t in find_timescales(quote):
            assert quote[t.start : t.end] == t.phrase
            assert t.phrase.strip() == t.phrase and t.phrase


def test_gold_dev_coverage() -> None:
    """The gold (kind, value, unit) of each dev obligation is found in its quote."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 50
    misses = []
    for row in rows:
        gold = row["timescale"]
        want = (gold["kind"], gold["value"], gold["unit"])
        got = _triples(row["quote"])
        if want not in got:
            misses.append((row["id"], want, got, row["quote"][:120]))
    for miss in misses:
        print("MISS", *miss)
    coverage = 1 - len(misses) / len(rows)
    print(f"gold timescale coverage: {coverage:.3f} ({len(rows) - len(misses)}/{len(rows)})")
    assert coverage >= 0.95


def test_corpus_clauses_never_yield_traps(corpus_dir: Path) -> None:
    """Over the real corpus: no timescale phrase is an age, a clause number or a page number."""
    age = re.compile(r"\b(?:aged?|old|of age)\b", re.I)
    for path in sorted(corpus_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for t in find_timescales(line):
                assert line[t.start : t.end] == t.phrase
                assert not age.search(t.phrase), (path.name, t.phrase, line[:120])
                if t.kind != "immediate":
                    assert t.value is not None and t.value > 0
                    assert t.unit in {"working_day", "day", "hour", "week", "month", "year", "term"}


def test_shared_pipeline_sentences_and_timescale_spans() -> None:
    from extractors.nlp import get_nlp, sentence_bounds

    nlp = get_nlp()
    assert nlp.pipe_names == ["sentencizer"]
    text = "Visit weekly. Review every 6 weeks; record within 24 hours."
    bounds = sentence_bounds(text)
    assert [text[s:e] for s, e in bounds] == [
        "Visit weekly.",
        "Review every 6 weeks;",
        "record within 24 hours.",
    ]
    doc = get_nlp(with_timescales=True)("The core group meets within 10 working days of the ICPC.")
    spans = doc.spans["timescale"]
    assert [(s.text, s.label_) for s in spans] == [("within 10 working days", "deadline")]
