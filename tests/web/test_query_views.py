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


def test_compare_shows_the_national_column_labelled_national(page, server, save_shot):
    topic = "looked after review"
    data = httpx.get(server + "/api/compare", params={"topic": topic}, timeout=60).json()
    page.goto(server + "/#compare")
    page.locator("#compare-topic").fill(topic)
    page.locator("#compare-form button[type=submit]").click()
    table = page.locator(".compare-table")
    table.wait_for()
    assert table.locator("thead th.national-col").inner_text() == "National (statutory guidance)"
    rows = table.locator("tbody tr")
    for i, row in enumerate(data["rows"]):
        national = rows.nth(i).locator("td.national-cell")
        if row["national"] is None:
            assert national.locator(".entry-figure").count() == 0
            assert rows.nth(i).locator(".national-verdict").count() == 0
            continue
        # The national figure, its source and wording as sent; never inside an authority's cell.
        assert national.locator(".national-tag").inner_text() == "National (statutory guidance)"
        assert national.locator(".entry-figure").inner_text() == row["national"]["description"]
        assert national.locator(".national-source").inner_text() == row["national"]["source"]
        for authority, verdict in row["verdicts"].items():
            cell = rows.nth(i).locator(f'td[data-authority="{authority}"]')
            tag = cell.locator(".national-verdict .verdict-tag")
            assert tag.get_attribute("class").endswith(f"verdict-{verdict}")
            # The authority's cell holds its own figures only (Wokingham's own 20 working days included).
            assert cell.locator(".entry-figure").all_inner_texts() == [c["description"] for c in row["cells"][authority]]
    # The first review's national figure is shown once for each row the API gives it to (the children
    # in care as a whole, and a sub-group's row, such as a disability service's, under the same duty).
    first_review = "within 20 working days of child coming into care"
    carrying = [r for r in data["rows"] if r["national"] and first_review in r["national"]["description"]]
    assert carrying and page.locator(".national-cell .entry-figure", has_text=first_review).count() == len(carrying)
    save_shot(page, "compare-national")
    # Unverified figures only when asked for, and then flagged.
    assert page.locator(".badge-unverified").count() == 0
    page.locator("#compare-topic").fill("initial child protection conference")
    page.get_by_label("Also show national figures not verified against their source").check()
    page.locator("#compare-form button[type=submit]").click()
    page.locator(".badge-unverified").first.wait_for()
    # text_content: the words as written (the badge style sets them in capitals).
    assert page.locator(".badge-unverified").first.text_content() == "Not verified against its source"
    page.problems.assert_clean()
