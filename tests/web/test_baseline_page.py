"""The "National minimum" view in Debian's Chromium against the real app over the shipped corpus:
red flags with both figures and both sources, duties not mentioned, and the CSV download."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_baseline_view_lists_flags_and_silences_with_both_sources(page, server, save_shot):
    expected = httpx.get(server + "/api/baseline", params={"authority": "Dudley"}, timeout=120).json()["reports"][0]
    page.goto(server + "/#baseline")
    page.wait_for_selector("html[data-ready='1']")
    select = page.locator("#baseline-authority")
    select.locator("option", has_text="Dudley").wait_for(state="attached")
    select.select_option("Dudley")
    page.get_by_role("button", name="Check against national").click()
    page.locator("#baseline-looser").wait_for(timeout=120_000)

    # Every red flag the API reports is a row with the local figure, its citation, and the
    # national figure labelled national with its source (Dudley has none on the shipped corpus:
    # its 12-weekly visits are for children in more than one placement, another group).
    flags = page.locator("#baseline-looser tbody tr")
    assert flags.count() == len(expected["looser"])
    if not expected["looser"]:
        assert "None of this authority's figures is looser" in page.locator("#baseline-looser").inner_text()
    # Standards not compared: the local figure, its citation, why it is not the same duty, and the
    # national figure labelled national (which applies).
    others = page.locator("#baseline-not-compared tbody tr")
    assert others.count() == sum(d["verdict"] == "not_comparable" for d in expected["duties"]) >= 1
    for row in [*flags.all(), *others.all()]:
        assert row.locator("td.local .chip").count() >= 1
        assert row.locator("td.national .national-label").inner_text().startswith("national: ")
    reasons = others.locator(".not-compared-reason").all_inner_texts()
    assert reasons and all(r.startswith("Not compared: ") for r in reasons)
    # The citation opens to the quoted clause.
    chip = others.first.locator("td.local .chip").first
    chip.click()
    assert others.first.locator(".cite-panel blockquote").inner_text().strip()

    # Duties the standards do not mention: the national figure applies, cited.
    silent = page.locator("#baseline-silent tbody tr")
    assert silent.count() == len(expected["silent"])
    labels = silent.locator(".national-label").all_inner_texts()
    assert all(label.startswith("national: ") for label in labels)
    assert "national: Care Planning Regulations 2010, reg 33(1)" in labels
    save_shot(page, "baseline", full_page=True)

    # The CSV download carries the same report.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows and {r["authority"] for r in rows} == {"Dudley"}
    assert {r["national_source"].split(",")[0] for r in rows if r["verdict"] == "silent"} <= {
        "national: Care Planning Regulations 2010", "national: Fostering Services Regulations 2011",
        "national: Children and Families Act 2014", "national: Private Fostering Regulations 2005",
        "national: SEND Regulations 2014",
    }
    page.problems.assert_clean()


def test_baseline_view_fits_a_phone(browser, server, save_shot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    try:
        pg.goto(server + "/#baseline")
        pg.wait_for_selector("html[data-ready='1']")
        pg.locator("#baseline-authority option", has_text="Wokingham").wait_for(state="attached")
        pg.locator("#baseline-authority").select_option("Wokingham")
        pg.get_by_role("button", name="Check against national").click()
        pg.locator("#baseline-silent").wait_for(timeout=120_000)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        save_shot(pg, "phone-baseline", full_page=True)
    finally:
        context.close()
