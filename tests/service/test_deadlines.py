"""Working-day arithmetic with England & Wales bank holidays (pure functions, real `holidays`)."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.records import Timescale
from extractors.timescale import find_timescales
from service.deadlines import add_working_days, compute_deadline, find_date, is_working_day


def test_working_days_skip_easter_bank_holidays() -> None:
    # Wed 1 Apr 2026 + 10 working days passes Good Friday (3 Apr) and Easter Monday (6 Apr).
    due, skipped = add_working_days(date(2026, 4, 1), 10)
    assert due == date(2026, 4, 17)
    assert any("Good Friday" in s for s in skipped) and any("Easter Monday" in s for s in skipped)


def test_working_days_backwards_before_an_event() -> None:
    # 3 working days before Tue 7 Apr 2026: Mon 6 is Easter Monday, Fri 3 Good Friday.
    due, _ = add_working_days(date(2026, 4, 7), 3, direction=-1)
    assert due == date(2026, 3, 31)
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (substitute)


def test_compute_deadline_shows_the_calculation() -> None:
    ts = Timescale(kind="deadline", value=10, unit="working_day", phrase="within 10 working days", start=0, end=22,
                   bound="at_most", anchor="initial child protection conference")
    result = compute_deadline(ts, date(2026, 4, 1))
    assert result.due == "2026-04-17"
    text = " ".join(result.steps)
    assert "Good Friday" in text and "Easter Monday" in text and "17 Apr 2026" in text


def test_months_and_terms() -> None:
    monthly = Timescale(kind="frequency", value=2, unit="month", phrase="every two months", start=0, end=16)
    assert compute_deadline(monthly, date(2026, 12, 31)).due == "2027-02-28"
    termly = Timescale(kind="frequency", value=1, unit="term", phrase="each term", start=0, end=9)
    result = compute_deadline(termly, date(2026, 1, 5))
    assert result.due is None and "term" in (result.note or "")


@pytest.mark.parametrize(
    ("sentence", "start", "due"),
    [
        # before this month's day: this month's; after it: next month's (6 Apr 2026 is Easter Monday)
        ("Summaries reach the panel by the 6th of each month.", date(2026, 3, 3), "2026-03-06"),
        ("Summaries reach the panel by the 6th of each month.", date(2026, 3, 10), "2026-04-06"),
        # Fri 29 May 2026: the last Monday, 25 May, is a bank holiday but not at the end
        ("Returns are made by the last working day of every month.", date(2026, 5, 10), "2026-05-29"),
        # 1 Jan 2027 is a bank holiday and 2-3 Jan a weekend: the second working day is Tue 5 Jan
        ("Audits are sent on the second working day of each month.", date(2026, 12, 29), "2027-01-05"),
        # April has no 31st: its last day is taken, as calendar months are clamped elsewhere
        ("Reports are due by the 31st of each month.", date(2026, 4, 5), "2026-04-30"),
    ],
)
def test_a_day_of_each_month_is_the_next_such_day(sentence: str, start: date, due: str) -> None:
    [ts] = find_timescales(sentence)
    result = compute_deadline(ts, start)
    assert result.due == due, result.steps
    assert result.note is None


def test_a_day_of_each_term_gives_no_date() -> None:
    [ts] = find_timescales("Plans are shared by the first school day of each term.")
    result = compute_deadline(ts, date(2026, 4, 5))
    assert result.due is None and "term" in (result.note or "")


def test_find_date_in_questions() -> None:
    assert find_date("ICPC was on 3 March 2026 - when is the core group due?") == date(2026, 3, 3)
    assert find_date("conference 2026-04-01") == date(2026, 4, 1)
    assert find_date("held on 7/4/2026") == date(2026, 4, 7)
    assert find_date("March 3rd, 2026") == date(2026, 3, 3)
    assert find_date("how often must the core group meet?") is None


def test_dates_outside_the_calendar_are_refused_not_overflowed() -> None:
    import pytest

    from ingest.errors import BadRequestError
    from service.deadlines import parse_iso_date

    for text in ("9999-12-30", "0001-01-01", "1900-01-01", "3000-06-01"):
        with pytest.raises(BadRequestError, match="outside the dates"):
            parse_iso_date(text)
    assert parse_iso_date("2026-03-03") == date(2026, 3, 3)
    ts = Timescale(kind="deadline", value=10, unit="working_day", phrase="within 10 working days", start=0, end=22)
    # A date read from a question is not parsed by parse_iso_date: the calculation itself refuses it.
    result = compute_deadline(ts, date(9999, 12, 30))
    assert result.due is None and "outside the dates" in (result.note or "")
    huge = Timescale(kind="deadline", value=9000, unit="year", phrase="within 9000 years", start=0, end=17)
    result = compute_deadline(huge, date(2026, 3, 3))
    assert result.due is None and "beyond the calendar" in (result.note or "")
