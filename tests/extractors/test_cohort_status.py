"""The cohort of a duty: the order of the child's statuses, carers named as whom children are
with, and the characteristics a heading naming two groups gives. Sentences are written for these
tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    obligations = _extract(text, headings, row)
    assert obligations, text
    return obligations[0]


# --- a duty before a status is not about children who have it ---------------------------------
def test_a_duty_before_the_initial_conference_is_about_children_under_enquiry():
    # The heading names conferences (children on a plan), but the reports are due before the
    # initial conference: no plan exists yet.
    o = _one("Partner agencies should send their written reports to the chair no later than 3 working days "
             "before the initial conference.", ["Safeguarding", "Child Protection Conferences"])
    assert o.cohort == "children subject to a section 47 enquiry"
    assert "children subject to a child protection plan" not in o.qualifiers


def test_a_duty_after_the_initial_conference_keeps_the_plan():
    # The same heading over a duty after the conference: the children now have a plan.
    o = _one("The first core group will meet within 10 working days of the initial conference.",
             ["Safeguarding", "Child Protection Conferences"])
    assert o.cohort == "children subject to a child protection plan"


def test_an_enquiry_duty_naming_a_possible_conference_is_about_the_enquiry():
    o = _one("The social worker will complete the section 47 enquiry within 15 working days, and a child "
             "protection conference will be requested where needed.", ["Safeguarding"])
    assert o.cohort == "children subject to a section 47 enquiry"
    assert "children subject to a child protection plan" not in o.qualifiers


def test_a_plan_for_adoption_is_not_yet_a_placement():
    o = _one("The social worker will request the medical report at least 4 weeks before the agency decision.",
             ["Assessment Teams", "Parallel planning and adoption"])
    assert o.cohort == "children with a plan for adoption"


# --- carers named as whom children are with ------------------------------------------------
def test_children_with_carers_in_a_table_row_are_children_narrowed_by_the_carers():
    o = _one("The child will be seen weekly.", ["Visiting"],
             "Children placed with kinship foster carers awaiting approval")
    assert o.cohort == "children in care"
    assert "placed with kinship foster carers awaiting approval" in o.qualifiers


def test_carers_not_named_by_a_cohort_still_narrow_the_children():
    o = _one("Visits will happen every 2 weeks.", ["Visiting"],
             "Children living with connected carers or parents under an interim care order")
    assert o.cohort == "children in care"
    assert any("connected carers" in q for q in o.qualifiers)


def test_carers_as_the_subject_stay_the_cohort():
    o = _one("Foster carers will have a supervisory visit every 4 weeks.", ["Fostering"])
    assert o.cohort == "approved foster carers"
    assert not any("foster carers" in q for q in o.qualifiers)


# --- a heading naming two groups ----------------------------------------------------------
def test_a_characteristic_in_a_two_group_heading_narrows_another_status():
    o = _one("The first review of the child's care plan will take place within 20 working days of them "
             "becoming looked after.", ["Part 2: Early Help and Disabled Children", "Looked After Children"])
    assert o.cohort == "children in care"
    assert "children with disabilities" in o.qualifiers


def test_a_characteristic_in_a_two_group_heading_not_given_to_the_other_groups_part():
    # The early help part of a section on early help and disabled children is not about disability.
    o = _one("Families will be offered a first home visit within 5 working days of the request for early help.",
             ["Part 2: Early Help and Disabled Children", "Targeted Family Support"])
    assert o.cohort == "children receiving early help"
    assert "children with disabilities" not in o.qualifiers


# --- a group named as where children go ---------------------------------------------------
def test_a_step_down_to_a_service_names_the_children_moving_not_those_in_it():
    o = _one("When a manager has decided on closure or a step-down to early help, the decision will be "
             "recorded within 2 working days.", ["Services", "Closing cases"])
    assert o.cohort != "children receiving early help"
    assert "children receiving early help" not in o.qualifiers
    assert "step-down to early help" in o.qualifiers


def test_subject_to_a_plan_is_a_status_not_a_destination():
    # A parse may read "subject" as a noun: "subject to" is still the cohort's own status words.
    o = _one("Visits to young people over 16 subject to CP plans will be every 3 weeks.", ["Visiting"])
    assert o.cohort == "children subject to a child protection plan"


def test_an_assessment_of_foster_carers_is_of_applicants_not_approved_carers():
    o = _one("The Form F assessment of foster carers will be completed within 6 months of the application.",
             ["Fostering"])
    assert o.cohort == "prospective foster carers"
    assert "approved foster carers" not in o.qualifiers
    # ... while approved carers' own review stays theirs.
    o = _one("Foster carers will have their review every 12 months.", ["Fostering"])
    assert o.cohort == "approved foster carers"


# --- which cases ----------------------------------------------------------------------------
def test_what_follows_cases_and_names_a_cohort_narrows_it():
    o = _one("Plans will be reviewed every 2 months in all cases where a permanence plan has been agreed "
             "but not yet carried out.", ["Permanence"])
    assert o.cohort == "children with a permanence plan"
    assert "where a permanence plan has been agreed but not yet carried out" in o.qualifiers


def test_a_condition_on_cases_naming_no_cohort_is_no_qualifier():
    o = _one("In cases where there are safeguarding concerns, the plan will be reviewed monthly.", ["Children in care"])
    assert not any("safeguarding" in q for q in o.qualifiers)
