"""Whom a duty is about when the sentence leaves a group out ("except", "unless", "other than"),
the qualifiers a table row's label gives, and conditions that are whole (not stray fragments).
Sentences are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document, or
the scope functions on a sentence parsed by the real parser.
"""

from __future__ import annotations

from one_clause import extract_one

from extractors.scope import exception_scopes, tidy_condition


def _by_figure(text: str, headings: list[str] | None = None, row: str | None = None) -> dict:
    obligations = extract_one(text, headings or ["Visits"], row)
    assert obligations, text
    return {o.timescale.phrase: o for o in obligations}


# --- the group after an exception word is not the cohort ------------------------------------------
def test_an_unless_group_is_the_exception_not_the_cohort():
    o = _by_figure(
        "Every eight weeks in the first year unless the child is placed for adoption.",
        row="Children who are looked after",
    )["Every eight weeks"]
    assert o.cohort != "children placed for adoption"
    assert o.conditions and o.conditions.startswith("unless")


def test_an_except_group_is_left_out_and_kept_as_the_exception():
    found = _by_figure(
        "All children will be visited every 6 weeks, except for those placed for adoption "
        "where it is every 3 months."
    )
    main = found["every 6 weeks"]
    assert main.cohort in (None, "all children")
    assert main.conditions == "except for those placed for adoption"
    assert "children placed for adoption" not in main.qualifiers


def test_a_figure_stated_inside_the_exception_is_that_groups():
    found = _by_figure(
        "All children will be visited every 6 weeks, except for those placed for adoption "
        "where it is every 3 months."
    )
    later = found["every 3 months"]
    assert later.cohort == "children placed for adoption"
    assert later.conditions == "for those placed for adoption"


def test_other_than_leaves_the_group_out_of_the_qualifiers():
    o = _by_figure(
        "Children in care, other than those in long-term foster care, will be visited every 6 weeks."
    )["every 6 weeks"]
    assert o.cohort == "children in care"
    assert o.conditions == "other than those in long-term foster care"


def test_an_exception_in_brackets_is_the_circumstance_of_its_own_figure():
    o = _by_figure(
        "The plan is agreed before the move (except in emergency moves when it must be agreed "
        "within 3 days of the move).",
        ["Placements"],
    )["within 3 days"]
    assert o.conditions == "in emergency moves"


def test_exception_scopes_read_from_the_parse():
    scopes = exception_scopes(
        "Children in care, apart from those placed with relatives, are seen every 6 weeks."
    )
    assert [s.text for s in scopes] == ["apart from those placed with relatives"]
    assert scopes[0].group == "those placed with relatives"
    scopes = exception_scopes("Visits are weekly for all children excluding those on a care order.")
    assert [s.group for s in scopes] == ["those on a care order"]
    assert exception_scopes("All children are visited every 6 weeks.") == ()


def test_a_clause_coordinated_with_its_own_opener_is_not_part_of_the_exception():
    scopes = exception_scopes(
        "Every two months unless agreed as a settled home and once agreed, every four months."
    )
    assert [s.text for s in scopes] == ["unless agreed as a settled home"]


# --- a table row's label says which children, whole ----------------------------------------------
def test_a_row_label_keeps_its_qualifier_whole():
    o = _by_figure(
        "Visits happen at least every 8 weeks.",
        row="Children made subject to a Care Order and placed with relatives",
    )["at least every 8 weeks"]
    assert o.cohort == "children in care"
    assert "made subject to a Care Order and placed with relatives" in o.qualifiers


def test_a_row_about_two_homes_keeps_them():
    o = _by_figure(
        "Visits happen at least every 10 weeks.",
        row="Children in more than one placement - a boarding school and a children's home",
    )["at least every 10 weeks"]
    assert any(q.startswith("in more than one placement") for q in o.qualifiers)


def test_a_row_naming_only_the_cohort_adds_no_qualifier():
    o = _by_figure("Visits happen at least every 8 weeks.", row="Children subject to a care order")[
        "at least every 8 weeks"
    ]
    assert o.cohort == "children in care"
    assert o.qualifiers == []


# --- conditions are whole clauses or phrases ---------------------------------------------------
def test_a_purpose_clause_cut_to_a_noun_is_no_condition():
    o = _by_figure(
        "The manager will review the case at day 10 when a decision will be made about next steps.",
        ["Assessment"],
    )["at day 10"]
    assert o.conditions is None


def test_a_phrase_for_children_is_whom_not_when():
    found = _by_figure(
        "Health checks happen every 6 months for children under two, and annually for children in "
        "care aged two to 18.",
        ["Health"],
    )
    assert found["annually"].conditions is None
    assert "aged two to 18" in found["annually"].qualifiers


def test_an_emergency_is_a_condition_without_the_subject():
    o = _by_figure("In an emergency the placement plan must be completed within 3 days.", ["Placements"])[
        "within 3 days"
    ]
    assert o.conditions == "In an emergency"


def test_where_inside_a_noun_phrase_is_no_condition():
    o = _by_figure(
        "The social worker will complete the checks, including details of where the applicants have "
        "lived, within 8 weeks.",
        ["Fostering"],
    )["within 8 weeks"]
    assert o.conditions is None


def test_tidy_condition_keeps_whole_conditions_and_drops_fragments():
    for whole in (
        "if the case is complex",
        "in an emergency",
        "where red-rated",
        "until the first review",
        "where appropriate",
        "unless agreed otherwise by the manager",
    ):
        assert tidy_condition(whole) == whole, whole
    for fragment in (
        "when a decision",
        "Where a child",
        "where it is",
        "for children",
        "for all young people",
        "once every six weeks",
        "if",
    ):
        assert tidy_condition(fragment) is None, fragment
    assert tidy_condition("where the plan has ended or where") == "where the plan has ended"
