"""Round ten of the duty frame: whose a duty is under a heading naming one particular service.
Sentences and headings are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from extractors.records import Obligation
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def _extract(text: str, headings: list[str] | None = None, row: str | None = None) -> list[Obligation]:
    return extract_obligations([_clause(text, headings, row)], text)


# --- a heading's particular part naming a service outranks its general part's generic role ------
def test_i_will_under_a_named_therapy_is_that_services_practitioner():
    obligations = _extract("I will write up each music therapy session on the system within 2 working days.",
                           ["C - SUPPORT", "C3 Targeted Services - Music Therapy"])
    assert obligations and obligations[0].actor == "Music Therapy practitioner"
    # A particular part naming a service the taxonomy knows keeps that service's role, and one
    # naming the children is not a service of its own.
    obligations = _extract("I will complete the court report within 10 working days of the hearing.",
                           ["Part 2: Targeted Services", "Targeted Services - Youth Offending Service"])
    assert obligations and obligations[0].actor == "Youth Offending worker"
    obligations = _extract("I will visit each family within 10 working days of allocation.",
                           ["Part 2", "Targeted Services - Children in Need Team"])
    assert obligations and not obligations[0].actor.startswith("Children in Need")


def test_a_duty_naming_no_one_under_a_named_team_is_that_teams():
    obligations = _extract("A case review meeting will be held within 10 working days of the first session.",
                           ["C - SUPPORT", "C4 Targeted Services \u2013 The Harbour (Healthy Relationships) Team"])
    assert obligations and obligations[0].actor == "Harbour Team"
