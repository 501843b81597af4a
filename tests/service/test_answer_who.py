"""Who does a duty: a "who" question is answered by a sentence naming the person, or by a table's
role column only when the sentence is about what the question asks the person to do.

A table row ("Allotment plots | Plots will be inspected ... | Team Manager") says who holds the
row's duty. It answers "who inspects the plots", naming the role, but never "who chairs the
conference" when the row only mentions the conference. A relative "who" ("a plot holder who
is ill") does not make a question ask who.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.question import asked_action, what_is_asked
from tests.one_document import one_document_settings

# Made for this test, laid out as a two-column table exported to text (one cell per line, a
# tab before each): the row's subject, its standard, the role responsible.
DOCUMENT = (
    "Testshire Garden Standards\n\n"
    "Inspections\n\n"
    "\tAllotment plots\n"
    "\t· Plots will be inspected at least every 4 weeks.\n"
    "\tTeam Manager\n\n"
    "\tHedges\n"
    "\t· Hedges will be cut every 6 weeks as agreed with the Service Manager.\n"
    "\tTeam Manager\n\n"
    "\tCommunity orchards\n"
    "\t· Trees will be pruned within 2 weeks of the annual orchard conference.\n"
    "\tTeam Manager\n"
)


@pytest.mark.parametrize(("text", "asks"), [
    ("In Testshire, when must a plot holder who is ill be visited?", "when"),
    ("How often are tenants whose plots are empty contacted?", "how_often"),
    ("Who chairs the orchard conference?", "who"),
    ("In Testshire, who chairs the orchard conference?", "who"),
    ("and who signs it off?", "who"),
    ("For a plot holder who is ill, who must visit?", "who"),
])
def test_a_relative_who_does_not_ask_who(text: str, asks: str) -> None:
    assert what_is_asked(text)[0] == asks


@pytest.mark.parametrize(("text", "action"), [
    ("Who chairs the orchard conference?", "chair"),
    ("Which manager inspects the plots?", "inspe"),
    ("Who is responsible for the plots?", ""),
    ("Whose job is it to prune the trees?", ""),
])
def test_the_action_a_who_question_asks_about(text: str, action: str) -> None:
    assert asked_action(text) == action


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Iterator[object]:
    from service.state import load_state

    data = tmp_path_factory.mktemp("who") / "data"
    with one_document_settings(data, "testshire-gardens.txt", DOCUMENT, "Testshire Garden Standards") as settings:
        yield load_state(settings)


# The row is about what is asked (inspecting); or the question asks who is responsible, and
# the sentence names another role ("as agreed with the Service Manager").
@pytest.mark.slow
@pytest.mark.parametrize(("question", "stated"), [
    ("Who inspects the allotment plots in Testshire?", "inspected at least every 4 weeks"),
    ("Who is responsible for cutting the hedges in Testshire?", "Hedges will be cut"),
])
def test_the_role_column_names_who_does_the_rows_duty(state, question: str, stated: str) -> None:
    from service.answer import ask

    answer = ask(state, question)
    assert not answer.abstained, answer.answer
    first = answer.statements[0]
    assert stated in first.sentence
    assert "responsible: Team Manager" in first.qualifiers


@pytest.mark.slow
def test_the_role_column_does_not_say_who_chairs_an_event_the_row_only_mentions(state) -> None:
    from service.answer import ask

    answer = ask(state, "Who chairs the annual orchard conference in Testshire?")
    assert answer.abstained, answer.answer
    assert "Team Manager" not in answer.answer.split("You may want to look at")[0]
    # nearest clauses under one heading are one place to look, named once
    [places] = [line for line in answer.answer.splitlines() if line.startswith("You may want to look at: ")]
    labels = places.removeprefix("You may want to look at: ").rstrip(".").split("; ")
    assert len(labels) == len(set(labels)), places
