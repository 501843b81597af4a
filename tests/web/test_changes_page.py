"""The Changes and Gaps views and the "Not helpful" control, in Debian's Chromium.

A server of its own: one shipped document ingested, the question log on, an admin token. A
second version of the document (one figure changed, chosen from the stored obligations) is
uploaded over HTTP, as an administrator would.
"""

from __future__ import annotations

import os
import re
import time

import httpx
import pytest
import yaml
from playwright.sync_api import expect
from web_helpers import ADMIN_TOKEN, ROOT, ingest, run_app

UPLOAD_SECONDS = 900  # re-ingesting one shipped document on a busy shared 2-core machine

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHIPPED = "002_93ba2dc2b9b16c50.txt"
ANSWERED_Q = "When must the ICPC be held in Wiltshire?"


@pytest.fixture(scope="module")
def changes_server(tmp_path_factory, browser) -> dict:
    data = tmp_path_factory.mktemp("changes-web")
    corpus = data / "corpus"
    corpus.mkdir()
    manifest = yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["documents"] = [e for e in manifest["documents"] if e["file"] == SHIPPED]
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    text = (ROOT / "corpus" / SHIPPED).read_text(encoding="utf-8")
    (corpus / SHIPPED).write_text(text, encoding="utf-8")
    env = os.environ | {
        "STANDARDS_DATA_DIR": str(data / "store"), "STANDARDS_CORPUS_DIR": str(corpus),
        "STANDARDS_ADMIN_TOKEN": ADMIN_TOKEN, "STANDARDS_QUESTION_LOG": "on", "HF_HUB_OFFLINE": "1",
    }
    ingest([corpus], env)
    with run_app(env, data / "server.log") as base:
        doc = httpx.get(base + "/api/documents", timeout=30).json()["documents"][0]
        obs = httpx.get(base + "/api/obligations", params={"authority": doc["authority"]}, timeout=60).json()
        # A figure to change: a whole-number timescale whose clause is found once in the file.
        for ob in obs["obligations"]:
            ts = ob["timescale"]
            clause = httpx.get(base + f"/api/clauses/{ob['clause_id']}", timeout=30).json()["text"]
            value = ts.get("value")
            if value and float(value).is_integer() and str(int(value)) in ts["phrase"] and text.count(clause) == 1:
                break
        else:
            pytest.fail("no obligation with a whole-number figure")
        phrase = ts["phrase"]
        new_phrase = phrase.replace(str(int(value)), str(int(value) + 2), 1)
        second = text.replace(clause, clause.replace(phrase, new_phrase, 1))
        # An upload is a background job: 202 with its Location, followed until it has finished.
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        upload = httpx.post(
            base + "/api/documents", headers=auth,
            files={"file": (SHIPPED, second.encode("utf-8"), "text/plain")},
            data={"authority": doc["authority"], "title": doc["title"]}, timeout=60,
        )
        assert upload.status_code == 202, upload.text
        job = upload.json()["job"]
        deadline = time.monotonic() + UPLOAD_SECONDS
        while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(1)
            job = httpx.get(base + upload.headers["Location"], headers=auth, timeout=60).json()
        assert job["status"] == "succeeded", job
        assert job["result"]["status"] == "replaced"
        yield {"base": base, "doc": doc, "old": ts["description"], "value": int(value)}


def test_amendments_log_and_document_history(page, changes_server, save_shot) -> None:
    base, doc = changes_server["base"], changes_server["doc"]
    page.goto(base + "/#changes")
    page.wait_for_selector("html[data-ready='1']")
    card = page.locator(".amendment").first
    expect(card).to_be_visible(timeout=60_000)
    changed = card.locator(".obligation-changes li[data-kind='changed'] .change-summary")
    expect(changed).to_have_count(1)
    summary = changed.inner_text()
    assert f"{changes_server['old']} → " in summary and str(changes_server["value"] + 2) in summary
    expect(card.locator(".change-cite", has_text="was:")).to_have_count(1)
    expect(card.locator(".change-cite", has_text="now:")).to_have_count(1)
    expect(page.locator(".amendment").nth(1)).to_contain_text("First version stored")
    csv_link = page.locator("#amendments-csv")
    assert csv_link.is_visible() and "format=csv" in csv_link.get_attribute("href")
    csv = httpx.get(base + csv_link.get_attribute("href"), timeout=60)
    assert csv.status_code == 200 and "obligation changed" in csv.text
    save_shot(page, "changes-amendments")

    # The Documents view links the document to its history, which compares any two versions.
    page.goto(base + "/#documents")
    page.locator(".doc-table .history-link").first.click()
    expect(page).to_have_url(re.compile(r"#changes/doc/"))
    expect(page.locator("#history-title")).to_contain_text(doc["title"])
    expect(page.locator(".versions-table tbody tr")).to_have_count(2)
    expect(page.locator("#history-result .obligation-changes li[data-kind='changed']")).to_have_count(1)
    page.locator("#history-from").select_option("#2")
    page.locator("#history-pick, .history-pick").first.get_by_role("button", name="Compare").click()
    expect(page.locator("#history-result .notice-error")).to_contain_text("same version")
    page.get_by_role("link", name="Amendments log").click()
    expect(page.locator("#amendments-panel")).to_be_visible()
    expect(page.locator("#history-panel")).to_be_hidden()
    page.problems.assert_clean()


def test_not_helpful_control_is_recorded_and_shown_in_gaps(page, changes_server, save_shot) -> None:
    base = changes_server["base"]
    page.goto(base + "/")
    page.wait_for_selector("html[data-ready='1']")
    expect(page.locator(".question-log-note")).to_contain_text("personal details removed")
    box = page.get_by_label("Your question")
    box.fill(ANSWERED_Q + " The child is called Priya Kaur.")
    box.press("Enter")
    answer = page.locator(".turn .answer:not(.pending)").first
    answer.wait_for(timeout=60_000)
    button = answer.get_by_role("button", name="Not helpful")
    expect(button).to_be_visible()
    button.click()
    expect(answer.locator(".answer-feedback")).to_contain_text("Marked not helpful")

    # The Gaps view needs the admin token, then lists the (redacted) question.
    page.goto(base + "/#gaps")
    page.get_by_role("button", name="Show gaps").click()
    expect(page.locator("#gaps-result .notice-error")).to_contain_text("admin token")
    page.locator("#gaps-token").fill("wrong-token")
    page.get_by_role("button", name="Show gaps").click()
    expect(page.locator("#gaps-result .notice-error")).to_be_visible()
    page.locator("#gaps-token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Show gaps").click()
    row = page.locator(".gap-table tbody tr").first
    expect(row).to_contain_text("Wiltshire")
    text = page.locator(".gap-table").inner_text()
    assert "Priya" not in text and "Kaur" not in text and "[name]" in text
    save_shot(page, "changes-gaps")
    page.problems.assert_clean()
