"""A local standard for a group or case the national duty does not single out is *not
comparable*, never looser, stricter or the same, in every view (baseline report, its CSV,
Compare's national column, induction packs). Documents are made here and read by the real
ingest parser and extractor."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.obligations import extract_obligations
from ingest.parse import parse_file
from ingest.records import DocumentMeta
from ingest.settings import load_settings
from service.baseline import RowDuty, baseline_report, load_national, national_column, verdict

BASELINE = load_national()
AUTHORITY = "Testshire"
BULLET = "\u00b7"
# A table of cohort | requirements | who, the layout many practice standards use, then prose.
DOCUMENT = (
    "1. Visiting Children\n\n"
    "\tChildren looked after by the council\n"
    f"\t{BULLET} Visits at least every six weeks in the first year of a placement\n"
    f"{BULLET} Visited every three months in later years\n"
    "\tSocial Worker\n\n"
    "\tChildren in Testshire's care\n"
    f"\t{BULLET} Visited at least every 6 weeks after the first year of a placement\n"
    "\tSocial Worker\n\n"
    "\tChildren placed at a residential special school in term time and in a children's home in the holidays\n"
    f"\t{BULLET} Visited in both homes at least every 10 weeks\n"
    "\tSocial Worker\n\n"
    "2. Visits in prose\n\n"
    "Where a child in care lives in two homes at once, such as a residential college and a foster home, "
    "the child must be visited in each home at least once every term.\n\n"
    "Children in care must be visited at least every 8 weeks.\n"
)


@pytest.fixture(scope="module")
def made_up(tmp_path_factory: pytest.TempPathFactory):
    """The made-up document, parsed and extracted: (obligations, clause lookup)."""
    path = tmp_path_factory.mktemp("scope") / "testshire.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    parsed = parse_file(path, DocumentMeta(authority=AUTHORITY, title="Visiting standards"), load_settings())
    obligations = extract_obligations(parsed.clauses, parsed.source.text)
    clauses = {c.id: c for c in parsed.clauses}
    return obligations, clauses.get


def _by_phrase(obligations, words: str):
    found = [ob for ob in obligations if words in ob.timescale.describe()]
    assert found, f"the extractor read no obligation with {words!r}: {[ob.timescale.phrase for ob in obligations]}"
    return found[0]


def _local_verdicts(report, phrase: str):
    return [v for d in report.duties for v in d.matches + d.related if phrase in v.local_figure]


def test_a_table_row_for_a_narrower_group_is_not_compared(made_up) -> None:
    obligations, clause_of = made_up
    report = baseline_report(AUTHORITY, obligations, clause_of, baseline=BASELINE)
    row = _local_verdicts(report, "10 weeks")
    assert row, "the sub-cohort's figure is listed (as not comparable), not dropped"
    assert {v.verdict for v in row} == {"not_comparable"}
    assert all("residential special school" in (v.reason or "") for v in row)
    assert all("Not compared:" in v.explanation and "which applies" in v.explanation for v in row)


def test_a_condition_naming_a_case_the_national_duty_does_not_is_not_compared(made_up) -> None:
    obligations, clause_of = made_up
    report = baseline_report(AUTHORITY, obligations, clause_of, baseline=BASELINE)
    term = _local_verdicts(report, "term")
    assert term and {v.verdict for v in term} == {"not_comparable"}
    assert all("two homes at once" in (v.reason or "") for v in term)


def test_the_authority_naming_itself_is_not_a_narrower_group(made_up) -> None:
    obligations, clause_of = made_up
    report = baseline_report(AUTHORITY, obligations, clause_of, baseline=BASELINE)
    # "Children looked after by the council" and "Children in Testshire's care" are every child in
    # care: their figures are compared, not set aside as another group.
    six = [v for v in _local_verdicts(report, "6 weeks") if v.verdict == "same"]
    assert {v.entry_id for v in six} == {"child-in-care-visit-first-year", "child-in-care-visit-later-other"}
    assert {v.verdict for v in _local_verdicts(report, "3 months")} == {"looser"}


def test_figures_for_the_national_duty_keep_their_flags(made_up) -> None:
    obligations, clause_of = made_up
    report = baseline_report(AUTHORITY, obligations, clause_of, baseline=BASELINE)
    duties = {d.entry.id: d for d in report.duties}
    # 8 weeks for every child in care is looser than both national figures; 3 months in later
    # years is looser than 6 weeks; 6 weeks in the first year is the same.
    assert duties["child-in-care-visit-first-year"].verdict == "looser"
    assert duties["child-in-care-visit-later-other"].verdict == "looser"
    looser = {v.local_figure for d in report.looser for v in d.matches if v.verdict == "looser"}
    assert any("8 weeks" in f for f in looser) and any("3 months" in f for f in looser)
    assert not any("10 weeks" in f or "term" in f for f in looser)
    same = {v.local_figure for v in duties["child-in-care-visit-first-year"].matches if v.verdict == "same"}
    assert any("6 weeks" in f for f in same)
    # The CSV says the same: the sub-cohort rows are not_comparable, with the reason.
    rows = [r for r in report.csv_rows() if "10 weeks" in r["local_figure"]]
    assert rows and {r["verdict"] for r in rows} == {"not_comparable"}
    assert all("residential special school" in r["explanation"] for r in rows)


def test_a_duty_with_only_other_groups_says_why_it_is_not_compared(made_up) -> None:
    obligations, clause_of = made_up
    narrow = [ob for ob in obligations if "10 weeks" in ob.timescale.describe()]
    report = baseline_report(AUTHORITY, narrow, clause_of, baseline=BASELINE)
    duty = {d.entry.id: d for d in report.duties}["child-in-care-visit-first-year"]
    assert duty.verdict == "not_comparable" and not duty.matches
    assert "residential special school" in duty.explanation and "national: " in duty.explanation
    assert report.looser == []


def test_compare_column_uses_the_same_assessment(made_up) -> None:
    obligations, clause_of = made_up
    ten = _by_phrase(obligations, "10 weeks")
    eight = _by_phrase(obligations, "8 weeks")
    duty = RowDuty("child in care visit", "frequency", "first year", "children in care", (), None, None)
    column = national_column(duty, {AUTHORITY: [(ten, clause_of(ten.clause_id))], "Otherham": []},
                             baseline=BASELINE)
    assert column.entry is not None and column.entry.id == "child-in-care-visit-first-year"
    assert column.verdicts == {AUTHORITY: "not_comparable", "Otherham": "silent"}
    assert "residential special school" in column.explanations[AUTHORITY]
    entry = BASELINE.get("child-in-care-visit-first-year")
    assert verdict(eight, entry, clause_of(eight.clause_id), BASELINE).verdict == "looser"
    both = national_column(duty, {AUTHORITY: [(ten, clause_of(ten.clause_id)), (eight, clause_of(eight.clause_id))]},
                           baseline=BASELINE)
    assert both.verdicts == {AUTHORITY: "looser"}


def test_induction_pack_shows_no_flag_for_another_group(made_up) -> None:
    from service.induction import _add_national, _item

    obligations, clause_of = made_up
    ten = _by_phrase(obligations, "10 weeks")
    eight = _by_phrase(obligations, "8 weeks")
    clauses = {ob.clause_id: clause_of(ob.clause_id) for ob in (ten, eight)}
    items = [_item(ob, clauses[ob.clause_id], {}) for ob in (ten, eight)]
    _add_national(items, {ob.id: ob for ob in (ten, eight)}, clauses)
    assert items[0].national == []  # never "LOOSER than national" for a group national law does not single out
    assert {n.verdict for n in items[1].national} == {"looser"}
    assert all(n.source.startswith("national: ") for n in items[1].national)


def test_data_file_generic_words_are_checked(tmp_path: Path) -> None:
    from ingest.errors import NationalDataError
    from service.baseline import DATA_PATH

    text = DATA_PATH.read_text(encoding="utf-8").replace("generic_words: [child,", "generic_words: [3,", 1)
    bad = tmp_path / "national.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(NationalDataError, match="generic_words"):
        load_national(bad)


def test_thereafter_from_the_event_a_national_phase_follows_is_that_phase(tmp_path: Path) -> None:
    text = ("1. Visits\n\nWhere a child is placed with a parent pending assessment, the child will be visited "
            "weekly until the first review and thereafter at intervals of not more than 8 weeks.\n")
    path = tmp_path / "otherham.txt"
    path.write_text(text, encoding="utf-8")
    parsed = parse_file(path, DocumentMeta(authority="Otherham", title="Visits"), load_settings())
    obligations = extract_obligations(parsed.clauses, parsed.source.text)
    clauses = {c.id: c for c in parsed.clauses}
    eight = _by_phrase(obligations, "8 weeks")
    report = baseline_report("Otherham", [eight], clauses.get, baseline=BASELINE)
    duty = {d.entry.id: d for d in report.duties}["child-in-care-visit-with-parents-pending-assessment-after-review"]
    # "thereafter" from the first review is the national "after the first review" phase: 8 weeks
    # against 6 is looser, not silent.
    assert duty.verdict == "looser", duty.explanation
    assert [d.entry.id for d in report.looser] == ["child-in-care-visit-with-parents-pending-assessment-after-review"]


def test_cli_table_and_json_give_the_reason_it_is_not_compared(made_up) -> None:
    from service.commands.baseline_cmds import render_table

    obligations, clause_of = made_up
    report = baseline_report(AUTHORITY, obligations, clause_of, baseline=BASELINE)
    text = render_table(report)
    flags = text.split("LOOSER THAN NATIONAL (red flags)", 1)[1].split("NATIONAL DUTIES THE STANDARDS DO NOT MENTION", 1)[0]
    assert "10 weeks" not in flags and "8 weeks" in flags
    narrow = [ob for ob in obligations if "10 weeks" in ob.timescale.describe()]
    alone = render_table(baseline_report(AUTHORITY, narrow, clause_of, baseline=BASELINE))
    assert "NOT COMPARED" in alone and "not compared: the local standard is for a group or case" in " ".join(alone.split())
    data = report.to_dict()
    reasons = [v["reason"] for d in data["duties"] for v in d["related"] if "10 weeks" in v["local_figure"]]
    assert reasons and all("residential special school" in r for r in reasons)
