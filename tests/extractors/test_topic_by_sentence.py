"""A duty whose parsed core words are too thin to place gets its topic from the whole sentence,
when the sentence's best topic stands clear of the runner-up; the calibration command that sets
those thresholds reads the development labels; a one-word anchor event keeps the complement that
says which one. Sentences are written for these tests (not
taken from any authority's documents). Real parser, real taxonomy, real embedding model.
"""

from __future__ import annotations

from pathlib import Path

from extractors.obligations import extract_obligations
from extractors.similarity import SENTENCE_TOPIC_THRESHOLD, TOPIC_SIMILARITY_THRESHOLD
from ingest.records import Clause

ROOT = Path(__file__).resolve().parents[2]


def _encode():
    from index.embedder import load_embedder
    from ingest.settings import load_settings

    return load_embedder(load_settings()).encode


def _extract(text: str, encode=None):
    clause = Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                    heading_path=["Standards"], clause_ref="1", text=text, plain_text=text,
                    start=0, end=len(text))
    return extract_obligations([clause], text, encode=encode)


def test_the_whole_sentence_names_a_topic_its_core_words_miss():
    text = ("An answer on whether the referral meets the threshold will be given within one working day "
            "of the referral arriving.")
    [without] = _extract(text)
    assert without.topic is None  # "given an answer" names no topic
    [found] = _extract(text, _encode())
    assert found.topic == "referral decision"
    assert found.extra["topic_from"] == "similarity-sentence"
    assert found.extra["topic_similarity"] < TOPIC_SIMILARITY_THRESHOLD
    assert found.extra["sentence_similarity"] >= SENTENCE_TOPIC_THRESHOLD


def test_a_sentence_near_no_topic_keeps_no_topic():
    [found] = _extract("Foster children should be seen alone by their worker at least once every six weeks.", _encode())
    assert found.extra["sentence_similarity"] < SENTENCE_TOPIC_THRESHOLD
    assert found.topic is None  # nothing guessed; the action text still describes it


def test_calibration_reads_the_development_labels_and_backs_the_shipped_thresholds():
    from extractors.calibrate import calibrate

    topic, anchor, sentence = calibrate(ROOT / "corpus", ROOT / "eval" / "obligations-dev.jsonl", _encode())
    assert topic.total > 50 and anchor.total > 10 and sentence.total > 50
    net = {t: r - w for t, r, w in sentence.rows}
    assert net[SENTENCE_TOPIC_THRESHOLD] == max(net.values())


def test_a_one_word_event_keeps_the_complement_that_says_which():
    [found] = _extract("The manager will convene a panel within 10 working days of a request for a second opinion.")
    assert found.timescale.anchor == "request for a second opinion"
    assert found.extra["anchor_event"] == "request"  # the canonical event is kept alongside
    [found] = _extract("The social worker will update the records within 24 hours of placement to allow the "
                       "health assessment to be booked.")
    assert found.timescale.anchor == "placement"  # a purpose, not which placement
