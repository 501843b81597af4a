"""One query layer: every command and route resolves names the same way, filters by role with one
meaning, phrases timescales once and labels citations once; routes and commands never import
each other. Real app, real store (the shipped corpus), real CLI entry point."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from extractors.timescale import describe_timescale
from ingest.errors import UnknownAuthorityError
from service.records import citation_label

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "Atlantis"
MISSPELT, MEANT = "wokinham", "Wokingham"


def _main(service_settings, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run `standards ARGS` through the real entry point; (exit code, stdout, stderr)."""
    from service.cli import main

    monkeypatch.setenv("STANDARDS_DATA_DIR", str(service_settings.data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(ROOT / "corpus"))
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


# --- routes and commands never import each other ------------------------------------------------
def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize(("folder", "forbidden"), [("routes", "service.commands"), ("commands", "service.routes")])
def test_routes_and_commands_never_import_each_other(folder: str, forbidden: str) -> None:
    files = sorted((ROOT / "service" / folder).glob("*.py"))
    assert len(files) >= 5
    for path in files:
        bad = sorted(n for n in _imports(path) if n == forbidden or n.startswith(forbidden + "."))
        assert not bad, f"service/{folder}/{path.name} imports {bad}"
        # Names are resolved by the query layer, never by a route or command itself.
        assert "service.resolver" not in _imports(path), f"service/{folder}/{path.name} resolves names itself"


# --- an unknown or misspelt authority, everywhere ---------------------------------------------------
ROUTES = [
    ("GET", "/api/compare", {"params": {"topic": "core group meeting", "authorities": ["{a}"]}}),
    ("GET", "/api/obligations", {"params": {"authority": "{a}"}}),
    ("GET", "/api/conflicts", {"params": {"authority": "{a}"}}),
    ("POST", "/api/search", {"json": {"query": "core group", "k": 3, "authorities": ["{a}"], "mode": "bm25"}}),
    ("POST", "/api/deadline", {"json": {"authority": "{a}", "topic": "core group meeting", "from": "2026-04-01"}}),
    ("POST", "/api/ask", {"json": {"question": "How often does the core group meet?", "authorities": ["{a}"]}}),
    ("GET", "/api/export/induction", {"params": {"authority": "{a}", "role": "SW", "format": "md"}}),
    ("GET", "/api/export/quiz", {"params": {"authority": "{a}", "n": 3, "format": "json"}}),
    ("GET", "/api/baseline", {"params": {"authority": "{a}"}}),
]
COMMANDS = [
    ["compare", "core group meeting", "--authority", "{a}"],
    ["obligations", "--authority", "{a}"],
    ["conflicts", "--authority", "{a}"],
    ["search", "core group", "--authority", "{a}", "--mode", "bm25", "-k", "3"],
    ["deadline", "--authority", "{a}", "--topic", "core group meeting", "--from", "2026-04-01"],
    ["induction", "--authority", "{a}", "--role", "SW", "--format", "md"],
    ["quiz", "--authority", "{a}", "--n", "3", "--format", "json"],
    ["baseline", "--authority", "{a}"],
]


def _fill(value, name: str):
    if isinstance(value, str):
        return value.replace("{a}", name)
    if isinstance(value, list):
        return [_fill(v, name) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, name) for k, v in value.items()}
    return value


def _resolver_message(service_state, name: str) -> str:
    with pytest.raises(UnknownAuthorityError) as err:
        service_state.resolver.authority(name)
    return err.value.message


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES, ids=[r[1] for r in ROUTES])
def test_every_route_refuses_an_unknown_authority_with_the_resolvers_message(client, service_state, method, path,
                                                                             kwargs) -> None:
    response = client.request(method, path, **_fill(kwargs, UNKNOWN))
    assert response.status_code == 404, response.text
    assert "content-disposition" not in response.headers
    error = response.json()["error"]
    assert error == {"code": "unknown_authority", "message": _resolver_message(service_state, UNKNOWN)}
    assert all(a in error["message"] for a in ("Dudley", "Sandwell", "Wiltshire", "Wokingham"))


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES, ids=[r[1] for r in ROUTES])
def test_every_route_reads_a_misspelt_authority_with_a_note(client, service_state, method, path, kwargs) -> None:
    note = service_state.resolver.authority(MISSPELT).note
    assert note and MEANT in note and MISSPELT in note
    response = client.request(method, path, **_fill(kwargs, MISSPELT))
    assert response.status_code == 200, response.text
    if path.startswith("/api/export/"):
        assert json.loads(response.headers["x-standards-notes"]) == [note]
        assert MEANT.lower() in response.headers["content-disposition"]
        return
    data = response.json()
    assert note in data["notes"]
    if path == "/api/compare":
        assert data["authorities"] == [MEANT]
    elif path in ("/api/obligations", "/api/conflicts"):
        assert data["filters"]["authority"] == MEANT and data["count"] > 0
    elif path == "/api/search":
        assert data["results"] and {r["authority"] for r in data["results"]} == {MEANT}
    elif path == "/api/deadline":
        assert data["authority"] == MEANT and data["due"]
    elif path == "/api/baseline":
        assert [r["authority"] for r in data["reports"]] == [MEANT]


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_refuses_an_unknown_authority_with_the_resolvers_message(service_settings, service_state,
                                                                               monkeypatch, capsys, args) -> None:
    code, out, err = _main(service_settings, monkeypatch, capsys, *_fill(args, UNKNOWN))
    assert code == 1 and not out.strip()
    assert err.strip() == f"Error: {_resolver_message(service_state, UNKNOWN)}"


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_reads_a_misspelt_authority_with_a_note(service_settings, service_state, monkeypatch, capsys,
                                                              args) -> None:
    note = service_state.resolver.authority(MISSPELT).note
    code, out, err = _main(service_settings, monkeypatch, capsys, *_fill(args, MISSPELT))
    assert code == 0, err
    assert f"Note: {note}" in out + err
    assert MEANT in out


# --- one meaning of a role filter --------------------------------------------------------------------
def test_role_filter_means_the_duties_the_role_owns_in_obligations_and_induction(client, service_state) -> None:
    from service.induction import build_induction_pack

    listed = client.get("/api/obligations", params={"authority": "Wiltshire", "role": "Team Manager"}).json()
    assert listed["filters"]["role"] == "Team Manager" and listed["count"] > 0
    for ob in listed["obligations"]:
        assert "Team Manager" in ob["owners"]
    # Owned through the table's responsible-role column, though the sentence's actor is another role.
    by_column = [ob for ob in listed["obligations"] if ob["actor"] != "Team Manager"]
    assert by_column and all("Team Manager" in (ob["owned_by"] or "") for ob in by_column)
    # Everything else of the authority is owned by someone else.
    everything = client.get("/api/obligations", params={"authority": "Wiltshire"}).json()["obligations"]
    assert {o["id"] for o in everything if "Team Manager" in o["owners"]} == {o["id"] for o in listed["obligations"]}
    # The induction pack for the role covers the same duties (one item per figure of a clause).
    pack = build_induction_pack(service_state.conn, "Wiltshire", "Team Manager", resolver=service_state.resolver)
    assert {i.clause_id for i in pack.items} == {o["clause_id"] for o in listed["obligations"]}
    assert {i.obligation_id for i in pack.items} <= {o["id"] for o in listed["obligations"]}


def test_cli_role_filter_lists_what_the_api_lists(client, service_settings, monkeypatch, capsys) -> None:
    api = client.get("/api/obligations", params={"authority": "Wiltshire", "role": "TM"}).json()
    code, out, _ = _main(service_settings, monkeypatch, capsys, "obligations", "--authority", "wilts", "--role", "TM",
                         "--format", "jsonl")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [o["id"] for o in lines] == [o["id"] for o in api["obligations"]]
    assert all(line["clause_text"] and line["owners"] for line in lines)


# --- timescales phrased once, citations labelled once --------------------------------------------------
def test_timescales_are_phrased_once_and_citations_labelled_once(client, service_state, service_settings,
                                                                 monkeypatch, capsys) -> None:
    data = client.get("/api/compare", params={"topic": "core group meeting"}).json()
    cells = [c for row in data["rows"] for cells in row["cells"].values() for c in cells]
    assert cells
    by_id = {ob.id: ob for ob in service_state.obligations()}
    for cell in cells:
        ob = by_id[cell["obligation_id"]]
        assert cell["description"] == describe_timescale(ob.timescale) == cell["timescale"]
        c = cell["citation"]
        assert cell["citation_label"] == c["label"] == citation_label(c["authority"], c["section"], c["clause_ref"],
                                                                      c["page"])
    for ob in client.get("/api/obligations", params={"topic": "CGM"}).json()["obligations"]:
        assert ob["description"] == ob["timescale"]["description"] == describe_timescale(by_id[ob["id"]].timescale)
        assert ob["citation"]["label"].startswith(ob["authority"] + " › ")
    # The CLI prints the same words and labels.
    code, out, _ = _main(service_settings, monkeypatch, capsys, "compare", "core group meeting")
    assert code == 0
    for cell in cells:
        assert cell["description"] in out and cell["citation"]["label"] in out


def test_compare_rows_are_duties_with_a_national_slot(client) -> None:
    data = client.get("/api/compare", params={"topic": "core group meeting"}).json()
    keys = [row["key"] for row in data["rows"]]
    assert len(keys) == len(set(keys))
    for row in data["rows"]:
        assert row["label"] and row["kind"] in ("deadline", "frequency")
        assert {"phase", "qualifiers", "national", "verdicts", "guarantee_days"} <= set(row)
        assert row["national"] is None and row["verdicts"] == {}
        for authority, days in row["guarantee_days"].items():
            assert days == max(max(c["approx_days"]) for c in row["cells"][authority] if c["approx_days"])
