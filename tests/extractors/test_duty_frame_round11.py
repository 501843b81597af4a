"""Round eleven of the duty frame: actions of passives and verbless lines, conditions attached
to the clause that carries the figure, and anchors whose head noun follows a known name.
Sentences are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract


def _by_figure(text: str, headings: list[str] | None = None) -> dict:
    return {o.timescale.phrase: o for o in _extract(text, headings)}


# --- actions -------------------------------------------------------------------------------
def test_a_passive_whose_subject_and_verb_cue_a_topic_keeps_verb_plus_object():
    # "assessment ... updated" is a topic cue spanning the object and the verb: the object stops
    # at its own words, so the action is not "update the assessment will be updated".
    obligations = _extract("The family assessment will be updated at least once every 9 months.")
    assert obligations and obligations[0].action == "update The family assessment"


def test_a_noun_then_bare_past_form_is_a_passive_without_its_auxiliary():
    # A table line "Notes circulated within ..." states what is done to the notes.
    obligations = _extract("Notes circulated within 4 working days of the panel;")
    assert obligations and obligations[0].action.lower() == "circulate notes"
    # ... and a participle inside a topic's cue words is still the line's verb.
    obligations = _extract("Outcomes recorded within 6 working days of the panel;")
    assert obligations and obligations[0].action.lower() == "record outcomes"
    # Someone named as the subject acts: no passive is read.
    obligations = _extract("The social worker visited within 4 days.")
    assert obligations and obligations[0].action == "visit"


# --- conditions ----------------------------------------------------------------------------
def test_a_condition_on_another_verb_is_not_the_timed_duty_s():
    obligations = _extract("The nurse will write up the check within 4 days and pass concerns "
                           "to the family doctor where appropriate.")
    assert obligations and obligations[0].conditions is None
    # On the timed verb itself it stays.
    obligations = _extract("The nurse will write up the check within 4 days where appropriate.")
    assert obligations and obligations[0].conditions == "where appropriate"
    # A leading circumstance stays even when the parser hangs it on an aside before the duty.
    obligations = _extract("Please note: where a young person is in a settled foster home, visits "
                           "after the first year may take place at intervals of up to 5 months.")
    assert obligations and obligations[0].conditions == "where a young person is in a settled foster home"


def test_an_exception_belongs_to_the_figure_it_excepts_and_states_the_other_figure_s_case():
    by_figure = _by_figure("Foster homes are visited every 5 weeks unless the match is confirmed as "
                           "long term, when visits are every 4 months.")
    assert by_figure["every 5 weeks"].conditions == "unless the match is confirmed as long term"
    assert by_figure["every 4 months"].conditions == "the match is confirmed as long term"


def test_a_condition_stops_before_a_clause_holding_another_figure():
    by_figure = _by_figure("I will tell my manager if the checks suggest a strategy meeting is needed "
                           "and this will be within 2 working days of the checks.")
    assert by_figure["within 2 working days"].conditions == \
        "if the checks suggest a strategy meeting is needed"


# --- anchors -------------------------------------------------------------------------------
def test_an_anchor_whose_head_follows_the_known_name_keeps_the_phrase():
    obligations = _extract("Reviews are held within 4 months of the first placement day.")
    assert obligations and obligations[0].timescale.anchor == "first placement day"
    # The event's own date or kind after its name is the same event.
    obligations = _extract("The notes are sent within 4 days of the first review meeting.")
    assert obligations and obligations[0].timescale.anchor == "first looked after review"


def test_a_placement_move_is_not_the_start_of_a_placement():
    obligations = _extract("A planning meeting will be held within 4 working days of a placement move.")
    assert obligations and obligations[0].timescale.anchor == "placement move"
    obligations = _extract("A planning meeting will be held within 4 working days of the placement.")
    assert obligations and obligations[0].timescale.anchor == "placement"


# --- phase ---------------------------------------------------------------------------------
def test_a_later_word_inside_another_clause_does_not_make_the_next_figure_subsequent():
    by_figure = _by_figure("The child is seen within 2 days of the placement, whether this is when they first "
                           "come into care or subsequently move home, and once a week until their first review.")
    assert by_figure["once a week"].phase == "until the first review"
    # Said of the figure itself, it still does.
    by_figure = _by_figure("The child is seen within 2 days of the placement and subsequently every 5 weeks.")
    assert by_figure["every 5 weeks"].phase == "subsequent"


def test_a_table_row_naming_an_occurrence_gives_the_phase():
    obligations = _extract("Outcomes recorded within 6 working days of the review;",
                           row="Record of 2nd Child in Care Review")
    assert obligations and obligations[0].phase == "second"
    obligations = _extract("Outcomes recorded within 6 working days of the review;",
                           row="Record of Child in Care Review")
    assert obligations and obligations[0].phase is None


# --- whom it is about ----------------------------------------------------------------------
def test_supervision_a_member_of_staff_receives_is_their_own_and_about_no_children():
    obligations = _extract("Newly qualified workers will receive supervision at least every 3 weeks.")
    assert obligations and obligations[0].topic == "practitioner supervision"
    assert obligations[0].cohort is None
    # A child's case supervised stays case supervision, for the children.
    obligations = _extract("Each child's case will be supervised at least every 3 weeks.")
    assert obligations and obligations[0].topic == "case supervision"
    assert obligations[0].cohort is not None


# --- actor ---------------------------------------------------------------------------------
def test_a_responsibility_copula_names_the_actor_of_its_joined_or_following_duty():
    obligations = _extract("The transfer summary is the responsibility of the team manager and must be "
                           "signed within 4 days.")
    assert obligations and obligations[0].actor == "Team Manager"
    obligations = _extract("The transfer summary is the responsibility of the team manager. It must be "
                           "signed within 4 days of the transfer.")
    assert obligations and obligations[0].actor == "Team Manager"
    # Someone who is not a role is not made the actor.
    obligations = _extract("The transfer summary is the responsibility of the family and must be "
                           "signed within 4 days.")
    assert obligations and obligations[0].actor != "family"


# --- not duties ----------------------------------------------------------------------------
def test_a_time_given_to_people_other_than_staff_to_respond_is_not_a_duty():
    assert not _extract("Families have 12 days to comment on the draft report.")
    assert not _extract("The draft report is shared with the family, allowing 12 days for them to reply.")
    # The duty before it in the same sentence stays.
    obligations = _extract("The officer will share the draft report within 4 days, and families then "
                           "have 12 days to reply.")
    assert [o.timescale.phrase for o in obligations] == ["within 4 days"]
    # A time given to a role, or to "we", is that role's duty.
    assert _extract("The social worker has 12 days to complete the report.")
    assert _extract("We have 12 working days to reply to the complaint.")
