"""The QA scoring rule (pure functions)."""

from __future__ import annotations

from service.evaluate_qa import contains_value, score_answer

GOLD = {
    "id": "x-1", "kind": "single", "question": "q",
    "expected": [{"authority": "Wokingham", "values": ["10 working days", "ten working days"],
                  "quote": "held within **10 working days** of the Conference."}],
}


def test_values_match_digits_or_words_on_word_boundaries() -> None:
    assert contains_value("at least every four weeks", "4 weeks")
    assert contains_value("within twenty-eight working days", "28 working days")
    assert contains_value("a 6-weekly frequency", "6 weekly")
    assert not contains_value("every 14 weeks", "4 weeks")
    assert not contains_value("within 10 days", "10 working days")


def test_correct_needs_value_and_quoted_citation() -> None:
    cite = {"text": "8. The first core group meeting will be held within **10 working days**\n of the Conference."}
    good = {"answer": "Wokingham: within 10 working days [x]", "abstained": False, "citations": [cite]}
    assert score_answer(GOLD, good).correct
    no_quote = dict(good, citations=[{"text": "something else"}])
    assert not score_answer(GOLD, no_quote).correct
    wrong_value = dict(good, answer="Wokingham: within 5 working days")
    result = score_answer(GOLD, wrong_value)
    assert not result.correct and "none of" in result.reasons[0]


def test_unanswerable_is_correct_only_when_abstained() -> None:
    gold = {"id": "u", "kind": "unanswerable", "question": "q", "expected": []}
    assert score_answer(gold, {"answer": "not covered", "abstained": True, "citations": []}).correct
    assert not score_answer(gold, {"answer": "24 hours", "abstained": False, "citations": []}).correct
