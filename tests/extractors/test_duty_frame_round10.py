"""Round ten of the duty frame: whose a duty is under a heading naming one particular service.
Sentences and headings are written for these tests (not taken from any authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document.
"""

from __future__ import annotations

from one_clause import extract_one as _extract


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


# --- an age band said for one figure of a pair leaves the other figure the remaining ages --------
def test_the_other_figure_of_an_age_band_pair_is_for_the_remaining_ages():
    obligations = _extract("The dentist must check children in care every 12 months, or every 6 months for "
                           "children under 3 years old.")
    by_figure = {o.timescale.phrase: o for o in obligations}
    assert "aged 3 and over" in by_figure["every 12 months"].qualifiers
    assert "aged 3 and over" not in by_figure["every 6 months"].qualifiers
    # Number words are kept as written; a figure of another kind (a first deadline) is not one
    # of the pair.
    obligations = _extract("I will make sure a medical is carried out every year, or every 6 months for "
                           "children under four.")
    assert "aged four and over" in obligations[0].qualifiers
    obligations = _extract("Visits happen within 5 days of the move, and weekly for children under 1.")
    assert not any("and over" in q for q in obligations[0].qualifiers)


def test_an_age_band_after_an_earlier_figure_is_that_figures_and_the_later_one_keeps_its_own():
    obligations = _extract("Dental checks must be arranged twice a year for children under three years of age, "
                           "and Full Dental Checks (FDC) once a year for children in care aged three to 17 years.")
    later = [o for o in obligations if o.timescale.kind == "frequency" and o.timescale.value == 12]
    assert later and not any("under" in q for q in later[0].qualifiers)
    assert "aged three to 17 years" in later[0].qualifiers
    # A cohort named after the earlier figure, up to the clause break, is not the later one's.
    obligations = _extract("Dental checks must be arranged twice a year for children under 5, and Full Dental "
                           "Checks (FDC) once a year for children in care of school age.")
    later = [o for o in obligations if o.timescale.kind == "frequency" and o.timescale.value == 12]
    assert later and "children under 5" not in later[0].qualifiers


# --- a count before a yearly word: "twice yearly" is every 6 months ----------------------------
def test_twice_yearly_is_every_six_months():
    from extractors.timescale import find_timescales

    for text in ("Carers are visited twice yearly by the team.", "A twice-yearly audit is done by the manager."):
        found = find_timescales(text)
        assert [(t.kind, t.value, t.unit) for t in found] == [("frequency", 6, "month")], text
