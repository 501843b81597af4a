"""Bad input found by the newcomer audit: every one is a precise 4xx (or a non-zero exit with a
message), never a 500 or a traceback, and the store stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _store_rows(settings) -> dict:
    """Every row of every table of the service's store."""
    from ingest.store import connect

    conn = connect(settings.db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(tuple, conn.execute(f'SELECT * FROM "{t}"')), key=repr) for t in tables}
    finally:
        conn.close()


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def _main(service_settings, monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run `standards ARGS` through the real entry point (its error handling included)."""
    from service.cli import main

    monkeypatch.setenv("STANDARDS_DATA_DIR", str(service_settings.data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(ROOT / "corpus"))
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out + out.err


# --- dates far from today ---------------------------------------------------------------------
def test_deadline_dates_outside_the_calendar_are_a_422(client, service_settings) -> None:
    before = _store_rows(service_settings)
    for start in ("9999-12-30", "0001-01-01", "3000-06-01"):
        body = {"authority": "Wokingham", "topic": "core group meeting", "from": start}
        err = _error(client.post("/api/deadline", json=body), 422, "bad_request")
        assert start in err["message"] and "1970-01-01" in err["message"]
    # A far date inside a question still gets the answer, with the reason no date was computed.
    response = client.post("/api/ask", json={
        "question": "ICPC was on 30 December 9999 - when is the first core group due in Wokingham?"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert not data["abstained"] and "10 working days" in data["answer"]
    assert data["deadline"]["due"] is None and "outside the dates" in data["deadline"]["note"]
    assert _store_rows(service_settings) == before


def test_cli_deadline_far_date_is_a_message_not_a_traceback(service_settings, monkeypatch, capsys) -> None:
    code, out = _main(service_settings, monkeypatch, capsys, "deadline", "--authority", "Wokingham",
                      "--topic", "core group meeting", "--from", "9999-12-30")
    assert code == 1 and "Traceback" not in out
    assert "9999-12-30 is outside the dates" in out


# --- malformed JSON bodies --------------------------------------------------------------------
def test_unknown_fields_and_loose_types_are_refused(client, service_settings) -> None:
    before = _store_rows(service_settings)
    # A misspelt field must not be dropped silently: "authority" would widen the answer to everyone.
    err = _error(client.post("/api/ask", json={"question": "core group?", "authority": "Dudley"}), 422,
                 "invalid_request")
    assert "'authority' is not a field" in err["message"]
    _error(client.post("/api/search", json={"query": "ICPC", "authoritys": ["Dudley"]}), 422, "invalid_request")
    _error(client.post("/api/deadline", json={"authority": "Wokingham", "topic": "core group meeting",
                                              "from": "2026-03-03", "cohrt": "x"}), 422, "invalid_request")
    for k in (True, "10", 2.5, -1, 0, 100_000):
        err = _error(client.post("/api/search", json={"query": "ICPC", "k": k}), 422, "invalid_request")
        assert "k" in err["message"]
    err = _error(client.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"}),
                 422, "invalid_request")
    assert "not valid JSON at character 13" in err["message"]
    assert _store_rows(service_settings) == before


def test_wrong_method_on_an_endpoint_is_405_naming_the_right_one(client) -> None:
    for method, path, allowed in (("GET", "/api/ask", "POST"), ("GET", "/api/deadline", "POST"),
                                  ("DELETE", "/api/ask", "POST"), ("POST", "/healthz", "GET")):
        response = client.request(method, path)
        err = _error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == allowed and f"use {allowed}" in err["message"]
    _error(client.get("/api/no-such-endpoint"), 404, "not_found")


# --- compare: blank topic, unknown cohort -----------------------------------------------------
def test_compare_blank_topic_and_unknown_cohort(client) -> None:
    err = _error(client.get("/api/compare", params={"topic": "  "}), 422, "bad_request")
    assert "topic is empty" in err["message"]
    # An unknown cohort used to give an empty matrix listing every authority as having no standard.
    err = _error(client.get("/api/compare", params={"topic": "core group meeting", "cohort": "zebras"}), 404,
                 "unknown_cohort")
    assert "children in care" in err["message"]
    # A cohort synonym ("child on a plan" style) and part of a cohort's name still filter.
    by_synonym = client.get("/api/compare", params={"topic": "child in care visit", "cohort": "LAC"})
    assert by_synonym.status_code == 200 and by_synonym.json()["rows"], by_synonym.text
    by_part = client.get("/api/compare", params={"topic": "core group meeting", "cohort": "child protection"})
    assert by_part.status_code == 200 and "Sandwell" not in by_part.json()["gaps"], by_part.text


def test_cli_compare_unknown_cohort_and_bad_gold_files(service_settings, monkeypatch, capsys, tmp_path) -> None:
    code, out = _main(service_settings, monkeypatch, capsys, "compare", "core group meeting", "--cohort", "zebras")
    assert code == 1 and "Unknown cohort 'zebras'" in out and "Traceback" not in out
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xd9\xff\x00\x81" * 50)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    for evaluation in ("qa", "retrieval"):
        code, out = _main(service_settings, monkeypatch, capsys, "eval", evaluation, "--gold", str(binary))
        assert code == 1 and "not UTF-8" in out and "Traceback" not in out, out
        code, out = _main(service_settings, monkeypatch, capsys, "eval", evaluation, "--gold", str(empty))
        assert code == 1 and "is empty" in out and "0/0" not in out, out


# --- the README's examples use ids that exist -------------------------------------------------
def test_readme_show_and_remove_examples_name_real_ids(client) -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    clause_id = re.search(r"standards show (\S+)", readme).group(1)
    response = client.get(f"/api/clauses/{clause_id}")
    assert response.status_code == 200, f"README's `standards show {clause_id}`: {response.text}"
    document_id = re.search(r"standards remove (\S+)", readme).group(1)
    assert client.get(f"/api/documents/{document_id}").status_code == 200, document_id
