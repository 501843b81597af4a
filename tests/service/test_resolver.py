"""The one resolver: exact names and aliases, misspellings with a note, unknown names refused."""

from __future__ import annotations

import pytest

from extractors.taxonomy import load_taxonomy
from ingest.errors import (
    BadRequestError,
    UnknownAuthorityError,
    UnknownCohortError,
    UnknownRoleError,
    UnknownTopicError,
)
from service.resolver import Resolver


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    held = {"Wokingham": [], "Sandwell": ["SCT", "Sandwell Children's Trust"], "Dudley": ["DMBC"],
            "North East Lincolnshire": ["NE Lincs"]}
    return Resolver(held, load_taxonomy())


def test_exact_names_and_aliases_any_case(resolver: Resolver) -> None:
    assert resolver.authority("wokingham").name == "Wokingham"
    assert resolver.authority("  sct ").name == "Sandwell"
    found = resolver.authority("DMBC")
    assert (found.name, found.exact, found.note) == ("Dudley", True, None)


def test_misspelt_authority_resolves_with_a_note(resolver: Resolver) -> None:
    found = resolver.authority("wokinham")
    assert found.name == "Wokingham" and not found.exact
    assert "wokinham" in found.note and "Wokingham" in found.note


def test_name_close_to_nothing_is_refused_listing_the_held_ones(resolver: Resolver) -> None:
    with pytest.raises(UnknownAuthorityError) as err:
        resolver.authority("Leeds")
    assert "Wokingham" in str(err.value) and "Leeds" in str(err.value)
    with pytest.raises(UnknownAuthorityError):
        resolver.authority("Walsall")  # shares letters with Sandwell, but is another place


def test_blank_and_control_characters_are_bad_requests(resolver: Resolver) -> None:
    with pytest.raises(BadRequestError):
        resolver.authority("  ")
    with pytest.raises(BadRequestError):
        resolver.authority("Wok\x00ingham")


def test_places_in_text_exact_misspelt_and_unknown(resolver: Resolver) -> None:
    vocab = frozenset({"how", "often", "visit", "child", "in", "need", "and", "core", "group"})
    places = resolver.places_in_text("How often do I visit a child in need in wokinham and in Leeds?", vocab)
    assert [(p.typed, p.resolved.name if p.resolved else None) for p in places] == [
        ("wokinham", "Wokingham"), ("Leeds", None)]
    assert not places[0].resolved.exact
    multi = resolver.places_in_text("core group in North East Lincolnshire's standards", vocab)
    assert [p.resolved.name for p in multi] == ["North East Lincolnshire"]
    assert resolver.strip_authorities("core group in Sandwell", vocab) == "core group in"


def test_taxonomy_names(resolver: Resolver) -> None:
    assert resolver.topic("ICPC") == "initial child protection conference"
    assert resolver.cohort("LAC") == "children in care"
    assert resolver.role("SW") == "Social Worker"
    with pytest.raises(UnknownTopicError):
        resolver.topic("parking permits")
    with pytest.raises(UnknownCohortError):
        resolver.cohort("martians")
    with pytest.raises(UnknownRoleError):
        resolver.role("astronaut")
