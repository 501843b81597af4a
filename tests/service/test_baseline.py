"""Comparing an authority's standards with the national minimum: figures, matching, the report
on the shipped corpus, and the CLI and HTTP views of it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractors.records import Citation, Obligation, Timescale
from extractors.timescale import find_timescales
from ingest.records import Clause
from service.baseline import (
    CSV_COLUMNS,
    assess_obligation,
    compare_figures,
    load_national,
    verdict,
)

ROOT = Path(__file__).resolve().parents[2]
BASELINE = load_national()


def _ts(text: str) -> Timescale:
    """The first timescale the project's grammar reads in ``text``."""
    found = find_timescales(text)
    assert found, f"the grammar reads no timescale in {text!r}"
    return found[0]


def _national(entry_id: str):
    return BASELINE.get(entry_id)


def _clause(text: str, authority: str = "Testshire") -> Clause:
    """A one-sentence clause of a (made-up) standard, starting the document."""
    return Clause(id="c-0001", document_id="doc", authority=authority, ordinal=1, heading_path=["Visits"],
                  clause_ref="4.2", text=text, plain_text=text, start=0, end=len(text))


def _ob(text: str, topic: str, cohort: str | None = None, conditions: str | None = None,
        authority: str = "Testshire") -> Obligation:
    """An obligation as extraction records it, for the clause ``_clause(text)``."""
    ts = _ts(text)
    return Obligation(
        id=f"ob-{abs(hash((text, topic))) % 10**8}", authority=authority, document_id="doc", clause_id="c-0001",
        topic=topic, actor="Social Worker", action=None, cohort=cohort, modality="must", conditions=conditions,
        timescale=ts, citation=Citation(clause_id="c-0001", document_id="doc", authority=authority,
                                        section="Visits", clause_ref="4.2", page=None, start=ts.start,
                                        end=ts.end, quote=text[ts.start:ts.end]),
    )


# --- figures ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local", "entry_id", "direction", "approximate"),
    [
        ("Children in care are visited every 4 weeks.", "child-in-care-visit-first-year", "stricter", False),
        ("visits at intervals of not more than six weeks", "child-in-care-visit-first-year", "same", False),
        ("visited every 3 months", "child-in-care-visit-first-year", "looser", True),
        ("visited every 12 weeks", "child-in-care-visit-later-until-18", "stricter", True),
        ("reviewed annually", "foster-carer-review-subsequent", "same", True),
        ("reviewed every 12 months", "foster-carer-review-subsequent", "same", True),
        ("the care plan is completed within 5 working days", "care-plan", "stricter", False),
        ("the care plan is completed within 15 working days", "care-plan", "looser", False),
        ("the care plan is completed within 14 days", "care-plan", "same", True),
        ("the care plan is completed within 10 days", "care-plan", "stricter", True),
        ("the first review is held within 4 weeks", "looked-after-review-first", "same", True),
        ("the first visit is made within 5 working days", "child-in-care-visit-first", "same", True),
        ("the first visit is made the same day", "child-in-care-visit-first", "stricter", True),
    ],
)
def test_compare_figures_like_with_like(local: str, entry_id: str, direction: str, approximate: bool) -> None:
    result = compare_figures(_ts(local), _national(entry_id).timescale)
    assert result.direction == direction
    assert result.approximate is approximate
    if approximate:
        assert "calendar days" in result.conversion
    else:
        assert result.conversion is None


def test_working_days_against_weeks_shows_the_conversion() -> None:
    result = compare_figures(_ts("visited within 5 working days"), _national("child-in-care-visit-first").timescale)
    assert result.conversion.startswith("5 working days ≈ 7 calendar days; 1 week ≈ 7 calendar days")
    assert "a working day counted as 7/5 calendar days" in result.conversion


def test_a_figure_written_two_ways_compares_in_the_national_unit() -> None:
    result = compare_figures(_ts("Within 9 days (7 working days) of notification"),
                             _national("private-fostering-visit-first").timescale)
    assert result.direction == "same" and not result.approximate


def test_a_range_is_judged_by_its_longest_time() -> None:
    result = compare_figures(_ts("visited every 4-8 weeks"), _national("child-in-care-visit-first-year").timescale)
    assert result.direction == "looser"


@pytest.mark.parametrize(
    "local",
    ["reports are shared at least 5 working days before the review", "visits at intervals of no less than two weeks"],
)
def test_minimum_waits_and_caps_on_frequency_are_not_compared(local: str) -> None:
    entry = _national("looked-after-review-first" if "before" in local else "child-in-care-visit-first-year")
    assert compare_figures(_ts(local), entry.timescale).direction == "not_comparable"


# --- matching a local obligation to its national duty ---------------------------------------
def test_a_deadline_from_another_event_is_not_compared() -> None:
    ob = _ob("The care plan is completed within 10 working days of the placement planning meeting.", "care plan",
             "children in care")
    v = verdict(ob, _national("care-plan"))
    assert v.verdict == "not_comparable"
    assert "runs from" in v.explanation and "national: Care Planning Regulations 2010, reg 4(2)" in v.explanation


def test_a_deadline_that_states_no_event_is_not_compared() -> None:
    v = verdict(_ob("The care plan is completed within 20 working days.", "care plan"), _national("care-plan"))
    assert v.verdict == "not_comparable" and "does not say what it runs from" in v.explanation


def test_another_topic_or_cohort_is_not_the_same_duty() -> None:
    ob = _ob("Visits at least every 6 weeks.", "child in need visit", "children in need")
    assert "not child in care visit" in verdict(ob, _national("child-in-care-visit-first-year")).explanation
    ob = _ob("Visits at least every 6 weeks.", "child in care visit", "care leavers")
    assert verdict(ob, _national("child-in-care-visit-first-year")).verdict == "not_comparable"


def test_looser_verdict_names_both_figures_and_both_sources() -> None:
    ob = _ob("Children in care are visited every 3 months.", "child in care visit", "children in care")
    v = verdict(ob, _national("child-in-care-visit-first-year"))
    assert v.verdict == "looser"
    assert "every 3 months" in v.explanation and "at least every 6 weeks" in v.explanation
    assert "Testshire › Visits, standard 4.2" in v.explanation
    assert "national: Care Planning Regulations 2010, reg 28(2)(b)" in v.explanation
    assert v.national_url.startswith("https://") and v.national_wording


def test_a_narrower_national_duty_takes_the_standards_that_name_its_group() -> None:
    entries = BASELINE.national_for("child in care visit")
    text = "Where a child is placed with a temporarily approved carer, visits will be weekly until the first review."
    compared, _ = assess_obligation(_ob(text, "child in care visit", "children in care"), entries, _clause(text))
    assert [v.entry_id for v in compared] == ["child-in-care-visit-temporary-approval-or-ico"]
    text = "Children in care are visited every 6 weeks during the first year of a placement."
    compared, _ = assess_obligation(_ob(text, "child in care visit", "children in care"), entries, _clause(text))
    assert [v.entry_id for v in compared] == ["child-in-care-visit-first-year"]
    assert compared[0].verdict == "same"


def test_with_no_phase_stated_a_figure_is_read_as_the_phase_it_meets() -> None:
    entries = BASELINE.national_for("private fostering visit")
    text = "Privately fostered children are visited at intervals of not more than 12 weeks."
    compared, _ = assess_obligation(_ob(text, "private fostering visit", "privately fostered children"), entries,
                                    _clause(text))
    assert [v.entry_id for v in compared] == ["private-fostering-visit-later-years"]
    assert compared[0].verdict == "same" and "does not say which phase" in compared[0].notes[0]
    text = "Privately fostered children are visited every 16 weeks."
    compared, _ = assess_obligation(_ob(text, "private fostering visit", "privately fostered children"), entries,
                                    _clause(text))
    assert {v.verdict for v in compared} == {"looser"}
    assert [v.entry_id for v in compared] == ["private-fostering-visit-later-years"]


# --- the report on the shipped corpus ---------------------------------------------------------


@pytest.fixture(scope="module")
def reports(service_state):
    from service.baseline import baseline_for

    return {a: baseline_for(service_state, a) for a in service_state.authorities()}


@pytest.mark.slow
def test_every_duty_gets_a_verdict_and_every_flag_is_cited(reports) -> None:
    assert set(reports) == {"Dudley", "Sandwell", "Wiltshire", "Wokingham"}
    for authority, report in reports.items():
        ids = [d.entry.id for d in report.duties]
        assert len(ids) == len(set(ids))
        assert all(d.entry.verified or d.entry.no_national_figure for d in report.duties)
        for d in report.looser:
            looser = [v for v in d.matches if v.verdict == "looser"]
            assert looser
            for v in looser:
                assert v.local.authority == authority and v.local.label.startswith(authority + " › ")
                assert v.national_label.startswith("national: ") and v.national_figure in d.explanation
        for d in report.silent:
            assert d.entry.label in d.explanation and "which applies" in d.explanation
            assert not d.matches and not d.related


@pytest.mark.slow
def test_dudley_figures_that_match_national_ones(reports) -> None:
    duties = {d.entry.id: d for d in reports["Dudley"].duties}
    for entry_id in ("care-plan", "placement-plan", "child-in-care-visit-first", "private-fostering-visit-first",
                     "ehc-needs-assessment-decision", "ehc-plan-final", "leaving-care-needs-assessment"):
        assert duties[entry_id].verdict == "same", (entry_id, duties[entry_id].explanation)
    # "Within 9 days (7 working days)": compared on its working-day form.
    pf = duties["private-fostering-visit-first"].matches[0]
    assert "7 working days" in pf.local_figure and not pf.comparison.approximate
    # Dudley says nothing of the first looked-after review: the national figure applies.
    assert duties["looked-after-review-first"].verdict == "silent"


@pytest.mark.slow
def test_no_national_figure_is_ever_presented_as_the_authority_s_own(reports) -> None:
    for report in reports.values():
        data = json.dumps(report.to_dict(), ensure_ascii=False)
        for d in report.duties:
            for v in d.matches + d.related:
                assert v.local.authority == report.authority
                assert v.local.clause_id and v.local.quote
        assert "national: " in data


@pytest.mark.slow
def test_unverified_figures_are_compared_only_when_asked_and_then_labelled(service_state) -> None:
    from service.baseline import baseline_for

    plain = baseline_for(service_state, "Wokingham")
    assert "initial-child-protection-conference" in {e.id for e in plain.unverified_not_compared}
    wide = baseline_for(service_state, "Wokingham", include_unverified=True)
    icpc = {d.entry.id: d for d in wide.duties}["initial-child-protection-conference"]
    assert icpc.verdict == "same"
    assert all("not verified against its source" in v.national_label for v in icpc.matches)


@pytest.mark.slow
def test_csv_rows_carry_both_figures_and_sources(reports) -> None:
    rows = list(csv.DictReader(io.StringIO(reports["Dudley"].to_csv())))
    assert rows and list(rows[0]) == CSV_COLUMNS
    flagged = [r for r in rows if r["verdict"] == "looser"]
    for r in flagged:
        assert r["local_figure"] and r["local_source"].startswith("Dudley › ")
        assert r["national_figure"] and r["national_source"].startswith("national: ")


# --- HTTP --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_api_baseline_for_one_authority_with_a_misspelt_name(client) -> None:
    r = client.get("/api/baseline", params={"authority": "dudly"})
    assert r.status_code == 200
    body = r.json()
    assert [rep["authority"] for rep in body["reports"]] == ["Dudley"]
    assert body["notes"] and "Dudley" in body["notes"][0]
    report = body["reports"][0]
    assert {"looser", "silent", "duties", "summary", "unverified_not_compared"} <= set(report)
    assert sum(report["summary"].values()) == len(report["duties"])


@pytest.mark.slow
def test_api_baseline_all_authorities_and_csv(client) -> None:
    body = client.get("/api/baseline").json()
    assert sorted(r["authority"] for r in body["reports"]) == ["Dudley", "Sandwell", "Wiltshire", "Wokingham"]
    r = client.get("/api/baseline", params={"authority": "Wokingham", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="baseline-wokingham.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {row["authority"] for row in rows} == {"Wokingham"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"authority": "Atlantis"}, 404, "unknown_authority"),
        ({"authority": "  "}, 422, "bad_request"),
        ({"authority": "Dudley", "format": "xml"}, 422, "bad_request"),
        ({"authority": "Dudley", "include_unverified": "perhaps"}, 422, None),
    ],
)
def test_api_baseline_bad_input(client, params: dict, status: int, code: str | None) -> None:
    r = client.get("/api/baseline", params=params)
    assert r.status_code == status
    error = r.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


# --- CLI ---------------------------------------------------------------------------------------
def _run(service_settings, *args: str):
    from service.cli import cli

    env = {"STANDARDS_DATA_DIR": str(service_settings.data_dir), "STANDARDS_CORPUS_DIR": str(ROOT / "corpus")}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.slow
def test_cli_baseline_table_json_and_csv(service_settings) -> None:
    table = _run(service_settings, "baseline", "--authority", "Dudley")
    assert table.exit_code == 0, table.output
    assert "LOOSER THAN NATIONAL" in table.output and "DO NOT MENTION" in table.output
    assert "[national: Care Planning Regulations 2010, reg 33(1)]" in table.output
    data = json.loads(_run(service_settings, "baseline", "-a", "Wokingham", "--format", "json").output)
    assert data["reports"][0]["authority"] == "Wokingham"
    rows = list(csv.DictReader(io.StringIO(_run(service_settings, "baseline", "--format", "csv").output)))
    assert {r["authority"] for r in rows} == {"Dudley", "Sandwell", "Wiltshire", "Wokingham"}


@pytest.mark.slow
def test_cli_baseline_unknown_authority_is_a_message_and_exit_1(service_settings, capsys) -> None:
    from service.cli import main

    env_keys = {"STANDARDS_DATA_DIR": str(service_settings.data_dir), "STANDARDS_CORPUS_DIR": str(ROOT / "corpus")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env_keys.items():
            mp.setenv(k, v)
        with pytest.raises(SystemExit) as exit_info:
            main(["baseline", "--authority", "Atlantis"])
    assert exit_info.value.code == 1
    assert "No standards are held for authority 'Atlantis'" in capsys.readouterr().err


def test_a_deadline_from_the_previous_occurrence_is_the_interval_between_them() -> None:
    text = "Subsequent review conferences are held within 6 months of the previous review conference."
    v = verdict(_ob(text, "review child protection conference", "children subject to a child protection plan"),
                _national("review-child-protection-conference-subsequent"), _clause(text))
    assert v.verdict == "same"
    assert any("read as the interval between them" in n for n in v.notes)
    assert "not verified against its source" in v.national_label


def test_a_national_duty_for_all_children_covers_a_narrower_cohort() -> None:
    text = "The assessment is completed within 45 working days of the referral."
    v = verdict(_ob(text, "child and family assessment", "children in need"), _national("child-and-family-assessment"),
                _clause(text))
    assert v.verdict == "same"
