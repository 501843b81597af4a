"""What changed between two versions of a shipped document, checked entry by entry (CLI and API).

The second version is made from the shipped file with four edits chosen from its stored clauses
(not from its wording): one figure changed, one clause removed, one paragraph moved into
another section, one sentence added. Both versions go through the real pipeline (parser,
extractor, store, embeddings) into a store of their own.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = "002_93ba2dc2b9b16c50.txt"  # a shipped document of prose sections and numbered standards
ADDED = "The duty manager will telephone the referrer within 3 working days of the strategy discussion."
NEW_VERSION, NEW_DATE = "2", "2022-04-01"


def _line(text: str, clause) -> str | None:
    """The file line holding exactly this clause (after any bullet or number), or None."""
    body = clause.text.strip()
    if "\n" in body or text.count(body) != 1:
        return None
    line = next(ln for ln in text.split("\n") if body in ln)
    prefix = line.rstrip()[: -len(body)] if line.rstrip().endswith(body) else None
    return line if prefix is not None and not any(ch.isalpha() for ch in prefix) else None


def _plan(conn, text: str, document_id: str) -> dict:
    """Pick the four edits from the stored first version."""
    from extractors.store import load_obligations
    from ingest.store import get_document, version_clauses

    clauses = version_clauses(conn, get_document(conn, document_id).version_id)
    by_clause: dict[str, list] = {}
    for ob in load_obligations(conn):
        by_clause.setdefault(ob.clause_id, []).append(ob)
    figure = next(
        (c, obs[0]) for c in clauses
        if len(obs := by_clause.get(c.id, [])) == 1 and _line(text, c)
        and obs[0].timescale.value is not None and float(obs[0].timescale.value).is_integer()
        and str(int(obs[0].timescale.value)) in obs[0].timescale.phrase
    )
    # Whole sentences: a paragraph ending "Managers will:-" leads the list after it, wherever it goes.
    plain = [c for c in clauses if not by_clause.get(c.id) and _line(text, c) and len(c.text) > 60
             and c.text.rstrip().endswith(".") and c.id != figure[0].id]
    removed = plain[len(plain) // 3]
    moved = next(c for c in plain[len(plain) // 2:] if c.heading_path != removed.heading_path)
    target = next(c for c in clauses if c.heading_path[:1] != moved.heading_path[:1] and _line(text, c)
                  and c.id not in (removed.id, figure[0].id))
    return {"figure": figure, "removed": removed, "moved": moved, "target": target, "clauses": clauses}


def _second_version(text: str, plan: dict) -> str:
    clause, ob = plan["figure"]
    ts = ob.timescale
    value = int(ts.value)
    new_clause = clause.text[: ts.start] + ts.phrase.replace(str(value), str(value + 2), 1) + clause.text[ts.end:]
    text = text.replace(clause.text, new_clause)
    removed, moved, target = (_line(text, plan[k]) for k in ("removed", "moved", "target"))
    text = text.replace(f"\n{removed}\n", "\n").replace(f"\n{moved}\n", "\n")
    return text.replace(f"\n{target}\n", f"\n{target}\n\n{ADDED}\n\n{moved}\n\n")


@pytest.fixture(scope="module")
def versions(tmp_path_factory, service_state):
    """A store holding the shipped document and its second version; returns what was edited."""
    from ingest.manifest import load_manifest
    from ingest.settings import load_settings
    from ingest.store import connect, list_documents
    from service.pipeline import add_document

    data = tmp_path_factory.mktemp("changes-data")
    settings = load_settings().__class__(**{**load_settings().__dict__, "data_dir": data})
    conn = connect(settings.db_path)
    path, meta = next((p, m) for p, m in load_manifest(ROOT / "corpus") if p.name == SHIPPED)
    embedder = service_state.retriever.embedder
    first = add_document(conn, path, meta, settings, embedder=embedder)
    text = path.read_text(encoding="utf-8")
    plan = _plan(conn, text, first.document_id)

    folder = tmp_path_factory.mktemp("v2")
    manifest = yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["documents"] if e["file"] == SHIPPED) | {"version": NEW_VERSION,
                                                                              "date": NEW_DATE}
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"documents": [entry]}), encoding="utf-8")
    (folder / SHIPPED).write_text(_second_version(text, plan), encoding="utf-8")
    _, meta2 = load_manifest(folder)[0]
    second = add_document(conn, folder / SHIPPED, meta2, settings, embedder=embedder)
    assert second.status == "replaced" and second.document_id == first.document_id
    assert [d.id for d in list_documents(conn)] == [first.document_id]
    yield {"conn": conn, "settings": settings, "document_id": first.document_id, "plan": plan, "meta": meta}
    conn.close()
    shutil.rmtree(data, ignore_errors=True)


def _check_report(report: dict, plan: dict) -> None:
    """Every entry of the report, and nothing else."""
    clause, ob = plan["figure"]
    value = int(ob.timescale.value)
    obligations = report["obligations"]
    kinds = sorted(o["kind"] for o in obligations)
    assert kinds == ["added", "changed"], json.dumps(obligations, indent=1)[:3000]

    changed = next(o for o in obligations if o["kind"] == "changed")
    assert changed["old"]["timescale"] == ob.timescale.describe()
    assert str(value) in changed["old"]["timescale"] and str(value + 2) in changed["new"]["timescale"]
    assert changed["summary"].endswith(f"{changed['old']['timescale']} → {changed['new']['timescale']}")
    assert changed["old"]["clause"]["clause_id"] == clause.id  # cites the old version's clause ...
    assert changed["new"]["clause"]["clause_id"] != clause.id  # ... and the new version's
    assert changed["new"]["clause"]["citation"].startswith(clause.authority + " › ")
    assert [f["field"] for f in changed["fields"]] == ["timescale"]

    added = next(o for o in obligations if o["kind"] == "added")
    assert added["old"] is None and added["new"]["clause"]["text"] == ADDED
    assert "3 working days" in added["new"]["timescale"]

    clauses = {c["kind"]: c for c in report["clauses"]}
    assert sorted(c["kind"] for c in report["clauses"]) == ["added", "moved", "removed"], report["clauses"]
    assert clauses["removed"]["old"]["clause_id"] == plan["removed"].id and clauses["removed"]["new"] is None
    assert clauses["added"]["new"]["text"] == ADDED and clauses["added"]["old"] is None
    moved = clauses["moved"]
    assert moved["old"]["clause_id"] == plan["moved"].id
    assert moved["new"]["text"] == plan["moved"].plain_text  # the same clause, not a removal plus an addition
    assert moved["new"]["section"] == plan["target"].section != moved["old"]["section"]
    # the figure's clause is reported once, as a changed obligation, not also as reworded
    assert report["counts"]["clauses_unchanged"] == len(plan["clauses"]) - 3


def test_change_report_entry_by_entry(versions) -> None:
    from service.changes import compare_versions

    report = compare_versions(versions["conn"], versions["document_id"]).to_dict()
    assert report["from"]["ordinal"] == 1 and report["to"]["ordinal"] == 2 and report["to"]["is_current"]
    assert report["to"]["version"] == NEW_VERSION and report["to"]["date"] == NEW_DATE
    _check_report(report, versions["plan"])


def test_cli_versions_changes_and_amendments(versions, monkeypatch, capsys) -> None:
    from service.cli import main

    monkeypatch.setenv("STANDARDS_DATA_DIR", str(versions["settings"].data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(ROOT / "corpus"))
    authority = versions["meta"].authority
    main(["versions", "--authority", authority])
    listing = capsys.readouterr().out
    assert "#1" in listing and "#2" in listing and NEW_VERSION in listing and "current" in listing

    # Versions by ordinal, label, date and keyword all name the same two.
    for old, new in (("#1", "#2"), ("#1", NEW_VERSION), ("previous", NEW_DATE), ("1", "current")):
        main(["changes", "--authority", authority.lower(), "--from", old, "--to", new, "--format", "json"])
        reports = json.loads(capsys.readouterr().out)
        assert len(reports) == 1
        _check_report(reports[0], versions["plan"])

    main(["changes", "--authority", authority])
    table = capsys.readouterr().out
    changed = f"{versions['plan']['figure'][1].timescale.describe()} → "
    assert changed in table and "moved" in table and "removed" in table and ADDED[:40] in table

    main(["changes", "--authority", authority, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted(r["change"] for r in rows) == ["clause added", "clause moved", "clause removed",
                                                 "obligation added", "obligation changed"]
    assert all(r["version"].startswith(f"version {NEW_VERSION}") for r in rows)

    main(["amendments", "--authority", authority])
    log = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert log[0]["date"] == NEW_DATE and log[-1]["change"] == "first version"
    assert len(log) == 6  # five changes of version 2, then version 1's row


def test_cli_bad_versions_exit_with_a_message(versions, monkeypatch, capsys) -> None:
    from service.cli import main

    monkeypatch.setenv("STANDARDS_DATA_DIR", str(versions["settings"].data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(ROOT / "corpus"))
    authority = versions["meta"].authority
    for args, words in (
        (["--from", "#7"], "No version '#7'"),
        (["--from", "1999-01-01"], "No version"),
        (["--from", "#2", "--to", "current"], "same version"),
        (["--document", "no such title"], "names none"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["changes", "--authority", authority, *args])
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert words in err and "#1" in err or "names none" in err, err
    with pytest.raises(SystemExit) as exc:
        main(["changes", "--authority", "Nowhereshire"])
    assert exc.value.code == 1 and "Known:" in capsys.readouterr().err


@pytest.fixture(scope="module")
def client(versions):
    from extractors.taxonomy import load_taxonomy
    from service.app import create_app
    from service.state import ServiceState

    # The real app on the two-version store; no retriever: these routes never search.
    state = ServiceState(settings=versions["settings"], conn=versions["conn"], retriever=None,
                         taxonomy=load_taxonomy())
    state.refresh(force=True)
    with TestClient(create_app(versions["settings"], state=state), raise_server_exceptions=False) as c:
        yield c


def test_api_versions_changes_and_amendments(versions, client) -> None:
    doc = versions["document_id"]
    listed = client.get(f"/api/documents/{doc}/versions")
    assert listed.status_code == 200
    assert [v["address"] for v in listed.json()["versions"]] == ["#1", "#2"]

    default = client.get(f"/api/documents/{doc}/changes")
    assert default.status_code == 200
    _check_report(default.json(), versions["plan"])
    named = client.get(f"/api/documents/{doc}/changes", params={"from": "#1", "to": NEW_VERSION})
    assert named.json() == default.json()

    as_csv = client.get(f"/api/documents/{doc}/changes", params={"format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == 5

    log = client.get("/api/amendments", params={"authority": versions["meta"].authority.upper()})
    assert log.status_code == 200
    entries = log.json()["entries"]
    assert [e["version"]["ordinal"] for e in entries] == [2, 1] and entries[1]["first_version"]
    _check_report(entries[0]["changes"], versions["plan"])
    log_csv = client.get("/api/amendments", params={"authority": versions["meta"].authority, "format": "csv"})
    assert log_csv.status_code == 200 and "first version" in log_csv.text


def test_api_bad_requests_are_precise(versions, client) -> None:
    doc = versions["document_id"]
    cases = [
        (f"/api/documents/{doc}/changes", {"from": "#9"}, 422, "bad_request"),
        (f"/api/documents/{doc}/changes", {"from": "#2", "to": "#2"}, 422, "bad_request"),
        (f"/api/documents/{doc}/changes", {"format": "xml"}, 422, "invalid_request"),
        ("/api/documents/not-a-document/changes", {}, 404, "not_found"),
        ("/api/documents/not-a-document/versions", {}, 404, "not_found"),
        ("/api/amendments", {"authority": "Nowhereshire"}, 404, "unknown_authority"),
        ("/api/amendments", {}, 422, "invalid_request"),
    ]
    for path, params, status, code in cases:
        r = client.get(path, params=params)
        assert r.status_code == status, (path, params, r.text)
        assert r.json()["error"]["code"] == code
        assert r.json()["error"]["message"]


def test_induction_pack_names_its_version_and_what_changed_since(versions, client) -> None:
    from ingest.store import get_clause
    from service.exports import induction_markdown
    from service.induction import build_induction_pack, roles_of_obligation

    conn = versions["conn"]
    clause, ob = versions["plan"]["figure"]
    roles = sorted(roles_of_obligation(ob, get_clause(conn, clause.id)))
    assert roles, "the changed duty has an owner to build a pack for"
    authority = versions["meta"].authority

    current = build_induction_pack(conn, authority, roles[0])
    assert [(s.version.ordinal, s.is_current, s.changes) for s in current.sources] == [(2, True, [])]
    text = induction_markdown(current)
    assert f"Built from: {versions['meta'].title}, version {NEW_VERSION} ({NEW_DATE})." in text
    assert "Changed since" not in text

    older = build_induction_pack(conn, authority, roles[0], as_of="#1")
    source = older.sources[0]
    assert source.version.ordinal == 1 and not source.is_current and source.current.ordinal == 2
    changed = [c for c in source.changes if c.kind == "changed"]
    assert len(changed) == 1 and changed[0].old.obligation_id == ob.id
    assert any(item.obligation_id == ob.id for item in older.items)  # the old figure is in the old pack
    text = induction_markdown(older)
    assert "superseded by version 2" in text and "Changed since #1" in text and changed[0].summary in text

    r = client.get("/api/export/induction", params={"authority": authority, "role": roles[0], "as_of": "#1",
                                                     "format": "csv"})
    assert r.status_code == 200, r.text
    records = [line.split(",")[0] for line in r.text.splitlines()[1:]]
    assert "built_from" in records and "changed_since" in records
    bad = client.get("/api/export/induction", params={"authority": authority, "role": roles[0], "as_of": "#9"})
    assert bad.status_code == 422 and "#1" in bad.json()["error"]["message"]


INVENTED_V1 = """Practice Standards for Testing

Section A: Visiting Children

1. The social worker will visit every child in care at least every 6 weeks.
2. Visits will be recorded on the child's file within 2 working days of the visit.
3. The team manager will review the visiting pattern at each supervision.

Section B: Planning

4. A care plan will be agreed before the child is placed.
5. The plan is shared with the family and with the child where they are old enough to understand it.
"""
INVENTED_V2 = """Practice Standards for Testing

Section A: Seeing Children

1. The social worker will visit every child in care at least every 6 weeks.
2. The social worker will see the child alone at every visit unless the child refuses.
3. Visits will be recorded on the child's file within 2 working days of the visit.
4. The team manager will review the visiting pattern at each supervision.

Section B: Planning

5. A care plan will be agreed before the child is placed.
6. The plan is shared with the family, and with the child whenever they are able to understand it.
"""


def test_invented_revision_section_renamed_clauses_renumbered_and_reworded(tmp_path) -> None:
    from ingest.records import DocumentMeta
    from ingest.settings import load_settings
    from ingest.store import connect
    from service.changes import compare_versions, diff_line
    from service.pipeline import add_document

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data")
    conn = connect(settings.db_path)
    path = tmp_path / "standards.txt"
    meta = DocumentMeta(authority="Testshire", title="Practice Standards for Testing")
    path.write_text(INVENTED_V1, encoding="utf-8")
    first = add_document(conn, path, meta, settings, sync_index=False)
    path.write_text(INVENTED_V2, encoding="utf-8")
    add_document(conn, path, meta, settings, sync_index=False)
    report = compare_versions(conn, first.document_id)

    assert report.obligations == []  # no figure changed, none added or removed
    by_kind: dict[str, list] = {}
    for c in report.clauses:
        by_kind.setdefault(c.kind, []).append(c)
    assert sorted(by_kind) == ["added", "renamed", "renumbered", "reworded"]
    assert by_kind["added"][0].new.text.startswith("The social worker will see the child alone")
    (renamed,) = by_kind["renamed"]
    assert "Visiting Children → Section A: Seeing Children (3 clauses)" in renamed.summary
    assert [(c.old.clause_ref, c.new.clause_ref) for c in by_kind["renumbered"]] == [("2", "3"), ("3", "4"), ("4", "5")]
    (reworded,) = by_kind["reworded"]
    assert [(p.op, p.text) for p in reworded.diff if p.op != "equal"] == [
        ("delete", "where"), ("insert", "whenever"), ("delete", "old enough"), ("insert", "able")]
    # Long unchanged runs are shortened around the change.
    assert diff_line(reworded.diff) == ("… the family, and with the child [-where-] {+whenever+} "
                                        "they are [-old enough-] {+able+} to understand it.")
    conn.close()


def test_a_paraphrase_pairs_only_with_the_models_vectors(service_state) -> None:
    from ingest.records import Clause
    from service.changes import align_clauses

    def clause(cid: str, text: str, ordinal: int) -> Clause:
        return Clause(id=cid, document_id="d", authority="Testshire", ordinal=ordinal, heading_path=["Conferences"],
                      clause_ref=None, text=text, plain_text=text, start=0, end=len(text))

    old = [clause("o1", "The initial child protection conference must be held within 15 working days of the "
                        "strategy discussion.", 1),
           clause("o2", "Case records are kept up to date by the allocated worker.", 2)]
    new = [clause("n1", "Within fifteen working days of the strategy meeting the first child protection conference "
                        "is to take place.", 1),
           clause("n2", "Every looked after child has a named independent reviewing officer.", 2)]
    embedder = service_state.retriever.embedder
    vectors = dict(zip([c.id for c in old + new], embedder.encode([c.plain_text for c in old + new]), strict=True))
    with_model = align_clauses(old, new, vectors)
    assert [(i, j) for i, j, _ in with_model.pairs] == [(0, 0)]
    assert with_model.removed == [1] and with_model.added == [1]
    words_only = align_clauses(old, new)
    assert words_only.pairs == [] and words_only.removed == [0, 1]
