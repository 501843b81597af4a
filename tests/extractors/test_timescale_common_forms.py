"""Common English ways of writing a timescale that the grammar must read (issues 10/11).

Sentences written for these tests; none is taken from a shipped or other authority's document.
Ranges bind at their outer limit (the firm figure a practitioner must meet): ``value_max`` is the
binding interval or deadline, ``value`` the inner figure kept beside it.
"""

from __future__ import annotations

import pytest

from extractors.timescale import find_timescales


def _one(text: str):
    found = find_timescales(text)
    assert len(found) == 1, [(t.phrase, t.kind, t.value, t.unit) for t in found]
    return found[0]


# --- 1. ranges in words or digits, with a period qualifier ---------------------------------


def test_range_in_words_within_first_weeks_of_an_event_is_a_deadline() -> None:
    t = _one("A keyworker meets each new pupil in the first two to three weeks of the placement.")
    assert (t.kind, t.value, t.value_max, t.unit, t.bound) == ("deadline", 2, 3, "week", "at_most")
    assert t.anchor and "placement" in t.anchor
    assert t.phrase.startswith("in the first two to three weeks")
    assert t.describe() == "within 2-3 weeks of the placement"


def test_range_in_digits_keeps_both_figures() -> None:
    t = _one("Send the draft plan to the family within 5-6 weeks of the assessment.")
    assert (t.kind, t.value, t.value_max, t.unit, t.bound) == ("deadline", 5, 6, "week", "at_most")
    # The outer limit binds: the approximate days run to 6 weeks.
    assert t.approx_days == (35.0, 42.0)


def test_duration_qualifier_after_a_frequency_is_still_not_a_timescale() -> None:
    found = find_timescales("Visit the carer every four weeks in the first six months of the match.")
    assert [(t.kind, t.value, t.unit) for t in found] == [("frequency", 4, "week")]


@pytest.mark.parametrize(
    ("text", "value", "value_max", "unit"),
    [
        ("Foster carers are seen three or four times a year by the panel adviser.", 3, 4, "month"),
        ("The team meets two to four times a month.", 1, 2, "week"),
        ("Audits happen 2-3 times per year.", 4, 6, "month"),
    ],
)
def test_times_range_is_a_frequency_binding_at_the_less_frequent(
    text: str, value: float, value_max: float, unit: str
) -> None:
    t = _one(text)
    assert (t.kind, t.value, t.value_max, t.unit) == ("frequency", value, value_max, unit)


# --- 2. counts per period are frequencies ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "bound"),
    [
        (
            "The service manager makes at least one unplanned visit throughout the year.",
            12,
            "month",
            "at_least",
        ),
        (
            "There will be one supervision session each month for every newly qualified worker.",
            1,
            "month",
            None,
        ),
        ("The school nurse receives at least three visits per term.", None, None, "at_least"),
        ("Carers get two unannounced visits a year.", 6, "month", None),
        ("Hold four review meetings during the year.", 3, "month", None),
        (
            "The inspector pays at least one unplanned visit to each kitchen throughout the year.",
            12,
            "month",
            "at_least",
        ),
        ("Managers hold two audits of the case files a year.", 6, "month", None),
    ],
)
def test_count_of_occurrences_per_period_is_a_frequency(
    text: str, value: float | None, unit: str | None, bound: str | None
) -> None:
    t = _one(text)
    assert t.kind == "frequency"
    if value is not None:
        assert (t.value, t.unit) == (value, unit)
    assert t.bound == bound


def test_three_visits_per_term_is_roughly_monthly() -> None:
    t = _one("Expect three visits per term.")
    assert t.kind == "frequency" and t.unit == "day"
    assert 40 < t.approx_days[0] < 41


@pytest.mark.parametrize(
    "text",
    [
        "The worker has 4 visits per year in total.",
        "Each worker holds no more than 12 cases a month.",
        "The office is open 5 days a week.",
    ],
)
def test_counts_that_are_not_frequencies_stay_out(text: str) -> None:
    assert [t for t in find_timescales(text) if t.kind == "frequency" and t.unit != "week"] == []


# --- 3. a day of each period is a monthly deadline ------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Timesheets are returned by the 10th of each month.", "10th"),
        ("The return is sent to finance by the last working day of every month.", "last working day"),
        ("Figures reach the board no later than the first day of each month.", "first day"),
        ("Payments are made on the twenty-first of each month.", "twenty-first"),
    ],
)
def test_day_of_each_month_is_a_monthly_deadline(text: str, day: str) -> None:
    t = _one(text)
    assert (t.kind, t.value, t.unit) == ("frequency", 1, "month")
    assert day in t.phrase
    assert t.describe() == f"every month, by the {day} of the month"


def test_figures_joined_by_or_with_a_unit_are_not_made_a_range() -> None:
    # "10 or 20 working days" names two figures (for different cases), not a span between them.
    found = find_timescales("The form takes 10 or 20 working days depending on the route.")
    assert all(t.value_max is None for t in found)


def test_a_count_per_term_no_whole_unit_states_is_said_in_the_documents_words() -> None:
    # No whole unit states it: said in the document's words, not as a computed 60.8 days.
    assert _one("Expect at least two visits per term.").describe() == "at least two visits per term"
