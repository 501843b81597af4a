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

    return store.connect(load_settings().db_path)


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


_CSV_FIELDS = ["id", "authority", "document", "section", "clause_ref", "topic", "label", "actor", "cohort",
               "qualifiers", "phase", "modality", "kind", "value", "unit", "anchor", "anchor_text", "anchor_relation",
               "hedge", "phrase", "conditions", "action", "clause_id", "sentence_id", "start", "end", "quote"]


def register(cli: click.Group) -> None:
    from service.commands.eval_group import eval_group
    from service.commands.eval_group import register as register_eval

    register_eval(cli)  # idempotent: whichever module loads first creates the group
    register_calibrate(cli)

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
                    "label": o.label, "actor": o.actor, "cohort": o.cohort, "qualifiers": "; ".join(o.qualifiers),
                    "phase": o.phase, "modality": o.modality, "kind": t.kind,
                    "value": _num(t.value), "unit": t.unit, "anchor": t.anchor, "anchor_text": t.anchor_text,
                    "anchor_relation": t.anchor_relation, "hedge": t.hedge, "phrase": t.phrase,
                    "conditions": o.conditions, "action": o.action, "clause_id": o.clause_id,
                    "sentence_id": o.sentence_id, "start": o.citation.start,
                    "end": o.citation.end, "quote": o.citation.quote,
                })
            click.echo(buf.getvalue(), nl=False)
            return
        if not obligations:
            click.echo("No obligations match. (Ingest documents first: standards ingest corpus/)")
            return
        for o in obligations:
            where = o.citation.clause_ref or o.citation.section or o.clause_id
            click.echo(f"{o.authority:<10} {o.label or o.topic or '(no action)':<36} {_timescale_text(o)}")
            click.echo(f"{'':<10} topic: {o.topic or '-'}; actor: {o.actor or '-'}; cohort: {o.cohort or '-'}"
                       f"{' (' + ', '.join(o.qualifiers) + ')' if o.qualifiers else ''}; {o.modality or '-'}"
                       f"{'; ' + o.phase if o.phase else ''}{'; ' + o.conditions if o.conditions else ''}")
            click.echo(f"{'':<10} [{o.document_id} {where} @{o.citation.start}-{o.citation.end}] "
                       f"{o.citation.quote[:160]}")
        click.echo(f"\n{len(obligations)} obligation(s).")

    @cli.command("conflicts")
    @click.option("--authority", help="Only this authority.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option("--equivalent", is_flag=True,
                  help="Also list the same duty's time worded differently (kind 'equivalent').")
    def conflicts_command(authority, as_json, equivalent) -> None:
        """Where one authority's documents give different timescales for the same duty."""
        from extractors.conflicts import find_conflicts
        from extractors.store import load_obligations

        conflicts = find_conflicts(load_obligations(_connect(), authority=authority), include_equivalent=equivalent)
        if as_json:
            for c in conflicts:
                click.echo(json.dumps({
                    "authority": c.authority, "kind": c.kind, "topic": c.topic, "cohort": c.cohort,
                    "anchor": c.anchor, "reason": c.reason, "same_duty": c.same_duty,
                    "obligations": [o.to_dict() for o in c.obligations],
                }, ensure_ascii=False))
            return
        if not conflicts:
            click.echo("No conflicts found.")
            return
        for c in conflicts:
            click.echo(f"{c.authority} [{c.kind}]: {c.reason}")
            click.echo(f"    same duty: {c.same_duty}")
            for o in c.obligations:
                where = o.citation.clause_ref or o.citation.section
                click.echo(f"    [{o.document_id} {where} @{o.citation.start}-{o.citation.end}] "
                           f"{o.citation.quote[:150]}")
        real = sum(c.kind == "conflict" for c in conflicts)
        click.echo(f"\n{real} conflict(s)" + (f", {len(conflicts) - real} equivalent(s)." if equivalent else "."))

    @eval_group.command("extraction")
    @click.option("--gold", type=click.Path(path_type=Path), default=Path("eval/obligations-dev.jsonl"),
                  show_default=True, help="Gold obligations (JSON Lines; see eval/SCHEMA.md).")
    @click.option("--corpus", type=click.Path(path_type=Path, file_okay=False),
                  help="Parse this folder (manifest.yaml) instead of using the store.")
    @click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
    @click.option("--brief", is_flag=True, help="Figures only, without the lists of misses and false positives.")
    @click.option("--no-model", is_flag=True,
                  help="Extract without the embedding model (topics the duty's words do not name stay unset).")
    def eval_extraction_command(gold: Path, corpus: Path | None, as_json: bool, brief: bool, no_model: bool) -> None:
        """Precision/recall/F1 of extracted timescales, and anchor/topic/actor accuracy, against gold."""
        from extractors.evaluate import evaluate_extraction, evaluate_extraction_corpus

        encode = None if no_model else _encoder(load_settings())
        if encode is not None:
            encode(["warm up"])  # the model's first call is slow: keep it out of the speed figure
        if corpus is not None:
            report = evaluate_extraction_corpus(corpus, gold, encode=encode)
        else:
            report = evaluate_extraction(_connect(), gold, encode=encode)
        if as_json:
            click.echo(json.dumps(report.as_dict(), indent=2))
        else:
            click.echo(report.to_text(show_details=not brief))
        sys.stdout.flush()

    @eval_group.command("sample")
    @click.option("--n", "n", type=int, default=100, show_default=True, help="How many obligations to draw.")
    @click.option("--seed", type=int, required=True, help="Random seed (the same seed and code draw the same sample).")
    @click.option("--conflicts", "n_conflicts", type=int, default=None,
                  help="How many of the reported conflicts to list (default 40).")
    @click.option("--corpus", type=click.Path(path_type=Path, file_okay=False),
                  help="Folder with manifest.yaml (default: the configured corpus, STANDARDS_CORPUS_DIR).")
    @click.option("--other-authorities", "other", type=click.Path(path_type=Path, file_okay=False),
                  default=Path("../shared/eval/other-authorities"), show_default=True,
                  help="The other authorities' excerpts (docs/ and manifest-*.jsonl), read in place.")
    @click.option("--no-other-authorities", "no_other", is_flag=True, help="Sample the corpus only.")
    @click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                  help="Write the sample here (YAML); default: print it.")
    def eval_sample_command(n, seed, n_conflicts, corpus, other, no_other, output) -> None:
        """Draw a random sample of extracted obligations (and conflicts) for a blind reader to judge."""
        from extractors.judged import DEFAULT_CONFLICTS, draw_sample, source_documents, write_sample
        from ingest.errors import StandardsError

        settings = load_settings()
        other_dir = None if no_other else other
        if other_dir is not None and not other_dir.is_dir():
            raise click.ClickException(f"{other_dir}: no such folder (the other authorities' excerpts). "
                                       "Pass --other-authorities DIR or --no-other-authorities.")
        try:
            docs = source_documents(corpus or settings.corpus_dir, other_dir)
            sample = draw_sample(docs, n, seed, DEFAULT_CONFLICTS if n_conflicts is None else n_conflicts,
                                 encode=_encoder(settings))
        except StandardsError as exc:
            raise click.ClickException(exc.message) from None
        text = write_sample(sample, output)
        if output is None:
            click.echo(text, nl=False)
        else:
            click.echo(f"Wrote {len(sample.items)} of {sample.population} obligations and "
                       f"{len(sample.conflicts)} of {sample.conflict_population} conflicts "
                       f"from {sample.documents} documents to {output}. Reading instructions are at its top "
                       "(and in eval/judged/README.md).")

    @eval_group.command("judged")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
    def eval_judged_command(file: Path, as_json: bool) -> None:
        """Score a judged sample: each field right/applicable, every field right, conflicts judged real."""
        from extractors.judged import score_judged
        from ingest.errors import StandardsError

        try:
            report = score_judged(file)
        except StandardsError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.to_text())


def _encoder(settings):
    """The embedding model's ``encode`` for extraction's topic similarity, or None before it exists.

    Extraction takes the callable (it must not import index/); loaded once for the whole sample.
    """
    import inspect

    from extractors.obligations import extract_obligations

    if "encode" not in inspect.signature(extract_obligations).parameters:
        return None
    from index.embedder import load_embedder

    return load_embedder(settings).encode


def register_calibrate(cli: click.Group) -> None:
    """`standards eval calibrate`: the similarity thresholds' provenance, re-measured."""
    from service.commands.eval_group import eval_group

    @eval_group.command("calibrate")
    @click.option("--gold", type=click.Path(path_type=Path), default=Path("eval/obligations-dev.jsonl"),
                  show_default=True, help="Gold obligations (JSON Lines; see eval/SCHEMA.md).")
    @click.option("--corpus", type=click.Path(path_type=Path, file_okay=False), default=None,
                  help="Folder with manifest.yaml (default: the configured corpus).")
    def eval_calibrate_command(gold: Path, corpus: Path | None) -> None:
        """Right/wrong similarity decisions per threshold on the gold obligations (topics, anchors)."""
        from extractors.calibrate import calibrate
        from index.embedder import load_embedder

        settings = load_settings()
        topic, anchor = calibrate(corpus or settings.corpus_dir, gold, load_embedder(settings).encode)
        click.echo(topic.to_text())
        click.echo(anchor.to_text())
