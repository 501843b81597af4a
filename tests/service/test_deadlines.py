"""Working-day arithmetic with England & Wales bank holidays (pure functions, real `holidays`)."""

from __future__ import annotations

from datetime import date

from extractors.records import Timescale
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
