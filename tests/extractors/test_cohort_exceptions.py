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


def test_a_clause_coordinated_with_the_exception_goes_on_about_its_group():
    # The first figure is for the children not in a settled home; the second, after "once agreed",
    # for those in one: the exception's group is the second figure's, not the first's.
    found = _by_figure(
        "Every six weeks after the first year unless agreed as a permanent placement and once agreed, "
        "every four months.",
        row="Children who are in our care",
    )
    first = found["Every six weeks"]
    assert first.cohort == "children in care"
    assert first.conditions == "unless agreed as a permanent placement"
    assert exception_scopes(
        "Every six weeks after the first year unless agreed as a permanent placement and once agreed, "
        "every four months."
    )[0].holds(*_span_of("every four months", "once agreed, every four months."))


def _span_of(phrase: str, tail: str) -> tuple[int, int]:
    sentence = "Every six weeks after the first year unless agreed as a permanent placement and " + tail
    start = sentence.index(phrase)
    return start, start + len(phrase)


# --- a table row# --- a table row's label says which children, whole ----------------------------------------------
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


def test_a_figure_before_a_condition_word_in_a_frequency_keeps_the_condition():
    assert (
        tidy_condition("once a year if the gap between stays is longer")
        == "if the gap between stays is longer"
    )
    assert (
        tidy_condition("Once a decision has been made by the manager")
        == "Once a decision has been made by the manager"
    )


def test_an_exception_of_another_sentence_run_together_is_not_this_figures():
    found = _by_figure(
        "The enquiry is closed within 24 hours unless it is an urgent referral which must be closed within "
        "4 hours Upon receipt, the notes should be read on the day of receipt.",
        ["Referrals"],
    )
    assert found["within 24 hours"].conditions == "unless it is an urgent referral"
    day = next(o for phrase, o in found.items() if "day" in phrase)
    assert day.conditions is None


def test_a_phrase_for_people_that_says_which_becomes_a_qualifier():
    found = _by_figure(
        "Hand over to the adult team at least 2 months before release (for young people who turned 18 while "
        "in custody).",
        ["Youth justice"],
    )
    o = next(iter(found.values()))
    assert o.conditions is None
    assert any("turned 18" in q for q in o.qualifiers)


def test_a_row_naming_two_groups_of_people_keeps_what_follows_them():
    o = _by_figure(
        "Visits happen at least every 8 weeks.", row="Children and young people who stay in a respite home"
    )["at least every 8 weeks"]
    assert "who stay in a respite home" in o.qualifiers


def test_a_row_whose_people_noun_names_something_else_gives_no_qualifier():
    o = _by_figure(
        "Assessments are completed within 30 working days.",
        ["Assessment"],
        row="Child and Family Assessment AB - Child and Family Assessment",
    )
    only = next(iter(o.values()))
    assert not any("Assessment" in q for q in only.qualifiers)


def test_a_condition_opening_the_sentence_holds_for_each_figure_after_it():
    found = _by_figure(
        "In cases where there are concerns about drift, plans will be reviewed every 4 weeks, or within "
        "48 hours following a crisis.",
        ["Plans"],
    )
    assert {o.conditions for o in found.values()} == {"where there are concerns about drift"}


def test_an_adjective_saying_which_circumstance_is_a_condition():
    o = next(
        iter(_by_figure("Emergency placements must be reviewed within 72 hours.", ["Placements"]).values())
    )
    assert o.conditions == "Emergency placements"
    plain = next(iter(_by_figure("Placements must be reviewed within 72 hours.", ["Placements"]).values()))
    assert plain.conditions is None
