"""Abbreviations in the plural ("RCPCs") name what the abbreviation names.

Sentences written for these tests (not from any authority's standards); real parser and taxonomy.
"""

from __future__ import annotations

from one_clause import extract_one

from extractors.taxonomy import load_taxonomy


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    found = extract_one(text, headings, row)
    assert found, f"no obligation read from {text!r}"
    return found[0]


def test_an_abbreviation_in_the_plural_names_its_topic_and_role() -> None:
    tax = load_taxonomy()
    assert [m.canonical for m in tax.find("topics", "Two RCPCs were held")] == ["review child protection conference"]
    assert [m.canonical for m in tax.find("topics", "All PEPs are reviewed")] == ["personal education plan"]
    assert [m.canonical for m in tax.find("roles", "the IROs will check")] == ["Independent Reviewing Officer"]
    # Still case-sensitive: a lower-case word is not the abbreviation, nor an upper-case "S".
    assert tax.find("topics", "two rcpcs") == []
    assert tax.find("topics", "RCPCS") == []

def test_a_plural_abbreviation_as_subject_gives_the_topic() -> None:
    assert _one("Later RCPCs are held every 6 months.", ["Conferences"]).topic == "review child protection conference"
