"""The national column of Compare: matched on the duty (never the topic alone), labelled
"National (statutory guidance)" with its source and wording, each authority's verdict, and
unverified figures only when asked for and then flagged. Through the real store, API and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.baseline import RowDuty, load_national, national_column, row_candidates
from service.records import NATIONAL_LABEL

ROOT = Path(__file__).resolve().parents[2]
BASELINE = load_national()
VISIT = "child in care visit"


def _ids(duty: RowDuty) -> list[str]:
    return [e.id for e in row_candidates(duty, BASELINE)]


# --- matching a row's duty ---------------------------------------------------------------------
def test_a_row_matches_the_national_duty_with_its_kind_event_and_phase() -> None:
    first = RowDuty(VISIT, "deadline", "first", "children in care", (), "placement", None)
    assert _ids(first) == ["child-in-care-visit-first"]
    # The same topic is not enough: another event, another kind, "before" the event, a cohort
    # the national duty does not cover, each leaves the row without a national figure.
    assert _ids(RowDuty(VISIT, "deadline", "first", "children in care", (), "initial child protection conference", None)) == []
    assert _ids(RowDuty(VISIT, "deadline", "first", "children in care", (), "placement", "before")) == []
    assert _ids(RowDuty(VISIT, "deadline", None, "children in care", (), None, None)) == []
    assert _ids(RowDuty(VISIT, "frequency", "first year", "children in need", (), None, None)) == []
    assert _ids(RowDuty(VISIT, "frequency", "first year", None, (), None, None)) == ["child-in-care-visit-first-year"]


def test_a_narrower_national_duty_needs_the_row_to_name_its_group() -> None:
    later = RowDuty(VISIT, "frequency", "after the first year", "children in care", ("permanent placement",), None, None)
    assert _ids(later) == ["child-in-care-visit-later-until-18"]
    general = RowDuty(VISIT, "frequency", "after the first year", "children in care", (), None, None)
    assert _ids(general) == ["child-in-care-visit-later-other"]


def test_a_row_that_does_not_say_its_phase_gets_no_single_national_figure() -> None:
    unphased = RowDuty(VISIT, "frequency", None, "children in care", (), None, None)
    column = national_column(unphased, {"Testshire": []}, baseline=BASELINE)
    assert column.entry is None and column.cell() is None and column.verdicts == {}
    assert {e.phase for e in column.candidates} == {"first year", "after the first year"}


def test_an_unverified_national_figure_is_hidden_unless_asked_for_and_then_flagged() -> None:
    icpc = RowDuty("initial child protection conference", "deadline", None, "children subject to a child protection plan",
                   (), "strategy meeting", None)
    hidden = national_column(icpc, {"Testshire": []}, baseline=BASELINE)
    assert hidden.entry is None and hidden.hidden is not None and not hidden.hidden.verified
    shown = national_column(icpc, {"Testshire": []}, include_unverified=True, baseline=BASELINE)
    cell = shown.cell()
    assert cell is not None and cell.verified is False and "not verified" in cell.source
    assert shown.verdicts == {"Testshire": "silent"}


# --- the shipped corpus through the query layer, the API and the CLI ----------------------------
@pytest.mark.slow
def test_compare_rows_carry_the_national_figure_labelled_national(service_state) -> None:
    from service.compare import compare

    result = compare(service_state, "looked after review")
    carrying = [r for r in result.rows if r.national and r.national.entry_id == "looked-after-review-first"]
    # A sub-group's row (children in care of a disability service) carries the same national
    # figure; the row for the children in care as a whole is the one compared here.
    first = [r for r in carrying if r.key.split("|")[3] == ""]
    assert len(first) == 1
    row = first[0]
    entry = BASELINE.get("looked-after-review-first")
    assert row.national.label == NATIONAL_LABEL
    assert row.national.source == "national: Care Planning Regulations 2010, reg 33(1)"
    assert row.national.quote == entry.wording and row.national.verified
    assert row.national.description == "within 20 working days of child coming into care"
    # Wokingham states the same figure; the others state none on this duty: the national figure applies.
    assert row.verdicts == {"Dudley": "silent", "Sandwell": "silent", "Wiltshire": "silent", "Wokingham": "same"}
    assert "nationally it is within 20 working days" in row.national_explanations["Dudley"]
    # No national figure sits in an authority's cells: every cell is one of its own obligations.
    own = {ob.id for a in result.authorities for ob in service_state.obligations(a, "looked after review")}
    for r in result.rows:
        for authority, cells in r.cells.items():
            assert all(c.obligation.obligation.id in own and c.obligation.obligation.authority == authority for c in cells)
        if r.national is None:
            assert r.verdicts == {} and r.national_explanations == {}
        else:  # every authority has a verdict, or is pointed at the row holding its figure
            assert set(r.verdicts) | set(r.national_explanations) == set(result.authorities)


@pytest.mark.slow
def test_a_local_figure_for_a_case_the_national_duty_does_not_name_is_not_compared(service_state) -> None:
    from service.compare import compare

    # Wiltshire's placement plan figure is for emergency placements; the regulation's is for when
    # a plan cannot reasonably be prepared before the placement. Reading one as the other is an
    # inference the words do not make, so the two are shown side by side, not compared.
    result = compare(service_state, "placement plan")
    row = next(r for r in result.rows if r.national and r.national.entry_id == "placement-plan")
    assert row.verdicts["Wiltshire"] == "not_comparable"
    assert "emergency" in row.national_explanations["Wiltshire"]
    assert row.verdicts["Dudley"] == "same"
    assert all(row.verdicts[a] == "silent" for a in ("Sandwell", "Wokingham"))


@pytest.mark.slow
def test_an_authority_with_its_figure_in_another_row_of_the_duty_is_not_silent(service_state) -> None:
    from service.compare import compare

    rows = [r for r in compare(service_state, "care plan").rows if r.national and r.national.entry_id == "care-plan"]
    assert len(rows) == 2, [r.key for r in rows]
    for row in rows:
        stated = {a for a, cells in row.cells.items() if cells}
        elsewhere = {a for a in row.cells if a not in row.verdicts}
        assert {row.verdicts[a] for a in stated} == {"same"}
        for a in elsewhere:
            assert not row.cells[a] and "compared there" in row.national_explanations[a]
        assert {"Sandwell", "Wiltshire"} <= {a for a, v in row.verdicts.items() if v == "silent"}


@pytest.mark.slow
def test_national_law_setting_no_figure_is_said_and_no_floor_is_invented(service_state) -> None:
    from service.compare import compare

    result = compare(service_state, "child in need visit")
    assert all(r.national is None for r in result.rows)
    assert any(n.startswith("National law sets no figure for visit a child on a child in need plan") for n in result.notes)


@pytest.mark.slow
def test_api_compare_national_column_and_unverified_flag(client) -> None:
    plain = client.get("/api/compare", params={"topic": "ICPC"})
    assert plain.status_code == 200
    data = plain.json()
    assert all(r["national"] is None for r in data["rows"])
    hidden = [n for n in data["notes"] if "is not verified against its source, so it is not shown" in n]
    assert hidden and all(n.count("not verified") == 1 and "(national: " in n for n in hidden), hidden
    flagged = client.get("/api/compare", params={"topic": "ICPC", "include_unverified": "true"}).json()
    shown = [r for r in flagged["rows"] if r["national"]]
    assert shown and all(r["national"]["national"] is True and r["national"]["verified"] is False
                         and r["national"]["label"] == NATIONAL_LABEL for r in shown)
    bad = client.get("/api/compare", params={"topic": "ICPC", "include_unverified": "perhaps"})
    assert bad.status_code == 422 and "include_unverified" in bad.json()["error"]["message"]


def _run(service_settings, *args: str):
    from service.cli import cli

    env = {"STANDARDS_DATA_DIR": str(service_settings.data_dir), "STANDARDS_CORPUS_DIR": str(ROOT / "corpus")}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.slow
def test_cli_compare_shows_the_national_column_and_the_api_json(service_settings, client) -> None:
    table = _run(service_settings, "compare", "looked after review")
    assert table.exit_code == 0, table.output
    assert (f"{NATIONAL_LABEL}: within 20 working days of child coming into care   "
            "[national: Care Planning Regulations 2010, reg 33(1)]") in table.output
    assert "The responsible authority must first review C’s case within 20 working days" in table.output
    assert "    Wokingham: same as national" in table.output
    as_json = json.loads(_run(service_settings, "compare", "looked after review", "--json").output)
    assert as_json == client.get("/api/compare", params={"topic": "looked after review"}).json()
    flagged = _run(service_settings, "compare", "ICPC", "--include-unverified")
    assert "NOT VERIFIED against its source" in flagged.output
