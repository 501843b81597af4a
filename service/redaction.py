"""Take obvious personal data out of a question before it is logged.

Logged questions (``service/question_log.py``) tell a policy lead what the standards do not
answer; they never need to say whom a question was about. Before a question is stored,
``redact`` replaces:

- e-mail addresses -> ``[email]``;
- full dates (day, month and year; after a birth cue such as "DOB" or "born" also a month and
  year, or a year) -> ``[date]`` / ``[date of birth]``;
- NHS numbers (ten digits whose check digit is right) -> ``[NHS number]``, other runs of 10-13
  digits that start like a phone number (0 or +) -> ``[phone]``;
- UK postcodes -> ``[postcode]``;
- names: after a person word ("the child Jamie", "young person AB", "mum Sarah"), after a naming
  word ("a boy called jamie"), after a title ("Mrs Patel"), before a family word ("the Smith
  family"), and any capitalised word inside a sentence that is not a word of the domain
  (taxonomy topics, roles, cohorts, anchors, abbreviations), an authority's name, a function
  word, a month or a day -> ``[name]``.

The cue words live in ``service/data/redaction.yaml``. The patterns err towards removing a
word: a lost word costs a little precision in grouping gaps by topic (taxonomy words are
never removed), a kept name costs a child's privacy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_PATH = Path(__file__).parent / "data" / "redaction.yaml"
QUESTION_WORDS = Path(__file__).parent / "question_words.yaml"

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_ORD = r"(?:st|nd|rd|th)?"
_FULL_DATE = (
    rf"\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}}"
    rf"|{_MONTH}\s+\d{{1,2}}{_ORD},?\s+\d{{2,4}}"
)
_BIRTH_DATE = rf"{_FULL_DATE}|{_MONTH}\s+\d{{4}}|\d{{4}}"
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-]{7,20}\d(?!\w)")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_ORDINAL_INWARD = re.compile(r"^\d(?:st|nd|rd|th)$", re.I)
# A capitalised word with at least one lower-case letter (acronyms are not names): Jamie, O'Neill,
# McDonald, Smith-Jones.
_NAME_WORD = r"[A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:[A-Z][a-z]+|[\-'’][A-Za-z][a-z]+)*(?![A-Za-z])"
_INITIALS = r"[A-Z]\.?\s?[A-Z]\.?(?:\s?[A-Z]\.?)?(?![\w])"
_LOWER_WORD = r"[A-Za-z][a-z'’\-]+"
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*)$")
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]+\]")
PHONE_DIGITS = (10, 13)  # UK numbers: 10-11 digits from 0, 12-13 with +44
NHS_DIGITS = 10
NHS_WEIGHTS = range(10, 1, -1)  # the NHS number check digit: modulus 11 over weights 10..2


@dataclass
class Redaction:
    """A redacted text and what kinds of data were taken out of it."""

    text: str
    removed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _cues() -> dict[str, Any]:
    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))

    def alternation(key: str) -> str:
        words = sorted(data[key], key=len, reverse=True)
        return "|".join(w.replace(" ", r"\s+") for w in words)

    stop = yaml.safe_load(QUESTION_WORDS.read_text(encoding="utf-8"))["stopwords"].split()
    # Cue words in any case ("(?i:...)"), names only when capitalised (except after a naming word).
    return {
        "person": re.compile(
            rf"\b(?i:{alternation('person_cues')})(?i:s|es)?\b[\s,:\-–]*(?:(?i:{alternation('naming_cues')})\s+)?"
            rf"(?P<name>{_INITIALS}|{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"),
        "naming": re.compile(
            rf"\b(?i:{alternation('naming_cues')})\s*:?\s+(?P<name>{_LOWER_WORD}(?:\s+{_NAME_WORD})?)"),
        "title": re.compile(rf"\b(?i:{alternation('titles')})\.?\s+(?P<name>{_NAME_WORD}(?:[\s\-]{_NAME_WORD})?)"),
        "family": re.compile(rf"\b(?P<name>{_NAME_WORD})\s+(?i:{alternation('family_after')})\b"),
        "birth": re.compile(rf"\b(?:{alternation('birth_cues')})\b\s*(?:[:\-–]|is|was|on|in)?\s*(?P<date>{_BIRTH_DATE})",
                            re.I),
        "stop": frozenset(stop) | frozenset(w.lower() for w in data["titles"] + data["not_names"]),
    }


def protected_words(taxonomy: Any = None, authorities: dict[str, list[str]] | None = None) -> frozenset[str]:
    """Lower-case words never taken for a name: the taxonomy's, the authorities' and their aliases'."""
    words: set[str] = set(MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    if taxonomy is not None:
        for section in ("topics", "roles", "cohorts", "anchors"):
            for entry in (getattr(taxonomy, section, None) or {}).values():
                terms = [entry.name, *entry.synonyms, *getattr(entry, "abbreviations", ())]
                for term in terms:
                    words.update(_WORD.findall(str(term).lower()))
        for abbr in getattr(taxonomy, "abbreviations", None) or {}:
            words.add(str(abbr).lower())
    for name, aliases in (authorities or {}).items():
        for term in [name, *aliases]:
            words.update(_WORD.findall(term.lower()))
    return frozenset(words)


def _nhs_valid(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], NHS_WEIGHTS, strict=False))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_protected(name: str, protected: frozenset[str], stop: frozenset[str]) -> bool:
    """True when every word of ``name`` is a domain word, an authority's, a function word or a placeholder."""
    words = _WORD.findall(name.lower())
    return bool(words) and all(w in protected or w in stop for w in words)


def _trim_protected(name: str, protected: frozenset[str], stop: frozenset[str]) -> str:
    """The leading part of ``name`` that is not a domain or function word ("Jamie Visits" -> "Jamie")."""
    parts = name.split()
    keep = []
    for part in parts:
        if _is_protected(part, protected, stop):
            break
        keep.append(part)
    return " ".join(keep)


def redact(text: str, protected: frozenset[str] = frozenset()) -> Redaction:
    """``text`` with e-mails, dates, NHS and phone numbers, postcodes and names replaced (see module doc)."""
    cues = _cues()
    stop = cues["stop"]
    removed: list[str] = []

    def note(kind: str) -> None:
        if kind not in removed:
            removed.append(kind)

    def sub_email(m: re.Match[str]) -> str:
        note("email")
        return "[email]"

    text = _EMAIL.sub(sub_email, text)

    def sub_birth(m: re.Match[str]) -> str:
        note("date of birth")
        return m.group(0)[: m.start("date") - m.start()] + "[date of birth]"

    text = cues["birth"].sub(sub_birth, text)

    def sub_date(m: re.Match[str]) -> str:
        note("date")
        return "[date]"

    text = re.sub(_FULL_DATE, sub_date, text, flags=re.I)

    def sub_digits(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) == NHS_DIGITS and _nhs_valid(digits):
            note("NHS number")
            return "[NHS number]"
        starts_like_phone = m.group(0).lstrip("(").startswith(("0", "+"))
        if PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1] and starts_like_phone:
            note("phone")
            return "[phone]"
        if len(digits) == NHS_DIGITS:  # ten digits in a row: an identifier of some kind either way
            note("number")
            return "[number]"
        return m.group(0)

    text = _DIGIT_RUN.sub(sub_digits, text)

    def sub_postcode(m: re.Match[str]) -> str:
        if _ORDINAL_INWARD.match(m.group(2)):
            return m.group(0)
        note("postcode")
        return "[postcode]"

    text = _POSTCODE.sub(sub_postcode, text)

    def named(m: re.Match[str]) -> str:
        name = _trim_protected(m.group("name"), protected, stop)
        if not name or _PLACEHOLDER.fullmatch(name):
            return m.group(0)
        note("name")
        start = m.start("name") - m.start()
        return m.group(0)[:start] + "[name]" + m.group(0)[start + len(name):]

    for key in ("title", "naming", "person", "family"):
        text = cues[key].sub(named, text)
    text = _capitalised_names(text, protected, stop, note)
    return Redaction(text=text, removed=removed)


_CAPITALISED = re.compile(rf"(?<![\w\[])({_NAME_WORD})(?:['’]s)?")


def _capitalised_names(text: str, protected: frozenset[str], stop: frozenset[str], note) -> str:
    """Capitalised words inside a sentence that no domain list knows: read as names."""
    out, last = [], 0
    for m in _CAPITALISED.finditer(text):
        word = m.group(1)
        if _SENTENCE_START.search(text[: m.start()]) or _is_protected(word, protected, stop):
            continue
        note("name")
        out.append(text[last : m.start(1)] + "[name]")
        last = m.end(1)
    out.append(text[last:])
    return "".join(out)
