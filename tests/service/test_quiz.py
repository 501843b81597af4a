"""Quizzes generated from the shipped corpus: right answers match their cited clauses."""

from __future__ import annotations

import io
import json
import random
import re

import docx
import pytest
from click.testing import CliRunner

from extractors.store import load_obligations
from ingest.errors import BadRequestError, UnknownAuthorityError, UnknownRoleError
from ingest.store import authorities, get_clause
from service.exports import quiz_docx, quiz_markdown, render_quiz
from service.induction import known_roles, roles_of_obligation, roles_with_obligations
from service.quiz import Figure, build_quiz, equivalent, figure_of, pick_distractors

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {
    n: _UNITS[n] if n < 20 else _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _UNITS[n % 10])
    for n in range(1, 100)
}
# Frequencies written as one word ("fortnightly", "monthly") carry their figure in the word.
FREQUENCY_WORDS = {
    (1, "week"): ("weekly", "every week", "each week", "a week"),
    (2, "week"): ("fortnight", "two weeks", "2 weeks", "two-weekly", "2-weekly", "bi-weekly"),
    (1, "month"): ("monthly", "every month", "each month", "a month", "calendar month"),
    (1, "year"): ("annual", "annually", "every year", "a year", "yearly", "twelve months", "12 months"),
    (12, "month"): ("annual", "annually", "every year", "a year", "yearly"),
    (6, "month"): ("twice a year", "six monthly", "6 monthly", "six-monthly", "6-monthly", "six months"),
    (3, "month"): ("three monthly", "3 monthly", "quarterly", "three-monthly", "3-monthly"),
    (1, "term"): ("termly", "each term", "every term", "academic term", "per term", "a term"),
    (1, "day"): ("daily", "one day", "a day", "same day", "next day"),
}


def _figure_in_clause(fig: Figure, clause_text: str) -> bool:
    """The cited clause states this figure: the number as digits or words, or a frequency word."""
    text = clause_text.lower().replace("**", "")
    values = [fig.value] + ([fig.value_max] if fig.value_max else [])
    for value in values:
        n = int(value)
        found = re.search(rf"(?<![\d.]){n}(?![\d])", text) or (
            n in NUMBER_WORDS and re.search(rf"\b{NUMBER_WORDS[n].replace('-', '[ -]')}\b", text)
        )
        if not found and not any(w in text for w in FREQUENCY_WORDS.get((n, fig.unit), ())):
            return False
    return True


@pytest.fixture(scope="module")
def quizzes(corpus_conn):
    return {a: build_quiz(corpus_conn, a, n=20, seed=7) for a in authorities(corpus_conn)}


def test_every_authority_gets_a_full_quiz(quizzes):
    assert {"Dudley", "Wiltshire", "Sandwell", "Wokingham"} <= set(quizzes)
    for authority, quiz in quizzes.items():
        assert quiz.authority == authority
        assert 5 <= len(quiz.items) <= 20, (authority, len(quiz.items))
        assert [i.number for i in quiz.items] == list(range(1, len(quiz.items) + 1))
        assert len({i.question for i in quiz.items}) == len(quiz.items), "no question asked twice"


def test_answers_match_the_cited_clause_and_distractors_differ(corpus_conn, quizzes):
    obligations = {o.id: o for o in load_obligations(corpus_conn)}
    checked = 0
    for quiz in quizzes.values():
        for item in quiz.items:
            ob = obligations[item.obligation_id]
            fig = figure_of(ob)
            assert item.answer == fig.words()
            assert item.authority == quiz.authority and quiz.authority in item.question
            clause = get_clause(corpus_conn, item.clause_id)
            assert clause is not None and clause.id == ob.citation.clause_id
            assert _figure_in_clause(fig, clause.text), (item.answer, clause.text)
            assert ob.timescale.phrase in clause.text
            if clause.clause_ref:
                assert clause.clause_ref in item.citation
            # Four options, all different; no distractor is the answer or the same duration.
            assert len(item.options) == 4 and len(set(item.options)) == 4
            wrong = [o for i, o in enumerate(item.options) if i != item.answer_index]
            assert item.answer not in wrong
            checked += 1
    assert checked >= 40


def test_no_distractor_is_an_equivalent_duration(corpus_conn):
    quiz = build_quiz(corpus_conn, "Wokingham", n=200, seed=3)
    obligations = {o.id: o for o in load_obligations(corpus_conn)}
    words_to_figure = {}
    for ob in obligations.values():
        fig = figure_of(ob)
        if fig:
            words_to_figure.setdefault(fig.words(), fig)
    for item in quiz.items:
        right = figure_of(obligations[item.obligation_id])
        for i, option in enumerate(item.options):
            if i == item.answer_index:
                continue
            other = words_to_figure.get(option)
            if other is not None:
                assert not equivalent(other, right), (item.question, option, item.answer)


def test_pick_distractors_never_returns_the_answer_or_duplicates():
    rng = random.Random(1)
    right = Figure("deadline", 10, "working_day")
    tiers = [
        ([(Figure("deadline", 10, "working_day"), "same"), (Figure("deadline", 2, "week"), "equivalent"),
          (Figure("deadline", 15, "working_day"), "a"), (Figure("deadline", 15, "working_day"), "b")], 3),
        ([(Figure("deadline", 10, "day"), "swap")], 1),
        ([(Figure("deadline", 5, "working_day"), "n"), (Figure("deadline", 20, "working_day"), "n")], 3),
    ]
    picked = pick_distractors(right, tiers, rng)
    words = [f.words() for f, _ in picked]
    assert len(words) == 3 and len(set(words)) == 3
    assert "within 10 working days" not in words and "within 2 weeks" not in words
    assert "within 15 working days" in words and "within 10 days" in words


def test_same_seed_same_quiz(corpus_conn):
    first = build_quiz(corpus_conn, "Dudley", n=8, seed=11).to_dict()
    again = build_quiz(corpus_conn, "Dudley", n=8, seed=11).to_dict()
    assert first == again
    other = build_quiz(corpus_conn, "Dudley", n=8, seed=12).to_dict()
    assert other != first


def test_role_quiz_asks_only_about_the_role(corpus_conn):
    quiz = build_quiz(corpus_conn, "Wokingham", role="SW", n=50, seed=0)
    assert quiz.role == "Social Worker" and quiz.items
    obligations = {o.id: o for o in load_obligations(corpus_conn, authority="Wokingham")}
    for item in quiz.items:
        ob = obligations[item.obligation_id]
        assert "Social Worker" in roles_of_obligation(ob, get_clause(corpus_conn, ob.clause_id))


def test_empty_cases_give_their_message(corpus_conn):
    owners = roles_with_obligations(corpus_conn, "Dudley")
    idle = [r for r in known_roles() if r not in owners]
    with pytest.raises(UnknownRoleError) as err:
        build_quiz(corpus_conn, "Dudley", role=idle[0])
    assert "Roles with obligations in Dudley" in err.value.message and owners[0] in err.value.message
    with pytest.raises(UnknownAuthorityError) as err:
        build_quiz(corpus_conn, "Narnia")
    assert "Dudley" in err.value.message
    with pytest.raises(BadRequestError):
        build_quiz(corpus_conn, "Dudley", n=0)


def test_renderings_carry_questions_and_answer_key(quizzes):
    quiz = quizzes["Wokingham"]
    document = docx.Document(io.BytesIO(quiz_docx(quiz)))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Questions") in headings and ("Heading 1", "Answer key") in headings
    assert sum(1 for s, _ in headings if s == "Heading 2") == len(quiz.items)
    key = document.tables[0]
    assert len(key.rows) == len(quiz.items) + 1
    for row, item in zip(key.rows[1:], quiz.items, strict=True):
        assert row.cells[1].text == f"{item.answer_letter}. {item.answer}"
        assert row.cells[2].text == item.citation

    md = quiz_markdown(quiz)
    assert md.count("### Question ") == len(quiz.items)
    assert len(re.findall(r"^\d+\. \*\*[A-D]\. ", md, flags=re.M)) == len(quiz.items)

    data = json.loads(render_quiz(quiz, "json").content)
    assert [i["answer"] for i in data["items"]] == [i.answer for i in quiz.items]
    assert all(i["citation"] and len(i["options"]) == 4 for i in data["items"])


def test_cli_quiz(corpus_env, tmp_path):
    from service.cli import cli

    out = tmp_path / "quiz.json"
    result = CliRunner().invoke(
        cli, ["quiz", "--authority", "Wokingham", "--n", "5", "--format", "json", "-o", str(out)], env=corpus_env
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["items"]) == 5
    bad = CliRunner().invoke(cli, ["quiz", "--authority", "Narnia"], env=corpus_env)
    assert bad.exit_code == 1 and "authority 'Narnia'" in bad.output and "Wokingham" in bad.output
