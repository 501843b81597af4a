"""`standards ask`, `standards chat` and the answer evaluations (`eval qa`, `eval fit-answer`).

The commands render the same ``Answer`` record the API returns (``service/records.py``);
they never build an answer themselves.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

# Width the CLI wraps quoted text to.
WRAP = 100


def _state():
    from service.state import load_state

    return load_state()


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def render_answer(answer) -> str:
    """An ``Answer`` as readable text: notes, statements, then the sources (or nearest clauses)."""
    out = [answer.answer]
    sources = answer.nearest if answer.abstained else answer.citations
    if sources:
        out.append("\nNearest clauses:" if answer.abstained else "\nSources:")
        for c in sources:
            out.append(f"  [{c.label}] ({c.document}, id {c.clause_id})")
            out.append(textwrap.indent(textwrap.fill(" ".join(c.text.split()), WRAP), "      "))
    return "\n".join(out)


def _ask_once(state, question: str, authorities: tuple[str, ...], history: list[str]):
    from service.answer import ask, check_history, check_question
    from service.query import resolve_authorities

    text = check_question(question)
    notes: list[str] = []
    names = resolve_authorities(state, list(authorities), notes)
    return ask(state, text, authorities=names or None, history=check_history(history), notes=notes)


def register(cli: click.Group) -> None:
    @cli.command("ask")
    @click.argument("question")
    @click.option("--authority", "-a", "authorities", multiple=True, help="Only this authority (repeatable; names or aliases).")
    @click.option("--history", "-H", "history", multiple=True,
                  help="An earlier question of the conversation (repeatable, oldest first): a follow-up such as "
                       "'and in Wokingham?' takes what it lacks from them.")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of readable text.")
    def ask_command(question: str, authorities: tuple[str, ...], history: tuple[str, ...], as_json: bool) -> None:
        """Answer a question from the standards, with citations (or say they do not answer it).

        Example: standards ask "when must the first core group meet in Wokingham?"
        """
        state = _state()
        answer = _ask_once(state, question, authorities, list(history))
        if as_json:
            _echo_json(answer.to_dict())
            return
        click.echo(render_answer(answer))

    @cli.command("chat")
    @click.option("--authority", "-a", "authorities", multiple=True, help="Only this authority (repeatable).")
    def chat_command(authorities: tuple[str, ...]) -> None:
        """Ask questions one after another; follow-ups ("and in Wokingham?", "who chairs it?") use
        the conversation. An empty line or Ctrl-D ends it; "/new" starts a new conversation."""
        state = _state()
        history: list[str] = []
        click.echo("Ask about the standards held (an empty line ends; /new forgets the conversation).")
        while True:
            try:
                line = input("> ")
            except EOFError:
                break
            question = line.strip()
            if not question:
                break
            if question == "/new":
                history = []
                click.echo("(new conversation)")
                continue
            from ingest.errors import StandardsError

            try:
                answer = _ask_once(state, question, authorities, history)
            except StandardsError as exc:
                click.echo(f"Error: {exc.message}")
                continue
            click.echo(render_answer(answer) + "\n")
            history.append(question)

    group = _eval_group(cli)

    @group.command("qa")
    @click.option("--gold", type=click.Path(path_type=Path), default=Path("eval/qa-dev.jsonl"), show_default=True,
                  help="Gold questions (JSON Lines, see eval/SCHEMA.md).")
    @click.option("--baseline", type=click.Choice(["top-hit"]), default=None,
                  help="Score the baseline instead: hybrid search's top clause per authority asked about, never abstaining.")
    @click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
    def eval_qa_command(gold: Path, baseline: str | None, as_json: bool) -> None:
        """Score `ask` on gold questions (follow-ups sent with their history): accuracy per kind,
        failures with the answer given."""
        from service.evaluate_qa import evaluate_qa

        report = evaluate_qa(_state(), gold, baseline=baseline == "top-hit")
        if as_json:
            _echo_json(report)
            return
        click.echo(_report_text(report))
        if report["unanswerable_answered"] and not baseline:
            sys.exit(1)

    @group.command("other-authorities")
    @click.option("--dir", "oa_dir", type=click.Path(path_type=Path, file_okay=False),
                  default=Path("../shared/eval/other-authorities"), show_default=True,
                  help="Folder with docs/, manifest-*.jsonl and qa-*.jsonl.")
    @click.option("--store", type=click.Path(path_type=Path, file_okay=False), default=None,
                  help="Build (or reuse) the throwaway store here instead of a temporary folder.")
    @click.option("--baseline/--no-baseline", default=True, show_default=True,
                  help="Also score the top-hit baseline on the same questions.")
    @click.option("--json", "as_json", is_flag=True, help="Print the full reports as JSON.")
    @click.option("--failures", is_flag=True, help="List the answer layer's failures.")
    def eval_other_authorities_command(oa_dir: Path, store: Path | None, baseline: bool, as_json: bool,
                                       failures: bool) -> None:
        """Score `ask` on other authorities' questions: a throwaway store holds the shipped corpus and
        every excerpt under its manifest authority (read in place); each qa-*.jsonl is scored by the
        answer layer and by the top-hit baseline, side by side."""
        import dataclasses
        import tempfile

        from ingest.settings import load_settings
        from service.evaluate_qa import evaluate_other_authorities

        settings = load_settings()
        with tempfile.TemporaryDirectory(prefix="standards-oa-") as tmp:
            data = store or Path(tmp)
            # A scratch SQLite store in that folder, even when STANDARDS_DATABASE_URL is set: the
            # excerpts never go into the shared database, and the store read is the one built.
            run = dataclasses.replace(settings, data_dir=data, database_url="")
            result = evaluate_other_authorities(run, oa_dir, settings.corpus_dir, (False, True) if baseline else (False,))
        if as_json:
            _echo_json(result)
            return
        click.echo(f"Store: shipped corpus + {result['documents']} documents ingested"
                   + (f"; {len(result['failed'])} failed: {result['failed']}" if result["failed"] else "") + ".")
        click.echo(f"  {'questions':<52} {'mode':<17} {'all':>11} {'answerable':>12} {'unans.answered':>15} {'ms/q':>6}")
        for r in result["reports"]:
            click.echo(f"  {r['gold']:<52} {r['mode']:<17} {r['correct']:>3}/{r['total']:<3} {r['accuracy']:.3f}"
                       f" {r['answerable_correct']:>4}/{r['answerable_total']:<3}"
                       f" {r['unanswerable_answered']:>15} {r['mean_latency_ms']:>6.1f}")
        if failures:
            for r in result["reports"]:
                if r["mode"] == "answer layer":
                    click.echo("\n" + _report_text(r))

    @group.command("fit-answer")
    @click.option("--gold", "golds", multiple=True, type=click.Path(path_type=Path),
                  default=(Path("eval/qa-dev.jsonl"), Path("../shared/eval/qa-open-dev.jsonl")), show_default=True,
                  help="Development questions to fit on (repeatable). Never other authorities' questions.")
    @click.option("--free", "free", multiple=True,
                  help="Fit only these weights (repeatable), keeping the others as they are: fewer free weights "
                       "carry better to unseen documents. Default: every weight.")
    @click.option("--write", is_flag=True, help="Store the fitted weights in service/answer_weights.yaml.")
    def fit_answer_command(golds: tuple[Path, ...], free: tuple[str, ...], write: bool) -> None:
        """Fit the answer layer's feature weights and abstention threshold on development questions,
        and print the threshold's precision/recall table."""
        from service.answer_fit import run_fit, write_weights
        from service.evidence import DEFAULT_WEIGHTS, FEATURES

        unknown = [name for name in free if name not in FEATURES]
        if unknown:
            raise click.UsageError(f"Unknown weight(s) {', '.join(unknown)}; choose from {', '.join(FEATURES)}.")
        for path in golds:
            if "other-authorities" in Path(path).parts:
                raise click.UsageError("Other authorities' questions measure generalisation; never fit on them.")
        report = run_fit(_state(), list(golds), DEFAULT_WEIGHTS, free=free or None)
        weights = report["weights"]
        click.echo(f"{report['examples']} authority answers from {len(golds)} file(s); right sentence first for "
                   f"{report['top1']}/{report['answerable']} (MRR {report['mrr']:.3f}).")
        click.echo("Weights:")
        for name, value in weights.as_dict().items():
            click.echo(f"  {name:<20} {value:g}")
        click.echo("\nAbstention threshold on the development questions (precision = right / all answers given;"
                   "\nrecall = right / expected answers):")
        click.echo(f"  {'threshold':>9}  {'right':>5}  {'wrong':>5}  {'withheld':>8}  {'unans.answered':>14}  "
                   f"{'precision':>9}  {'recall':>6}")
        for row in report["table"]:
            mark = "  <- chosen" if report["chosen"] is row else ""
            click.echo(f"  {row.threshold:9.3f}  {row.right:5d}  {row.wrong:5d}  {row.withheld:8d}  "
                       f"{row.unanswerable_answered:14d}  {row.precision:9.3f}  {row.recall(report['answerable']):6.3f}"
                       f"{mark}")
        click.echo(f"\nChosen threshold: {weights.threshold:g}")
        if write:
            write_weights(weights, report["provenance"])
            click.echo("Written to service/answer_weights.yaml.")


def _report_text(report: dict) -> str:
    lines = [f"QA evaluation on {report['gold']}: {report['correct']}/{report['total']} = {report['accuracy']:.3f}"]
    for kind, r in report["per_kind"].items():
        lines.append(f"  {kind:<13} {r['correct']:>3}/{r['total']:<3} {r['accuracy']:.3f}")
    lines.append(f"  unanswerable questions answered with a figure: {report['unanswerable_answered']}")
    floor = report.get("mean_floor_ms") or 0.0
    ratio = f" = {report['mean_latency_ms'] / floor:.1f}x the floor" if floor else ""
    lines.append(f"  mean time per question: {report['mean_latency_ms']:.1f} ms in process; floor (one query "
                 f"embedding + one hybrid search, same run) {floor:.1f} ms{ratio}")
    for f in report["failures"]:
        lines.append(f"\nFAIL {f['id']} ({f['kind']}): {f['question']}")
        lines.extend(f"  - {reason}" for reason in f["reasons"])
        lines.append(textwrap.indent(f["answer"], "  > "))
    return "\n".join(lines)


def _eval_group(cli: click.Group) -> click.Group:
    """The shared `eval` group (service/commands/eval_group.py), registered once."""
    from service.commands.eval_group import eval_group

    if "eval" not in cli.commands:
        cli.add_command(eval_group)
    return eval_group
