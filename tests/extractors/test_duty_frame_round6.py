"""Round six of the duty frame: what is not a duty. Sentences are written for these tests (not
taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def _phrases(text: str, headings: list[str] | None = None, row: str | None = None) -> list[str]:
    return [o.timescale.phrase for o in extract_obligations([_clause(text, headings, row)], text)]


# --- a share of the cases is a performance expectation, not a duty ------------------------------
def test_most_cases_within_a_time_is_an_expectation_not_a_duty():
    assert _phrases("We expect that most reviews will be held within four weeks of the request.") == []
    assert _phrases("The majority of plans are signed off within ten working days of the meeting.") == []


def test_each_case_within_a_time_stays_a_duty():
    assert _phrases("All reviews will be held within four weeks of the request.") == ["within four weeks"]
    # "most" on something other than the duty's subject does not make it a share of cases.
    assert _phrases("In most cases the plan must be signed off within ten working days.") \
        == ["within ten working days"]
