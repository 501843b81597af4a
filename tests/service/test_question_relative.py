"""A relative clause that only says what someone is names the same cohort as the short form.

"A child who is in care" and "a child in care" ask about the same children; the taxonomy writes
the short form. The parser finds the relative pronoun and the forms of "be" that only link the
noun to what it is, and the question is read without them. Any other verb ("who has been
adopted") is left as written.
"""

from __future__ import annotations

import pytest

from extractors.taxonomy import load_taxonomy
from service.question import fold_relative_copulas, understand
from service.resolver import Resolver

# Written for this test: pairs of one question in both wordings.
PAIRS = [
    ("How often is a child who is in care visited in Testshire?",
     "How often is a child in care visited in Testshire?"),
    ("How often are children who are looked after visited in Testshire?",
     "How often are children looked after visited in Testshire?"),
    ("What must be written down for a baby that is being accommodated in Testshire?",
     "What must be written down for a baby accommodated in Testshire?"),
]


@pytest.fixture(scope="module")
def reading():
    taxonomy = load_taxonomy()
    resolver = Resolver({"Testshire": []}, taxonomy)
    return lambda text: understand(text, resolver, taxonomy)


@pytest.mark.parametrize(("long", "short"), PAIRS)
def test_a_linking_relative_clause_reads_as_the_short_form(reading, long: str, short: str) -> None:
    assert fold_relative_copulas(long) == short
    a, b = reading(long), reading(short)
    assert a.cohort is not None
    assert (a.cohort, a.topics) == (b.cohort, b.topics)


def test_a_child_who_is_in_care_names_the_visit_topic_and_cohort(reading) -> None:
    question = reading("How often is a child who is in care visited in Testshire?")
    assert question.cohort == "children in care"
    assert "child in care visit" in question.topics


@pytest.mark.parametrize("text", [
    "How often is a child who has been adopted seen in Testshire?",  # another auxiliary
    "Who is responsible for the plan in Testshire?",  # a question word, not a relative pronoun
    "Which child is in care in Testshire?",
])
def test_other_relative_clauses_and_question_words_are_left_as_written(text: str) -> None:
    assert fold_relative_copulas(text) == text
