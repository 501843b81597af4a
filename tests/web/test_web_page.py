"""The page, driven in Debian's Chromium against the real app over the shipped corpus.

Each test checks what a user sees: figures, citations that open, abstentions, the comparison
table, documents rendered as text (never as markup), the trainers' download, and a layout that
fits a phone. Screenshots of each view go to test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CORE_GROUP_Q = "When must the first core group meet in Wokingham?"
UNANSWERABLE_Q = "What is the response deadline for a stage two complaint?"


def _authorities(server: str) -> list[str]:
    docs = httpx.get(server + "/api/documents", timeout=30).json()["documents"]
    return sorted({d["authority"] for d in docs})


def _ask(page, question: str):
    """Type a question, press Enter, and return the finished answer card."""
    before = page.locator(".turn").count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    turn = page.locator(".turn").nth(before)
    answer = turn.locator(".answer:not(.pending)")
    answer.wait_for(timeout=60_000)
    return answer


def _open_admin(page) -> None:
    """Open the admin section (a <details>) unless it is open already."""
    if page.locator("#admin-panel").get_attribute("open") is None:
        page.locator("#admin-panel summary").click()


def test_ask_core_group_shows_wokingham_figure_and_expandable_citation(page, server, save_shot):
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    # First visit: example questions are offered.
    assert page.locator("#examples").is_visible()
    assert page.locator(".example").count() >= 3

    answer = _ask(page, CORE_GROUP_Q)
    assert "abstained" not in (answer.get_attribute("class") or "")
    card = answer.locator(".figure-card", has=page.locator(".figure-authority", has_text="Wokingham"))
    assert card.count() == 1
    figures = " ".join(card.locator(".figure-value").all_inner_texts())
    assert re.search(r"\b10 working days\b", figures), figures

    # The citation chip expands to the quoted clause with where it comes from.
    chip = card.locator(".chip").first
    assert chip.get_attribute("aria-expanded") == "false"
    chip.click()
    assert chip.get_attribute("aria-expanded") == "true"
    panel = card.locator(".cite-panel").first
    assert panel.is_visible()
    quote = panel.locator(".quote").inner_text()
    assert "core group" in quote.lower()
    assert panel.locator("mark").count() >= 1  # the timescale phrase is highlighted in the quote
    meta = panel.locator("dl.meta").inner_text()
    assert "Wokingham" in meta and "Section" in meta
    save_shot(page, "ask-wokingham")

    # ... and opens in its document context (GET /api/clauses/{id}).
    panel.get_by_role("button", name="Open in document context").click()
    dialog = page.locator("#clause-dialog")
    dialog.locator(".context-clause.current").wait_for()
    assert "core group" in dialog.locator(".context-clause.current").inner_text().lower()
    save_shot(page, "ask-clause-dialog")
    dialog.get_by_role("link", name=re.compile("Open the whole document")).click()
    target = page.locator(".clause.target")
    target.wait_for()
    assert "core group" in target.inner_text().lower()
    assert page.locator("#view-documents").is_visible()

    # The conversation survives a reload in the same tab.
    page.goto(server + "/#ask")
    page.wait_for_selector("html[data-ready='1']")
    assert page.locator(".question-text").first.inner_text() == CORE_GROUP_Q
    assert page.locator(".figure-card").count() >= 1
    assert page.locator("#examples").is_hidden()
    page.problems.assert_clean()


def test_question_without_authority_answers_for_each_authority(page, server, save_shot):
    """No authority named: a figure card per authority in scope, "No standard found" for the rest."""
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    question = "How often must core group meetings be held?"
    answer = _ask(page, question)
    expected = httpx.post(server + "/api/ask", json={"question": question}, timeout=60).json()
    assert not expected["abstained"]
    shown = answer.locator(".figure-authority").all_inner_texts()
    assert sorted(a.lower() for a in shown) == sorted(a.lower() for a in expected["authorities"])
    with_figures = {s["authority"] for s in expected["statements"] if s["kind"] == "figure"}
    assert len(with_figures) >= 3
    for card in answer.locator(".figure-card").all():
        name = card.locator(".figure-authority").inner_text()
        has_figure = card.locator(".figure-value:not(.none)").count() > 0 and card.locator(".figure .chip").count() > 0
        assert has_figure == (name.lower() in {a.lower() for a in with_figures}), name
    page.evaluate("window.scrollTo(0, 0)")
    save_shot(page, "ask", readme="ask")
    page.problems.assert_clean()


def test_event_date_field_gives_the_due_date(page, server):
    """A plain question plus the date field: the answer shows the due date the service computes."""
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    page.get_by_label(re.compile("^Event date")).fill("2026-03-03")
    answer = _ask(page, "When is the first core group due in Wokingham?")
    due = answer.locator(".deadline-date").first
    assert due.is_visible()
    sent = "When is the first core group due in Wokingham? (the event was on 3 March 2026)"
    expected = httpx.post(server + "/api/ask", json={"question": sent}, timeout=60).json()["deadline"]["due"]
    when = date.fromisoformat(expected)
    assert f"{when.day} {when:%B %Y}" in due.inner_text()
    assert answer.locator(".deadline .calc li").count() >= 1  # the calculation is shown
    page.problems.assert_clean()


def test_unanswerable_question_shows_an_abstention(page, server):
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    answer = _ask(page, UNANSWERABLE_Q)
    assert "abstained" in answer.get_attribute("class")
    assert "Not found in these standards" in answer.inner_text()
    assert answer.locator(".figure-value").count() == 0  # no figure is offered as an answer
    # Nearest clauses are offered as places to look, each one expandable.
    nearest = answer.locator(".nearest .chip")
    if nearest.count():
        nearest.first.click()
        assert answer.locator(".cite-panel .quote").first.is_visible()
    page.problems.assert_clean()


def test_compare_core_group_meeting_one_column_per_authority(page, server, save_shot):
    page.goto(server + "/#compare")
    page.get_by_label("Find a topic").fill("core group")
    page.locator(".topic", has=page.locator(".topic-name", has_text=re.compile(r"^core group meeting$"))).click()
    table = page.locator(".compare-table")
    table.wait_for()
    headers = table.locator("thead th.auth-col").all_inner_texts()
    assert sorted(headers) == _authorities(server)
    assert {"Dudley", "Sandwell", "Wokingham"} <= set(headers)
    body = table.locator("tbody").inner_text().lower()
    assert "6 weeks" in body or "six weeks" in body
    # Every cell with a standard is cited; every other cell says so.
    for cell in table.locator("tbody td").all():
        if "gap" in (cell.get_attribute("class") or ""):
            assert cell.inner_text().strip() == "No standard found"
        else:
            assert cell.locator(".chip").count() == cell.locator(".entry").count() >= 1
    # Strictest / most lenient are marked where the authorities differ.
    assert page.locator(".badge-strict").count() >= 1
    save_shot(page, "compare", readme="compare", full_page=True)

    # CSV download (client-side) carries one line per authority and cell.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) >= {"topic", "authority", "timescale", "document", "quote"}
    assert {r["authority"] for r in rows} == set(headers)
    assert all(r["quote"] or r["timescale"] == "no standard found" for r in rows)
    page.problems.assert_clean()


HOSTILE = """# Testshire Practice Standards

## Visits to children

1. The social worker will visit the child within 5 working days of allocation. <script>window.__pwned = 'script'; alert('script ran')</script>

2. Children in need will be seen at least every 4 weeks. <img src=x onerror="window.__pwned = 'img'; alert('img ran')">

3. Managers will review the plan every 3 months. <b onmouseover="window.__pwned='hover'">bold</b> &lt;svg onload=alert(1)&gt;
"""


def test_hostile_document_renders_as_text(page, server, save_shot, tmp_path, admin_token):
    """A document with <script> and <img onerror> is uploaded through the page and shown as text."""
    path = tmp_path / "testshire-standards.md"
    path.write_text(HOSTILE, encoding="utf-8")
    page.goto(server + "/#documents")
    page.locator(".doc-table").wait_for()
    _open_admin(page)
    page.get_by_label("Admin token").fill(admin_token)
    page.get_by_label(re.compile("^File")).set_input_files(str(path))
    page.locator("#upload-form").get_by_label("Authority", exact=True).fill("Testshire")
    page.get_by_label(re.compile("^Title")).fill("Testshire <script>alert('title')</script> Standards")
    page.get_by_role("button", name="Upload and index").click()
    status = page.locator("#upload-status")
    # The page's CSP forbids eval, so waits use locators, not wait_for_function strings.
    expect(status).to_contain_text("Testshire", timeout=120_000)
    assert "error" not in (status.get_attribute("class") or ""), status.inner_text()

    link = page.locator(".doc-link", has_text="Testshire")
    assert "<script>" in link.inner_text()  # the title is text, not markup
    link.click()
    page.locator(".doc-text .clause").first.wait_for()
    page.get_by_label("Show text exactly as written (markup visible)").check()
    text = page.locator(".doc-text").inner_text()
    assert "<script>" in text and "onerror" in text
    assert page.locator(".doc-text script, .doc-text img, .doc-text svg, #document-body b").count() == 0
    page.locator(".doc-text mark").first.hover()
    assert page.evaluate("window.__pwned === undefined")
    save_shot(page, "document-hostile")

    # A question carrying markup is shown as typed, and nothing runs.
    page.goto(server + "/#ask")
    page.wait_for_selector("html[data-ready='1']")
    _ask(page, "<img src=x onerror=\"window.__pwned='q'\"> how often are core groups?")
    assert "<img src=x" in page.locator(".question-text").last.inner_text()
    assert page.evaluate("window.__pwned === undefined")

    # Remove it again with the token (two-step, no native confirm dialog).
    page.goto(server + "/#documents")
    _open_admin(page)
    page.get_by_label("Admin token").fill(admin_token)
    row = page.locator(".doc-table tbody tr", has_text="Testshire")
    row.get_by_role("button", name=re.compile("^Remove")).click()
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator(".doc-table")).not_to_contain_text("Testshire")
    page.problems.assert_clean()


def test_upload_errors_are_shown_as_the_server_states_them(page, server, tmp_path, admin_token):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 this is not really a pdf")
    page.goto(server + "/#documents")
    page.locator(".doc-table").wait_for()
    _open_admin(page)
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_label(re.compile("^File")).set_input_files(str(bad))
    page.locator("#upload-form").get_by_label("Authority", exact=True).fill("Dudley")
    page.get_by_role("button", name="Upload and index").click()
    page.locator("#upload-status .notice-error").wait_for()
    wrong_token = page.locator("#upload-status").inner_text()
    server_msg = httpx.post(server + "/api/documents", headers={"Authorization": "Bearer not-the-token"},
                            files={"file": ("broken.pdf", bad.read_bytes())}, data={"authority": "Dudley"}).json()
    assert server_msg["error"]["message"] in wrong_token

    page.get_by_label("Admin token").fill(admin_token)
    before = httpx.get(server + "/api/documents", timeout=30).json()["documents"]
    # The upload is a background job; ?wait= gives its outcome (the error the page shows).
    corrupt = httpx.post(server + "/api/documents?wait=120", headers={"Authorization": f"Bearer {admin_token}"},
                         files={"file": ("broken.pdf", bad.read_bytes())}, data={"authority": "Dudley"},
                         timeout=180)
    assert 400 <= corrupt.status_code < 500
    expected = corrupt.json()["error"]["message"]
    page.get_by_role("button", name="Upload and index").click()
    expect(page.locator("#upload-status")).to_contain_text(expected, timeout=120_000)
    assert "Upload refused" in page.locator("#upload-status").inner_text()
    assert httpx.get(server + "/api/documents", timeout=30).json()["documents"] == before
    page.problems.assert_clean()


def test_documents_view_shows_structure_obligations_and_counts(page, server, save_shot):
    page.goto(server + "/#documents")
    table = page.locator(".doc-table")
    table.wait_for()
    docs = httpx.get(server + "/api/documents", timeout=30).json()["documents"]
    assert table.locator("tbody tr").count() == len(docs)
    save_shot(page, "documents", readme="documents")
    wok = next(d for d in docs if d["authority"] == "Wokingham")
    page.locator(".doc-link", has_text=wok["title"]).click()
    page.locator(".doc-text .clause").first.wait_for()
    assert page.locator(".doc-section .section-heading").count() > 5
    assert page.locator(".clause.has-obligations").count() > 0
    assert page.locator(".doc-text mark.hl").count() > 0
    page.get_by_label("Only clauses with timescales").check()
    visible_plain = page.locator(".doc-text .clause:not(.has-obligations):visible").count()
    assert visible_plain == 0
    save_shot(page, "document-view")
    page.problems.assert_clean()


def test_trainers_build_induction_pack_downloads_a_file(page, server, save_shot):
    page.goto(server + "/#trainers")
    form = page.locator("#induction-form")
    form.get_by_label("Role").fill("social worker")
    form.get_by_label("Authority").select_option("Wokingham")
    form.get_by_label("Format").select_option("md")
    with page.expect_download() as info:
        page.get_by_role("button", name="Build induction pack").click()
    download = info.value
    assert download.suggested_filename.endswith(".md")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert "Wokingham" in content
    assert "Downloaded" in page.locator("#induction-status").inner_text()
    save_shot(page, "trainers")
    # An unknown role gets the server's message, not an empty file.
    form.get_by_label("Role").fill("astronaut")
    page.get_by_role("button", name="Build induction pack").click()
    page.locator("#induction-status .notice-error").wait_for()
    page.problems.assert_clean()


@pytest.mark.parametrize("view", ["ask", "compare", "documents", "trainers"])
def test_fits_a_phone_and_controls_are_labelled(browser, server, view, save_shot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    try:
        pg.goto(f"{server}/#{view}")
        pg.wait_for_selector("html[data-ready='1']")
        if view == "compare":
            pg.locator(".topic").first.wait_for()
            pg.locator(".topic", has=pg.locator(".topic-name", has_text=re.compile(r"^core group meeting$"))).click()
            pg.locator(".compare-table").wait_for()
        if view == "documents":
            pg.locator(".doc-table").wait_for()
        # The page itself never scrolls sideways; wide tables scroll inside their own region.
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{view}: page is {overflow}px wider than the phone"
        unlabelled = pg.evaluate(
            """() => Array.from(document.querySelectorAll('input, select, textarea'))
                 .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                 .map(e => e.id || e.name)"""
        )
        assert unlabelled == []
        save_shot(pg, f"phone-{view}", full_page=True)
    finally:
        context.close()


def test_keyboard_tabs_and_visible_focus(page, server):
    page.goto(server + "/")
    page.wait_for_selector("html[data-ready='1']")
    page.locator("#tab-ask").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-compare"
    assert page.locator("#view-compare").is_visible()
    assert page.locator("#tab-compare").get_attribute("aria-selected") == "true"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_silent_authority_answer_shows_the_national_figure_tagged_national(page, server) -> None:
    from tests.service.test_ask_national import silent_questions

    # Which authority is silent on a national duty, and abstains on it: asked of the API.
    authorities = _authorities(server)
    held: dict[tuple[str, str], bool] = {}

    def obligations_of(authority: str, topic: str) -> list:
        if (authority, topic) not in held:
            rows = httpx.get(server + "/api/obligations", params={"authority": authority, "topic": topic},
                             timeout=30).json()
            held[(authority, topic)] = bool(rows.get("obligations") or rows.get("items"))
        return [1] if held[(authority, topic)] else []

    found = None
    for who, _topic, question in silent_questions(authorities, obligations_of):
        data = httpx.post(server + "/api/ask", json={"question": question}, timeout=60).json()
        if data["abstained"] and any(n["status"] == "silent" and n["authority"] == who for n in data["national"]):
            found = (who, question)
            break
    assert found, "no shipped authority's answer carries a national figure"
    page.goto(server + "/")
    answer = _ask(page, found[1])
    box = answer.locator(".national-word")
    box.wait_for()
    assert box.locator(".national-tag").first.inner_text() == "National"
    text = box.inner_text()
    assert f"{found[0]}'s standards set no timescale" in text and "(national: " in text
