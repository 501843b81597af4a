"""The Compare and Documents views show the server's records as sent: each timescale in the
words of its ``description``, each duty by its ``label``, each citation by its ``label``. The
page never phrases a timescale or a citation of its own. Debian's Chromium, the real app."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOPIC = "core group meeting"


def test_compare_shows_the_servers_descriptions_duties_and_citation_labels(page, server, save_shot):
    data = httpx.get(server + "/api/compare", params={"topic": TOPIC}, timeout=60).json()
    page.goto(server + "/#compare")
    page.get_by_label("Find a topic").fill("core group")
    page.locator(".topic", has=page.locator(".topic-name", has_text=re.compile(rf"^{TOPIC}$"))).click()
    table = page.locator(".compare-table")
    table.wait_for()

    authorities = table.locator("thead th.auth-col").all_inner_texts()
    assert authorities == data["authorities"]
    rows = table.locator("tbody tr")
    assert rows.count() == len(data["rows"])
    for i, row in enumerate(data["rows"]):
        shown = rows.nth(i)
        assert shown.locator(".req-label").inner_text() == row["label"]
        for j, authority in enumerate(authorities):
            cell = shown.locator("td").nth(j)
            cells = row["cells"][authority]
            # The figure is the server's description, word for word, and the chip its citation label.
            assert cell.locator(".entry-figure").all_inner_texts() == [c["description"] for c in cells]
            assert cell.locator(".chip").all_inner_texts() == [c["citation"]["label"] for c in cells]
    save_shot(page, "compare-records")
    page.problems.assert_clean()


def test_documents_view_shows_the_servers_descriptions_and_labels(page, server):
    docs = httpx.get(server + "/api/documents", timeout=30).json()["documents"]
    doc = next(d for d in docs if d["authority"] == "Wokingham")
    data = httpx.get(server + f"/api/documents/{doc['id']}", timeout=60).json()
    by_clause: dict[str, list[dict]] = {}
    for ob in data["obligations"]:
        by_clause.setdefault(ob["clause_id"], []).append(ob)
    expected = [ob["description"] for s in data["sections"] for c in s["clauses"] for ob in by_clause.get(c["id"], [])]
    assert expected

    page.goto(server + f"/#doc/{doc['id']}")
    page.locator(".doc-text .clause").first.wait_for()
    assert page.locator(".doc-text .ob-description").all_text_contents() == expected

    # A conflict names each side by the server's description and citation label.
    if data["conflicts"]:
        side = data["conflicts"][0]["obligations"][0]
        summary = f"{side['description']} ({side['citation']['label']})"
        assert summary in page.locator(".conflict-list").text_content()
    page.problems.assert_clean()
