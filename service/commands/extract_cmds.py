"""`standards obligations`, `standards conflicts`, `standards eval extraction`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from ingest.settings import load_settings


def _connect():
    from ingest import store

    return store.connect(load_settings().database)


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _timescale_text(o) -> str:
    t = o.timescale
    if t.kind == "immediate":
        figure = "immediately"
    else:
        figure = f"{_num(t.value)}{'-' + _num(t.value_max) if t.value_max else ''} {t.unit}"
        figure = f"every {figure}" if t.kind == "frequency" else f"within {figure}"
    if t.anchor:
        figure += f" {'before' if t.anchor_relation == 'before' else 'of'} {t.anchor}"
    return figure


def _record(o, clause) -> dict:
    """One obligation with its document context, for jsonl/csv."""
    d = o.to_dict()
    d["document"] = o.document_id
    d["section"] = o.citation.section
    d["clause_ref"] = o.citation.clause_ref
    d["clause_text"] = clause.text if clause else None
    return d


_CSV_FIELDS = ["id", "authority", "document", "section", "clause_ref", "topic", "actor", "cohort", "modality",
               "kind", "value", "unit", "anchor", "anchor_relation", "phrase", "conditions", "action",
               "clause_id", "start", "end", "quote"]


def register(cli: click.Group) -> None:
    from service.commands.eval_group import eval_group
    from service.commands.eval_group import register as register_eval

    register_eval(cli)  # idempotent: whichever module loads first creates the group

    @cli.command("obligations")
    @click.option("--authority", help="Only this authority (e.g. Wokingham).")
    @click.option("--topic", help="Canonical topic or a synonym/abbreviation (e.g. 'core group meeting', ICPC).")
    @click.option("--cohort", help="Cohort (e.g. 'children in care', LAC, 'care leavers').")
    @click.option("--role", help="Responsible role (e.g. 'Social Worker', IRO, PA).")
    @click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True)
    def obligations_command(authority, topic, cohort, role, fmt) -> None:
        """List the obligations extracted from the stored documents, with citations."""
        from extractors.store import load_obligations
        from ingest.store import get_clause

        conn = _connect()
        obligations = load_obligations(conn, authority=authority, topic=topic, cohort=cohort, role=role)
        if fmt == "jsonl":
            for o in obligations:
                click.echo(json.dumps(_record(o, get_clause(conn, o.clause_id)), ensure_ascii=False))
            return
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=_CSV_FIELDS)
            writer.writeheader()
            for o in obligations:
                t = o.timescale
                writer.writerow({
                    "id": o.id, "authority": o.authority, "document": o.document_id,
                    "section": o.citation.section, "clause_ref": o.citation.clause_ref, "topic": o.topic,
                    "actor": o.actor, "cohort": o.cohort, "modality": o.modality, "kind": t.kind,
                    "value": _num(t.value), "unit": t.unit, "anchor": t.anchor,
                    "anchor_relation": t.anchor_relation, "phrase": t.phrase, "conditions": o.conditions,
                    "action": o.action, "clause_id": o.clause_id, "start": o.citation.start,
                    "end": o.citation.end, "quote": o.citation.quote,
                })
            click.echo(buf.getvalue(), nl=False)
            return
        if not obligations:
            click.echo("No obligations match. (Ingest documents first: standards ingest corpus/)")
            return
        for o in obligations:
            where = o.citation.clause_ref or o.citation.section or o.clause_id
            click.echo(f"{o.authority:<10} {o.topic or '(no topic)':<36} {_timescale_text(o)}")
            click.echo(f"{'':<10} actor: {o.actor or '-'}; cohort: {o.cohort or '-'}; {o.modality or '-'}"
                       f"{'; if ' + o.conditions if o.conditions else ''}")
            click.echo(f"{'':<10} [{o.document_id} {where} @{o.citation.start}-{o.citation.end}] "
                       f"{o.citation.quote[:160]}")
        click.echo(f"\n{len(obligations)} obligation(s).")

    @cli.command("conflicts")
    @click.option("--authority", help="Only this authority.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def conflicts_command(authority, as_json) -> None:
        """Where one authority's documents give different timescales for the same duty."""
        from extractors.conflicts import find_conflicts
        from extractors.store import load_obligations

        conflicts = find_conflicts(load_obligations(_connect(), authority=authority))
        if as_json:
            for c in conflicts:
                click.echo(json.dumps({
                    "authority": c.authority, "topic": c.topic, "cohort": c.cohort, "anchor": c.anchor,
                    "reason": c.reason, "obligations": [o.to_dict() for o in c.obligations],
                }, ensure_ascii=False))
            return
        if not conflicts:
            click.echo("No conflicts found.")
            return
        for c in conflicts:
            click.echo(f"{c.authority}: {c.reason}")
            for o in c.obligations:
                where = o.citation.clause_ref or o.citation.section
                click.echo(f"    [{o.document_id} {where} @{o.citation.start}-{o.citation.end}] "
                           f"{o.citation.quote[:150]}")
        click.echo(f"\n{len(conflicts)} conflict(s).")

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
