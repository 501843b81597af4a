"""Due dates from a timescale and a start date, with the calculation shown.

Working days exclude Saturdays, Sundays and England & Wales bank holidays (the ``holidays``
package, subdivision ENG: Wales keeps the same bank holidays). Calendar units are added as
written; months are calendar months (the day is clamped to the month's end).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from extractors.records import Timescale
from extractors.timescale import DayOfPeriod, day_of_each_period
from ingest.errors import BadRequestError


@dataclass
class Deadline:
    """A due date and how it was reached."""

    start: str  # ISO date the timescale runs from (or to, for "before" anchors)
    due: str | None  # ISO date, None when the timescale cannot give a date (e.g. "termly")
    timescale: str  # the timescale in plain words
    direction: str  # "after" | "before"
    steps: list[str] = field(default_factory=list)  # the calculation, one line each
    skipped: list[str] = field(default_factory=list)  # non-working days passed over ("Fri 3 Apr 2026: Good Friday")
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# The years the working-day calendar answers for. England & Wales bank holidays follow today's
# rules only from the 1970s, and a date centuries away is a typing slip (9999 for 2026); beyond
# these bounds a date would be computed from rules that never applied, or overflow the calendar.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)


# Most calendar days one unit can span (a working day: a long weekend around a holiday).
_MAX_DAYS_PER_UNIT = {"working_day": 5, "day": 1, "week": 7, "month": 31, "year": 366, "hour": 1}


def date_range_problem(day: date) -> str | None:
    """Why ``day`` cannot start a deadline calculation, or None when it can."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return (
        f"{day.isoformat()} is outside the dates the working-day calendar covers "
        f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}); check the year."
    )


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=[year]).items())


def bank_holiday(day: date) -> str | None:
    """The name of the England & Wales bank holiday on ``day``, or None."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England & Wales bank holiday."""
    return day.weekday() < 5 and bank_holiday(day) is None


def _fmt(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def add_working_days(start: date, n: int, direction: int = 1) -> tuple[date, list[str]]:
    """Count ``n`` working days after (or, with ``direction=-1``, before) ``start``.

    The start day itself is day 0, as in "within 10 working days of the conference". Returns
    the date reached and the non-working days passed over, described.
    """
    day = start
    counted = 0
    skipped: list[str] = []
    while counted < n:
        day += timedelta(days=direction)
        if is_working_day(day):
            counted += 1
        else:
            skipped.append(f"{_fmt(day)}: {bank_holiday(day) or 'weekend'}")
    return day, skipped


def add_months(start: date, months: int) -> date:
    """Same day ``months`` calendar months later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}|\d{2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<y>\d{4}))?\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{4}))?", re.I),
]
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def find_date(text: str, today: date | None = None) -> date | None:
    """The first calendar date written in ``text`` ("3 March 2026", "2026-03-03", "3/3/26"), or None.

    Day-first for slashed dates (UK usage). A date without a year takes the current year.
    """
    today = today or date.today()
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            if (groups.get("mon") or "").lower() == "may" and not groups.get("y"):
                continue  # "5 may" is more often a modal verb than a date
            try:
                month = _MONTHS[groups["mon"].lower()[:3]] if groups.get("mon") else int(groups["m"])
                year = int(groups["y"]) if groups.get("y") else today.year
                if year < 100:
                    year += 2000
                return date(year, month, int(groups["d"]))
            except (ValueError, KeyError):
                continue
    return None


def parse_iso_date(value: str) -> date:
    """Parse ``YYYY-MM-DD`` within the calendar's years; anything else is a 422 saying what is accepted."""
    try:
        day = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise BadRequestError(f"'from' must be a date written YYYY-MM-DD (got {value!r}).") from None
    problem = date_range_problem(day)
    if problem:
        raise BadRequestError(f"'from': {problem}")
    return day


def compute_deadline(timescale: Timescale, start: date) -> Deadline:
    """Apply ``timescale`` to ``start`` and explain the arithmetic.

    Deadlines run after their anchor unless the anchor relation is "before" ("5 days before the
    conference"), in which case the date is counted backwards. Frequencies give the next due
    date one interval after ``start``. Ranges ("3-5 days") use the upper bound: that is the
    latest date still within the standard. "Immediately" / "same day" is the start date.
    """
    words = timescale.describe()
    direction = -1 if timescale.anchor_relation == "before" else 1
    result = Deadline(start=start.isoformat(), due=None, timescale=words,
                      direction="before" if direction < 0 else "after")
    anchor = timescale.anchor or "the start date"
    problem = date_range_problem(start)  # a date found in a question is not checked by parse_iso_date
    if problem:
        result.note = f"No date computed: {problem}"
        return result
    if timescale.kind == "immediate" or timescale.value is None or timescale.unit is None:
        result.due = start.isoformat()
        result.steps.append(f"'{timescale.phrase}' means on the day: {_fmt(start)}.")
        return result
    value = timescale.value_max if timescale.value_max is not None else timescale.value
    n = int(value)
    if n != value:
        result.note = f"The timescale {value:g} {timescale.unit} is not whole; no date computed."
        return result
    unit = timescale.unit
    verb = "before" if direction < 0 else "after"
    try:  # a timescale running past the calendar's last year (e.g. "within 9000 years") gives no date
        start + timedelta(days=direction * n * _MAX_DAYS_PER_UNIT.get(unit, 1))
    except OverflowError:
        result.note = f"The timescale {words} runs beyond the calendar from {_fmt(start)}; no date computed."
        return result
    day = day_of_each_period(timescale)
    if day is not None:
        return _next_day_of_period(result, day, start)
    if timescale.kind == "frequency":
        result.steps.append(f"This is a frequency ({words}); the next one is due one interval {verb} {_fmt(start)}.")
    else:
        result.steps.append(f"Start: {anchor} on {_fmt(start)} (day 0).")
    if unit == "working_day":
        due, skipped = add_working_days(start, n, direction)
        result.skipped = skipped
        result.steps.append(
            f"Count {n} working day{'s' if n != 1 else ''} {verb}, leaving out weekends and England & Wales bank holidays"
            + (f" ({len(skipped)} day{'s' if len(skipped) != 1 else ''} passed over)" if skipped else "")
            + "."
        )
        holidays_passed = [s for s in skipped if not s.endswith("weekend")]
        if holidays_passed:
            result.steps.append("Bank holidays passed over: " + "; ".join(holidays_passed) + ".")
    elif unit == "day":
        due = start + timedelta(days=n * direction)
        result.steps.append(f"Add {n} calendar day{'s' if n != 1 else ''} {verb} (weekends and bank holidays count).")
    elif unit == "week":
        due = start + timedelta(days=7 * n * direction)
        result.steps.append(f"Add {n} week{'s' if n != 1 else ''} = {7 * n} calendar days {verb}.")
    elif unit == "month":
        due = add_months(start, n * direction)
        result.steps.append(f"Add {n} calendar month{'s' if n != 1 else ''} {verb}.")
    elif unit == "year":
        due = add_months(start, 12 * n * direction)
        result.steps.append(f"Add {n} year{'s' if n != 1 else ''} {verb}.")
    elif unit == "hour":
        days, rest = divmod(n, 24)
        due = start + timedelta(days=(days + (1 if rest else 0)) * direction)
        result.steps.append(
            f"{n} hours {verb} a time on {_fmt(start)} ends at the same time of day on {_fmt(due)} at the latest."
        )
    else:  # "term": school terms are not fixed dates
        result.note = "Terms follow each school's calendar, so no date can be computed; check the term dates."
        return result
    result.due = due.isoformat()
    result.steps.append(f"Due: {_fmt(due)}.")
    if timescale.unit != "working_day" and not is_working_day(due) and direction > 0:
        result.steps.append(
            f"Note: {_fmt(due)} is not a working day ({bank_holiday(due) or 'weekend'}); "
            "the standard counts calendar time, so plan for the working day before."
        )
    return result


def _next_day_of_period(result: Deadline, day: DayOfPeriod, start: date) -> Deadline:
    """The next date on or after ``start`` that a deadline on a day of each month falls on ("by
    the 6th of each month", "by the last working day of every month"). Other periods (a
    quarter, a term) start on dates the standards do not give, so no date is computed."""
    if day.period != "month" or day.day_kind == "school":
        result.note = (
            f"This falls on a day of each {day.period} ({result.timescale}); when each {day.period} "
            "starts is not set here, so no date is computed."
        )
        return result
    result.direction = "after"
    counted = "working day" if day.day_kind == "working" else "day"
    result.steps.append(f"This repeats each month ({result.timescale}); the next one on or after {_fmt(start)}:")
    year, month = start.year, start.month
    for _ in range(2):  # this month's falls before start at most once
        due, clamped = _day_in_month(year, month, day)
        if due >= start:
            break
        result.steps.append(f"{_fmt(due)} is before the start date, so the next month's is due.")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if clamped:
        result.steps.append(f"{due:%B %Y} has fewer than {day.number} {counted}s; its last {counted} is taken.")
    if day.day_kind == "working":
        result.steps.append("Working days leave out weekends and England & Wales bank holidays.")
    result.due = due.isoformat()
    result.steps.append(f"Due: {_fmt(due)}.")
    if day.day_kind == "calendar" and not is_working_day(due):
        result.steps.append(
            f"Note: {_fmt(due)} is not a working day ({bank_holiday(due) or 'weekend'}); "
            "plan for the working day before."
        )
    return result


def _day_in_month(year: int, month: int, day: DayOfPeriod) -> tuple[date, bool]:
    """The ``day`` of one month, and whether the month was too short for it (the last such day
    is taken then, as ``add_months`` clamps to a month's end)."""
    last = calendar.monthrange(year, month)[1]
    days = [date(year, month, d) for d in range(1, last + 1)]
    if day.day_kind == "working":
        days = [d for d in days if is_working_day(d)]
    index = len(days) - day.number if day.from_end else day.number - 1
    clamped = not 0 <= index < len(days)
    return days[min(max(index, 0), len(days) - 1)], clamped
