"""The national baseline file: every figure agrees with its recorded wording, and the loader
refuses a broken file with a message naming the entry and the field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from ingest.errors import NationalDataError
from service.baseline import DATA_PATH, NationalTimescale, load_national, wording_disagreements

BASELINE = load_national()
WITH_FIGURES = [e for e in BASELINE.entries if e.timescale is not None]


@pytest.mark.parametrize("entry", WITH_FIGURES, ids=lambda e: e.id)
def test_each_figure_agrees_with_its_wording(entry) -> None:
    """The timescale grammar reads the entry's phrase in its wording as the entry's figure."""
    assert wording_disagreements(entry) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"value": 15.0}, "figure 15 working days, but the wording reads 20 working days"),
        ({"unit": "day"}, "figure 20 days, but the wording reads 20 working days"),
        ({"kind": "frequency"}, "kind 'frequency', but the wording reads 'deadline'"),
        ({"bound": "at_least"}, "bound 'at_least', but the wording reads 'at_most'"),
        ({"phrase": "within 10 working days"}, "does not read 'within 10 working days'"),
    ],
)
def test_a_figure_that_disagrees_with_its_wording_is_reported(change: dict, expected: str) -> None:
    entry = BASELINE.get("looked-after-review-first")
    wrong = dataclasses.replace(entry, timescale=dataclasses.replace(entry.timescale, **change))
    problems = wording_disagreements(wrong)
    assert any(expected in p for p in problems), problems


def test_an_anchor_the_wording_does_not_name_is_reported() -> None:
    entry = BASELINE.get("care-plan")
    wrong = dataclasses.replace(entry, timescale=dataclasses.replace(entry.timescale, anchor="referral"))
    assert any("anchor 'referral'" in p for p in wording_disagreements(wrong))


def test_verified_entries_cite_a_page_and_read_the_source_or_a_quote_of_it() -> None:
    verified = [e for e in BASELINE.entries if e.verified]
    assert len(verified) >= 20
    for e in verified:
        assert e.evidence in ("primary", "quoted")
        assert e.source.url.startswith(("http://", "https://"))
        assert e.source.provision and e.source.instrument
        assert e.timescale is not None and e.timescale.phrase in e.wording


def test_every_label_says_national_and_unverified_ones_say_so() -> None:
    for e in BASELINE.entries:
        assert e.label.startswith("national: ")
        assert e.source.short in e.label
        assert ("not verified against its source" in e.label) == (not e.verified and not e.no_national_figure)


def test_duties_with_no_national_figure_carry_no_floor() -> None:
    none = {e.topic: e for e in BASELINE.entries if e.no_national_figure}
    assert {"child in need visit", "child protection visit", "case supervision"} <= set(none)
    for e in none.values():
        assert e.timescale is None and e.description is None and not e.verified


def test_national_for_filters_topic_cohort_phase_and_leaves_out_unverified() -> None:
    visits = BASELINE.national_for("child in care visit")
    assert visits and all(e.topic == "child in care visit" and e.verified for e in visits)
    first_year = BASELINE.national_for("child in care visit", cohort="children in care", phase="during the first year")
    assert [e.id for e in first_year] == ["child-in-care-visit-first-year"]
    assert BASELINE.national_for("initial child protection conference") == []
    icpc = BASELINE.national_for("initial child protection conference", include_unverified=True)
    assert icpc and "not verified" in icpc[0].label


def test_describes_the_national_figure_with_the_project_describer() -> None:
    assert BASELINE.get("looked-after-review-first").description == "within 20 working days of child coming into care"
    assert BASELINE.get("child-in-care-visit-first-year").description == "at least every 6 weeks"
    assert NationalTimescale("immediate", None, None, "immediately").describe().startswith("immediately")


# --- the loader's schema check -------------------------------------------------------------
def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "national.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _first(data: dict) -> dict:
    return data["entries"][0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: _first(d).update(topic="visits generally"), "topic 'visits generally' is not a canonical topic"),
        (lambda d: _first(d).update(cohort="everyone"), "cohort 'everyone' is not a taxonomy cohort"),
        (lambda d: _first(d)["timescale"].update(unit="fortnight"), "timescale.unit 'fortnight' is not one of"),
        (lambda d: _first(d)["timescale"].update(value=-3), "timescale.value must be a positive number"),
        (lambda d: _first(d)["timescale"].update(kind="sometimes"), "timescale.kind 'sometimes' is not one of"),
        (lambda d: _first(d)["timescale"].update(phrase="within 99 days"), "does not occur in the wording"),
        (lambda d: _first(d).update(evidence="secondary"), "cannot be verified (only primary or quoted)"),
        (lambda d: _first(d)["source"].update(url=""), "needs the address (http/https)"),
        (lambda d: _first(d).update(phase="eventually"), "phase 'eventually' is not one of the phases"),
        (lambda d: _first(d).update(verified="yes"), "'verified' must be true or false"),
        (lambda d: _first(d).update(colour="red"), "unknown field(s) ['colour']"),
        (lambda d: d["entries"].append(dict(d["entries"][0])), "is used twice"),
        (lambda d: d.pop("phases"), "'phases' must map each phase name"),
    ],
)
def test_a_broken_file_is_refused_with_the_entry_and_field(tmp_path: Path, mutate, message: str) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(NationalDataError) as err:
        load_national(path)
    assert message in err.value.message
    if "entries" not in message and "phases" not in message:
        assert "looked-after-review-first" in err.value.message


def test_a_missing_or_unreadable_file_is_a_specific_error(tmp_path: Path) -> None:
    with pytest.raises(NationalDataError, match="is missing"):
        load_national(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries: [unclosed", encoding="utf-8")
    with pytest.raises(NationalDataError, match="not valid YAML"):
        load_national(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("phases: {}\n", encoding="utf-8")
    with pytest.raises(NationalDataError, match="non-empty 'entries' list"):
        load_national(empty)
