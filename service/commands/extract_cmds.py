"""`standards obligations`, `standards conflicts`, `standards eval extraction`.

`obligations` and `conflicts` print renderings of the query layer's records (``service/query.py``);
their ``jsonl``/``--json`` lines are the API's entries.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from ingest.settings import load_settings
from service.records import ROLE_FILTER_MEANING


def _connect():
    from ingest import store

    return store.connect(load_settings().db_path)


_CSV_FIELDS = ["id", "authority", "document", "section", "clause_ref", "topic", "duty", "actor", "owners", "cohort",
               "modality", "kind", "value", "unit", "anchor", "anchor_relation", "description", "phrase",
               "conditions", "action", "clause_id", "start", "end", "quote"]


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _flat(entry: dict) -> dict:
    """One obligation of an ``ObligationList.to_dict()`` with its citation's place beside it (jsonl)."""
    cite = entry["citation"]
    return entry | {"document": entry["document_id"], "section": cite["section"], "clause_ref": cite["clause_ref"]}


def render_obligations(result, fmt: str) -> str:
    """An ``ObligationList`` as a table, JSON Lines (the API's entries) or CSV."""
    data = result.to_dict()
    if fmt == "jsonl":
        return "".join(json.dumps(_flat(e), ensure_ascii=False) + "\n" for e in data["obligations"])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        for e in data["obligations"]:
            t, c = e["timescale"], e["citation"]
            writer.writerow({
                "id": e["id"], "authority": e["authority"], "document": e["document_id"], "section": c["section"],
                "clause_ref": c["clause_ref"], "topic": e["topic"], "duty": e["duty"], "actor": e["actor"],
                "owners": "; ".join(e["owners"]), "cohort": e["cohort"], "modality": e["modality"],
                "kind": t["kind"], "value": _num(t["value"]), "unit": t["unit"], "anchor": t["anchor"],
                "anchor_relation": t["anchor_relation"], "description": e["description"], "phrase": t["phrase"],
                "conditions": e["conditions"], "action": e["action"], "clause_id": e["clause_id"],
                "start": c["start"], "end": c["end"], "quote": c["quote"],
            })
        return buf.getvalue()
    lines = [f"Note: {n}" for n in result.notes]
    if not result.obligations:
        return "\n".join(lines + ["No obligations match. (Ingest documents first: standards ingest corpus/)"]) + "\n"
    for v in result.obligations:
        o = v.obligation
        lines.append(f"{o.authority:<10} {o.topic or '(no topic)':<36} {v.description}")
        lines.append(f"{'':<10} owned by: {', '.join(v.owners) or '-'}; cohort: {o.cohort or '-'}; {o.modality or '-'}"
                     f"{'; if ' + o.conditions if o.conditions else ''}")
        lines.append(f"{'':<10} [{v.citation_label}] {o.citation.quote[:160]}")
    lines.append(f"\n{len(result.obligations)} obligation(s).")
    return "\n".join(lines) + "\n"


def render_conflicts(result, as_json: bool) -> str:
    """A ``ConflictList`` as text, or one JSON object per conflict (the API's entries)."""
    if as_json:
        return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in result.to_dict()["conflicts"])
    lines = [f"Note: {n}" for n in result.notes]
    if not result.conflicts:
        return "\n".join(lines + ["No conflicts found."]) + "\n"
    for c in result.conflicts:
        lines.append(f"{c.conflict.authority}: {c.conflict.reason}")
        for v in c.obligations:
            lines.append(f"    {v.description} [{v.citation_label}] {v.obligation.citation.quote[:150]}")
    lines.append(f"\n{len(result.conflicts)} conflict(s).")
    return "\n".join(lines) + "\n"


def register(cli: click.Group) -> None:
    from service.commands.eval_group import eval_group
    from service.commands.eval_group import register as register_eval

    register_eval(cli)  # idempotent: whichever module loads first creates the group

    @cli.command("obligations")
    @click.option("--authority", help="Only this authority (name or alias, e.g. Wokingham).")
    @click.option("--topic", help="Canonical topic or a synonym/abbreviation (e.g. 'core group meeting', ICPC).")
    @click.option("--cohort", help="Cohort (e.g. 'children in care', LAC, 'care leavers').")
    @click.option("--role", help=f"Role (e.g. 'Social Worker', IRO, PA): only {ROLE_FILTER_MEANING}.")
    @click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True)
    def obligations_command(authority, topic, cohort, role, fmt) -> None:
        """List the obligations extracted from the stored documents, with citations."""
        from service.query import obligations, open_source

        result = obligations(open_source(), authority=authority, topic=topic, cohort=cohort, role=role)
        if fmt != "table":
            for note in result.notes:  # the data stays clean; the note goes to stderr
                click.echo(f"Note: {note}", err=True)
        click.echo(render_obligations(result, fmt), nl=False)

    @cli.command("conflicts")
    @click.option("--authority", help="Only this authority (name or alias).")
    @click.option("--topic", help="Only this topic (canonical name or synonym).")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one conflict per line).")
    def conflicts_command(authority, topic, as_json) -> None:
        """Where one authority's documents give different timescales for the same duty."""
        from service.query import conflicts, open_source

        result = conflicts(open_source(), authority=authority, topic=topic)
        if as_json:
            for note in result.notes:
                click.echo(f"Note: {note}", err=True)
        click.echo(render_conflicts(result, as_json), nl=False)

    @eval_group.command("extraction")
    @click.option("--gold", type=click.Path(path_type=Path), default=Path("eval/obligations-dev.jsonl"),
                  show_default=True, help="Gold obligations (JSON Lines; see eval/SCHEMA.md).")
    @click.option("--corpus", type=click.Path(path_type=Path, file_okay=False),
                  help="Parse this folder (manifest.yaml) instead of using the store.")
    @click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
    @click.option("--brief", is_flag=True, help="Figures only, without the lists of misses and false positives.")
    def eval_extraction_command(gold: Path, corpus: Path | None, as_json: bool, brief: bool) -> None:
        """Precision/recall/F1 of extracted timescales, and anchor/topic/actor accuracy, against gold."""
        from extractors.evaluate import evaluate_extraction, evaluate_extraction_corpus

        if corpus is not None:
            report = evaluate_extraction_corpus(corpus, gold)
        else:
            report = evaluate_extraction(_connect(), gold)
        if as_json:
            click.echo(json.dumps(report.as_dict(), indent=2))
        else:
            click.echo(report.to_text(show_details=not brief))
        sys.stdout.flush()
