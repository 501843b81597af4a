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
from service.records import ROLE_FILTER_MEANING, duty_label


def _connect():
    from ingest import store

    return store.connect(load_settings().database)


_CSV_FIELDS = ["id", "authority", "document", "section", "clause_ref", "topic", "duty", "label", "actor", "owners",
               "cohort", "qualifiers", "phase", "modality", "kind", "value", "unit", "anchor", "anchor_text",
               "anchor_relation", "hedge", "description", "phrase", "conditions", "action", "clause_id",
               "sentence_id", "start", "end", "quote"]


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
                "clause_ref": c["clause_ref"], "topic": e["topic"], "duty": e["duty"], "label": e["label"],
                "actor": e["actor"], "owners": "; ".join(e["owners"]), "cohort": e["cohort"],
                "qualifiers": "; ".join(e["qualifiers"]), "phase": e["phase"], "modality": e["modality"],
                "kind": t["kind"], "value": _num(t["value"]), "unit": t["unit"], "anchor": t["anchor"],
                "anchor_text": t["anchor_text"], "anchor_relation": t["anchor_relation"], "hedge": t["hedge"],
                "description": e["description"], "phrase": t["phrase"], "conditions": e["conditions"],
                "action": e["action"], "clause_id": e["clause_id"], "sentence_id": e["sentence_id"],
                "start": c["start"], "end": c["end"], "quote": c["quote"],
            })
        return buf.getvalue()
    lines = [f"Note: {n}" for n in result.notes]
    if not result.obligations:
        return "\n".join(lines + ["No obligations match. (Ingest documents first: standards ingest corpus/)"]) + "\n"
    for v in result.obligations:
        o = v.obligation
        lines.append(f"{o.authority:<10} {duty_label(o) or '(no action)':<36} {v.description}")
        qualifiers = f" ({', '.join(o.qualifiers)})" if o.qualifiers else ""
        lines.append(f"{'':<10} topic: {o.topic or '-'}; owned by: {', '.join(v.owners) or '-'}; "
                     f"cohort: {o.cohort or '-'}{qualifiers}; {o.modality or '-'}"
                     f"{'; ' + o.phase if o.phase else ''}{'; if ' + o.conditions if o.conditions else ''}")
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
        lines.append(f"{c.conflict.authority} [{c.conflict.kind}]: {c.conflict.reason}")
        if c.conflict.same_duty:
            lines.append(f"    same duty: {c.conflict.same_duty}")
        for v in c.obligations:
            lines.append(f"    {v.description} [{v.citation_label}] {v.obligation.citation.quote[:150]}")
    real = sum(c.conflict.kind == "conflict" for c in result.conflicts)
    equivalent = len(result.conflicts) - real
    lines.append(f"\n{real} conflict(s)" + (f", {equivalent} equivalent(s)." if equivalent else "."))
    return "\n".join(lines) + "\n"


def register(cli: click.Group) -> None:
    from service.commands.eval_group import eval_group
    from service.commands.eval_group import register as register_eval

    register_eval(cli)  # idempotent: whichever module loads first creates the group
    register_calibrate(cli)

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
    @click.option("--equivalent", is_flag=True,
                  help="Also list the same duty's time worded differently (kind 'equivalent').")
    def conflicts_command(authority, topic, as_json, equivalent) -> None:
        """Where one authority's documents give different timescales for the same duty."""
        from service.query import conflicts, open_source

        result = conflicts(open_source(), authority=authority, topic=topic, include_equivalent=equivalent)
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
        for sweep in calibrate(corpus or settings.corpus_dir, gold, load_embedder(settings).encode):
            click.echo(sweep.to_text())
