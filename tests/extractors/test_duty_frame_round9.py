"""Round nine of the duty frame: verbs of subordinate fragments, who the people are, and whose
duty a heading says it is. Sentences are written for these tests (not taken from any
authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract

from extractors.obligations import extract_obligations
from ingest.records import Clause


# --- a verb introduced by "until", "as", "if" in a fragment with no main clause is not the duty --
def test_an_until_clause_does_not_give_a_verbless_row_its_action():
    obligations = _extract("Fortnightly after that until the placement has ended.")
    assert obligations and all(o.action is None or "end" not in o.action for o in obligations)


def test_an_as_clause_does_not_give_a_verbless_row_its_action_but_a_that_clause_does():
    obligations = _extract("Afterwards, as decided at the planning meeting, at least once every 20 working days.")
    assert obligations and all(o.action is None or "decide" not in o.action for o in obligations)
    # A content clause ("that a worker will phone them ...") says what is to be done.
    obligations = _extract("That a worker from the team will be phoning them within 3 working days.")
    assert obligations and "phon" in (obligations[0].action or "")


# --- whatever follows a noun naming people and says which of them narrows the cohort ------------
def test_a_phrase_after_the_person_narrows_the_cohort():
    obligations = _extract("Contact with a young person within a secure unit must be made within 3 working days.")
    assert obligations and "within a secure unit" in obligations[0].qualifiers


def test_an_age_in_the_table_row_narrows_the_cohort_a_name_does_not():
    obligations = _extract("At least every 8 weeks by their adviser.", ["Visiting"], row="Young people aged 19-24")
    assert obligations and "aged 19-24" in obligations[0].qualifiers
    # "in Need" belongs to the name "Children in Need": it narrows nothing.
    obligations = _extract("At least every 4 weeks.", ["Visiting"], row="Children in Need")
    assert obligations and not any(q.lower().startswith("in need") for q in obligations[0].qualifiers)


# --- a heading below the document's top naming a role or a service says whose the duty is --------
def test_a_service_heading_owns_a_duty_that_names_no_one():
    obligations = _extract("Reports for the court will be completed within 10 working days of the hearing.",
                           ["Part 2: Targeted Services", "Youth Offending Service", "Court work"])
    assert obligations and obligations[0].actor == "Youth Offending worker"
    # A role named only as where cases go is not whose the duty is.
    obligations = _extract("The closure summary will be written within 5 working days.",
                           ["Part 2: Assessment", "Closing cases and transfer to Early Help"])
    assert obligations and obligations[0].actor != "Early Help practitioner"


def test_a_role_named_in_a_heading_owns_a_duty_that_names_no_one():
    obligations = _extract("A strategy meeting will be held within 2 working days of the allegation being made.",
                           ["Part 4: Safeguarding", "The Role of the Designated Officer"])
    assert obligations and obligations[0].actor == "Local Authority Designated Officer"
    # "the Designated Officer must be told": the heading's role is whom it is done for, not who acts.
    obligations = _extract("The Designated Officer must be told of every concern within 1 working day.",
                           ["Part 4: Safeguarding", "The Role of the Designated Officer"])
    assert obligations and obligations[0].actor != "Local Authority Designated Officer"


# --- a pronoun object or subject stands for the noun it refers to, read from the parse -----------
def test_a_pronoun_joined_to_an_earlier_clause_is_that_clauses_subject():
    obligations = _extract("A placement planning meeting will be arranged before the second review, "
                           "and these will then be held every 8 weeks.")
    assert obligations and obligations[-1].action == "hold A placement planning meeting"
    assert obligations[-1].topic == "placement planning meeting"


def test_it_stands_for_a_thing_never_for_the_people_named():
    obligations = _extract("Young people aged 16 to 25 with a statement of needs will have this reviewed every 12 months.")
    assert obligations and obligations[0].action == "review a statement of needs"
    # "they" after people is those people, never a thing put in their place (the action names
    # them, so it is not a bare verb).
    obligations = _extract("Children placed at home will be seen weekly and they will be reviewed every 3 months.")
    assert obligations and obligations[-1].action == "review Children"


# --- an ambiguous abbreviation is read as the expansion the document itself defines ---------------
def test_an_ambiguous_abbreviation_takes_the_documents_own_expansion():
    intro = "Permanency Planning Meetings (PPM) track the plan for each child."
    duty = "If no return home is likely, a PPM should be convened no later than 3 weeks after the second review."
    doc = f"{intro}\n{duty}"
    clauses = [Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                      heading_path=["Planning"], clause_ref="1", text=intro, plain_text=intro, start=0, end=len(intro)),
               Clause(id="cccc0000-0002", document_id="doc", authority="Testshire", ordinal=2,
                      heading_path=["Planning"], clause_ref="2", text=duty, plain_text=duty,
                      start=len(intro) + 1, end=len(doc))]
    obligations = extract_obligations(clauses, doc)
    assert obligations and obligations[0].topic == "permanence planning meeting"


# --- what is done stays the object when the parse hides it --------------------------------------
def test_a_counted_object_inside_the_figure_is_still_what_is_done():
    obligations = _extract("I will carry out at least one unannounced visit every year, to make sure the household is safe.")
    assert obligations and obligations[0].action == "carry out unannounced visit"


def test_ensure_things_are_done_keeps_the_things():
    # The parser makes "Care Plans" the object of "ensure"; it is what "are updated" is about.
    obligations = _extract("I will ensure Care Plans (CPs) are updated once per term and the plan includes the child's needs.")
    assert obligations and obligations[0].action == "update Care Plans"
