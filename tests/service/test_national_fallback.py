"""Ask's national fallback (service.baseline.national_fallback): when an authority's standards
set no timescale for the asked-about duty, say so and give the national figure labelled
national; never present it as the authority's. Checked on the shipped corpus's real store."""

from __future__ import annotations

import re

import pytest

from service.baseline import national_fallback, national_fallback_for

pytestmark = pytest.mark.slow


def test_silent_standards_get_the_national_figure_labelled_national(service_state) -> None:
    # An authority whose standards hold no obligation on the topic at all, read from the store.
    silent = [a for a in service_state.authorities() if not service_state.obligations(a, "looked after review")]
    assert silent, "one shipped authority sets no looked after review timescale"
    who = silent[0]
    fb = national_fallback_for(service_state, who, "looked after review", asks="when")
    assert fb.status == "silent"
    assert [e.id for e in fb.national] == ["looked-after-review-first", "looked-after-review-second"]
    head, national = fb.text.split("; nationally: ", 1)
    assert head == f"{who}'s standards set no timescale for the looked after review"
    assert not re.search(r"\d", head), "no figure is put in the authority's mouth"
    assert "within 20 working days of child coming into care (first phase) (national: Care Planning Regulations 2010, reg 33(1))" in national
    assert "“33.—(1) The responsible authority must first review C’s case within 20 working days" in national
    # The other question kind gets the other national duty.
    often = national_fallback_for(service_state, who, "looked after review", asks="how_often")
    assert [e.id for e in often.national] == ["looked-after-review-subsequent"]


def test_standards_that_set_a_figure_get_nothing_added(service_state) -> None:
    fb = national_fallback_for(service_state, "Wokingham", "looked after review", asks="when")
    assert fb.status == "answered_locally" and fb.text is None
    assert {v.verdict for v in fb.local} <= {"same", "stricter"} and fb.local


def test_a_looser_local_figure_is_shown_beside_the_national_one(tmp_path) -> None:
    from extractors.obligations import extract_obligations
    from ingest.parse import parse_file
    from ingest.records import DocumentMeta
    from ingest.settings import load_settings

    path = tmp_path / "testshire.txt"
    path.write_text("1. Visits\n\nChildren in care must be visited at least every 8 weeks.\n", encoding="utf-8")
    parsed = parse_file(path, DocumentMeta(authority="Testshire", title="Visits"), load_settings())
    clauses = {c.id: c for c in parsed.clauses}
    obligations = extract_obligations(parsed.clauses, parsed.source.text)
    fb = national_fallback("Testshire", "child in care visit", obligations, clauses.get, asks="how_often")
    assert fb.status == "looser"
    assert all(v.local.authority == "Testshire" and v.verdict == "looser" for v in fb.local)
    assert "Testshire's figure, at least every 8 weeks [Testshire › 1. Visits" in fb.text and "is looser" in fb.text
    assert "at least every 6 weeks (national: Care Planning Regulations 2010, reg 28(2)(b))" in fb.text


def test_a_figure_for_a_group_the_national_duty_does_not_name_is_not_called_looser(service_state) -> None:
    # Dudley's "Visited in each living situation, at least every 12 weeks" is for children in more
    # than one placement (its table row): not the national first-year or later duty, so no flag.
    fb = national_fallback_for(service_state, "Dudley", "child in care visit", asks="how_often")
    assert fb.status == "answered_locally" and fb.text is None
    assert all(v.verdict != "looser" for v in fb.local)


def test_an_unverified_national_figure_is_not_given_unless_asked_for(service_state) -> None:
    fb = national_fallback_for(service_state, "Dudley", "initial child protection conference", asks="when")
    assert fb.status == "silent" and fb.national == []
    assert [e.id for e in fb.unverified] == ["initial-child-protection-conference"]
    assert "not verified against its source" in fb.text and not re.search(r"\d", fb.text)
    flagged = national_fallback_for(service_state, "Dudley", "initial child protection conference", asks="when",
                                    include_unverified=True)
    assert "within 15 working days of strategy meeting" in flagged.text
    assert "(not verified against its source)" in flagged.text


def test_where_national_law_sets_no_figure_none_is_invented(service_state) -> None:
    fb = national_fallback("Testshire", "child in need visit", [], service_state.clause, asks="how_often")
    assert fb.status == "no_national_figure" and fb.text.startswith("Testshire's standards set no timescale")
    assert "national law sets none either" in fb.text and not re.search(r"\d", fb.text)
    none = national_fallback("Testshire", "LADO referral", [], service_state.clause)
    assert none.status == "no_national_duty" and none.text is None


def test_a_snapshot_works_out_each_fallback_once_with_the_same_result(service_state) -> None:
    topic = "looked after review"
    first = national_fallback_for(service_state, "Wokingham", topic, asks="when")
    assert national_fallback_for(service_state, "Wokingham", topic, asks="when") is first
    worked_out = national_fallback("Wokingham", topic, service_state.obligations("Wokingham", topic),
                                   service_state.clause, asks="when")
    assert worked_out.to_dict() == first.to_dict()
    # An answer stating one figure is compared on that figure alone: not the cached whole.
    one = first.local[0].local.obligation_id
    narrowed = national_fallback_for(service_state, "Wokingham", topic, asks="when", shown={one})
    assert narrowed is not first and {v.local.obligation_id for v in narrowed.local} == {one}
    # Another way of asking is another duty.
    assert national_fallback_for(service_state, "Wokingham", topic, asks="how_often") is not first
