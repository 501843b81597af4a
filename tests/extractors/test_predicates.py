"""Each sentence's predicates and their arguments, read once by the extraction stage and stored.

The answer layer asks "is this sentence saying that a garden plan includes something?" of the
store, not of the parser: ``extractors.predicates`` reads the verb and what it is done to or by
(subject, object, passive agent, the noun a relative clause attaches to; a pronoun read as the
noun before it or its heading) when obligations are extracted, and writes one row per sentence
content hash. A store built before that (no table, no rows) gets them from the migration and
the re-extraction the next ingest runs. Sentences are written for these tests.
"""

from __future__ import annotations

from pathlib import Path

from extractors.predicates import (
    Argument,
    agrees,
    asked_argument,
    load_predicates,
    predicate_lemmas,
    sentence_predicates,
)
from ingest import db, store
from ingest.records import DocumentMeta
from ingest.settings import load_settings


def _parse(text: str):
    from extractors.frame import parser

    return parser()(text)


def _preds(sentence: str, heading: str | None = None) -> dict[str, Argument]:
    from extractors.taxonomy import load_taxonomy

    found = sentence_predicates(_parse(sentence), _parse(heading) if heading else None, load_taxonomy())
    return {p.verb: p.argument for p in found}


def test_a_predicate_carries_its_subject_and_object() -> None:
    found = _preds("Each garden plan must include a planting schedule.")
    assert "plan" in found["include"].heads and "schedule" in found["include"].heads


def test_a_passive_subject_and_its_agent_are_arguments() -> None:
    found = _preds("The orchard meeting is chaired by a senior warden.")
    assert {"meeting", "warden"} <= found["chair"].heads


def test_coordinated_subjects_are_each_an_argument() -> None:
    found = _preds("The garden plan and the hedge log must include the plot number.")
    assert {"plan", "log"} <= found["include"].heads


def test_a_list_lead_ending_in_a_noun_tagged_word_is_read_and_ends() -> None:
    # The walk up from a word that is not a verb stops at the root (which is its own head).
    found = _preds("A plot record is kept for each tenancy and clearly lists:")
    assert "record" in found["list"].heads
    assert _preds("Notes:") == {}


def test_a_governed_verb_takes_its_governors_subject() -> None:
    found = _preds("The hedge log needs to record every cutting.")
    assert "log" in found["record"].heads


def test_a_relative_clause_is_about_the_noun_it_attaches_to() -> None:
    found = _preds("Plots are inspected by the warden who will chair the tenants' forum.")
    assert {"warden", "forum"} <= found["chair"].heads


def test_a_pronoun_reads_as_the_heading_when_nothing_in_its_sentence_comes_before() -> None:
    found = _preds("It must include the tenant's goals.", heading="Garden plans")
    assert "plan" in found["include"].heads
    assert not found["include"].open


def test_a_pronoun_reads_as_the_subject_of_the_sentence_before() -> None:
    from extractors.taxonomy import load_taxonomy

    before = _parse("The plot review is arranged by the warden within a week of a complaint.")
    found = sentence_predicates(_parse("It will be chaired by a tenant."), None, load_taxonomy(), before=before)
    chair = next(p.argument for p in found if p.verb == "chair")
    assert "review" in chair.heads and "complaint" not in chair.heads


def test_a_pronoun_with_nothing_before_it_agrees_with_anything() -> None:
    found = _preds("It must include the tenant's goals.")
    assert found["include"].open
    assert agrees(Argument(frozenset({"plan"})), found["include"])


def test_the_reader_is_not_what_is_done_to() -> None:
    found = _preds("You must record the soil type.")
    assert "you" not in found["record"].heads and "type" in found["record"].heads


def test_a_question_names_what_it_asks_about() -> None:
    from service.question import read_asked_verb

    verb, arg = read_asked_verb("What must a garden plan include?", "what")
    assert verb == "include" and arg.heads == {"plan"}
    verb, arg = read_asked_verb("Who chairs the orchard meeting?", "who")
    assert verb == "chair" and "meeting" in arg.heads
    # The question word and a pronoun name nothing: the verb alone decides, as before.
    verb, arg = read_asked_verb("Who chairs it?", "who")
    assert verb == "chair" and not arg.named
    verb, arg = read_asked_verb("What should be recorded?", "what")
    assert verb == "record" and not arg.named


def test_asked_argument_reads_a_questions_verb() -> None:
    doc = _parse("Who inspects the hedges?")
    verb = next(t for t in doc if t.lemma_ == "inspect")
    assert asked_argument(verb, None).heads == {"hedge"}


def test_agreement_by_head_or_taxonomy_topic() -> None:
    plan = Argument(frozenset({"plan"}))
    assert agrees(plan, Argument(frozenset({"plan", "schedule"})))
    assert not agrees(plan, Argument(frozenset({"review"})))
    # A topic both phrases name (an abbreviation and its full name) agrees without a shared head.
    from extractors.taxonomy import load_taxonomy
    from service.question import read_asked_verb

    tax = load_taxonomy()
    _, short = read_asked_verb("Who chairs the ICPC?", "who", tax)
    full = _preds("The initial child protection conference is chaired by an independent chair.")["chair"]
    assert short.topics & full.topics
    assert agrees(short, full)
    # No argument asked: the verb alone (today's behaviour); none stated: nothing contradicts.
    assert agrees(Argument(), Argument(frozenset({"review"})))
    assert agrees(plan, Argument())


def test_an_abbreviation_in_capitals_agrees_with_the_phrase_it_abbreviates() -> None:
    from service.question import read_asked_verb

    _, asked = read_asked_verb("Who chairs the orchard planning meetings?", "who")
    stated = _preds("The head of estates will chair all future OPMs.")["chair"]
    assert "opm" in stated.acronyms and "opm" in asked.initials
    assert agrees(asked, stated)
    # Other capitals are another thing.
    assert not agrees(asked, _preds("The head of estates will chair all future HRBs.")["chair"])


def test_the_same_head_with_modifiers_naming_another_kind_is_another_thing() -> None:
    from service.question import read_asked_verb

    _, asked = read_asked_verb("What must a garden plan include?", "what")
    assert not agrees(asked, _preds("The watering plan includes the hose times.")["include"])
    # A bare head, or modifiers in common, is the same thing; another phrase's initials (the
    # object's) do not make the head another kind.
    assert agrees(asked, _preds("Each plan will include a planting schedule.")["include"])
    assert agrees(asked, _preds("The spring garden plan will include a planting schedule.")["include"])


def test_a_pronoun_read_as_something_is_marked_a_reading() -> None:
    found = _preds("The warden keeps a harvest log on the plot file and it includes the crop weights.")
    assert found["include"].guessed
    assert not _preds("The harvest log includes the crop weights.")["include"].guessed


def test_a_clausal_subjects_own_subject_is_an_argument() -> None:
    # Whichever way the parser reads "gathered", what is included is the notes.
    found = _preds("Notes of the visits gathered should be included in the file.")
    assert "note" in found["include"].heads


def test_rows_stored_before_abbreviations_were_read_still_load() -> None:
    from extractors.predicates import Predicate

    old = Predicate.from_json(["chair", ["meeting"], [], 0])
    assert old.argument.heads == {"meeting"} and not old.argument.acronyms
    assert not Predicate.from_json(["chair", ["meeting"], [], 0, [], []]).argument.guessed
    marked = Predicate("include", Argument(frozenset({"log"}), guessed=True))
    assert Predicate.from_json(marked.to_json()) == marked


def test_predicate_lemmas_are_the_verbs() -> None:
    assert {"include"} <= predicate_lemmas(_parse("A garden plan must include a planting schedule."))


STANDARD = (
    "Testshire Allotment Standards\n\n"
    "Garden plans\n\n"
    "1. A garden plan must include a planting schedule. It is reviewed every 6 months.\n\n"
    "Plot reviews\n\n"
    "2. Each plot review should include a count of the fruit trees.\n"
)


def _count(conn, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def test_every_current_sentence_gets_predicates_and_an_older_store_is_filled(
        data_dir: Path, tmp_path: Path, store_target) -> None:
    from service.pipeline import add_document, refresh_obligations

    settings = load_settings()
    conn = store.connect(store_target)
    path = tmp_path / "allotments.txt"
    path.write_text(STANDARD, encoding="utf-8")
    add_document(conn, path, DocumentMeta(authority="Testshire", title="T"), settings, sync_index=False)
    sentences = _count(conn, "SELECT COUNT(DISTINCT content_hash) FROM sentences WHERE is_current = 1")
    assert sentences >= 3
    stored = load_predicates(conn)
    assert len(stored) == sentences
    assert any(p.verb == "include" and "plan" in p.argument.heads for preds in stored.values() for p in preds)
    before = store.generation(conn)
    # Put the store back as an older version left it: no table, no migration, older rules.
    with store.transaction(conn):
        conn.execute("DROP TABLE sentence_predicates")
        conn.execute("DELETE FROM migrations WHERE name = '011_sentence_predicates'")
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'extractor_fingerprint'")
    conn.close()

    conn = store.connect(store_target)  # migrates: the table is back, empty
    assert "sentence_predicates" in db.table_names(conn)
    assert load_predicates(conn) == {}
    assert refresh_obligations(conn) == 1  # the older rules' fingerprint: re-extracted
    assert load_predicates(conn) == stored
    assert store.generation(conn) > before  # a serving process reads them afresh
    conn.close()
