"""The Ask view as a conversation, in Debian's Chromium against the real app (shipped corpus)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _ask(page, question: str):
    before = page.locator(".turn").count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    answer = page.locator(".turn").nth(before).locator(".answer:not(.pending)")
    answer.wait_for(timeout=60_000)
    return answer


def test_follow_up_chain_of_three_on_the_page(page, server, save_shot):
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/ask") else None)

    one = _ask(page, "When must the first core group meeting be held in Sandwell?")
    assert one.locator(".figure-authority").first.inner_text().lower() == "sandwell"

    two = _ask(page, "and in Wokingham?")
    card = two.locator(".figure-card", has=page.locator(".figure-authority", has_text="Wokingham"))
    assert card.count() == 1
    assert re.search(r"10 working days", card.locator(".figure-value").first.inner_text())
    # The sentence is quoted with the figure marked, and its citation chip expands.
    quote = card.locator(".statement-quote").first
    assert "first core group meeting" in quote.inner_text()
    assert "10 working days" in quote.locator("mark").first.inner_text()
    chip = card.locator(".chip").first
    chip.click()
    assert chip.get_attribute("aria-expanded") == "true"
    assert card.locator(".cite-panel .quote").first.is_visible()
    assert "follow-up" in two.locator(".answer-notes").inner_text()

    three = _ask(page, "who chairs it?")
    text = three.locator(".statement-quote").first.inner_text().lower()
    assert "chair" in text and "core group" in text
    save_shot(page, "ask-conversation")

    # Each question went with the ones before it, oldest first.
    assert sent[0].get("history") is None
    assert sent[1]["history"] == ["When must the first core group meeting be held in Sandwell?"]
    assert sent[2]["history"] == ["When must the first core group meeting be held in Sandwell?", "and in Wokingham?"]

    # The conversation survives a reload, and a cleared one starts afresh.
    page.goto(server + "/#ask")
    page.wait_for_selector("html[data-ready='1']")
    assert page.locator(".turn").count() == 3
    page.get_by_role("button", name="Clear conversation").click()
    alone = _ask(page, "and in Wokingham?")
    assert "10 working days" not in alone.inner_text()
    assert sent[-1].get("history") is None
    page.problems.assert_clean()


def test_notes_and_abstentions_on_the_page(page, server):
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    answer = _ask(page, "Why does wokinham require core groups every 2 weeks?")
    notes = answer.locator(".answer-notes").inner_text()
    assert "Read 'wokinham' as Wokingham" in notes
    assert "every 2 weeks" in notes and "does not match" in notes
    assert "6 weeks" in answer.locator(".figure-value").first.inner_text()

    abstained = _ask(page, "What is the maximum caseload for a newly qualified social worker in Dudley?")
    assert "abstained" in abstained.get_attribute("class")
    assert abstained.locator(".figure-value").count() == 0
    nearest = abstained.locator(".nearest .chip")
    assert nearest.count() >= 1
    nearest.first.click()
    assert abstained.locator(".cite-panel .quote").first.is_visible()
    page.problems.assert_clean()
