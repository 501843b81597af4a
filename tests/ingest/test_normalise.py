"""Normalisation and the noise detectors (TOC, revision history, document control, furniture)."""

from __future__ import annotations

from ingest.normalise import (
    fold,
    furniture_lines,
    heading_info,
    is_doc_control,
    is_footnote_body,
    is_revision_header,
    is_revision_row,
    is_toc_entry,
    is_toc_heading,
    plain_text,
)


def test_plain_text_strips_markup_bullets_entities_bookmarks_and_footnote_marks():
    raw = "- [bookmark: _GoBack]Visits within **10 working days** of the <u>ICPC</u>&nbsp;&amp; *Core Group*²\n  ^{*}done"
    assert plain_text(raw) == "Visits within 10 working days of the ICPC & Core Group done"
    assert plain_text("· Children\u00a0seen  alone") == "Children seen alone"
    assert plain_text("\uf0b7 item") == "item"
    assert fold(" a\t\nb  ") == "a b"


def test_toc_detection():
    assert is_toc_heading("Contents") and is_toc_heading("CONTENTS\tPage/s") and is_toc_heading("Table of contents")
    assert not is_toc_heading("Contents of the care plan are shared")
    assert is_toc_entry(["Child Protection Plans and Reviews", "22"])
    assert is_toc_entry(["A", "RECORDING", "(17-18)"])
    assert is_toc_entry(["_Toc34041819Section 2: Referral and Assessment Services", ""])
    assert is_toc_entry(["Recording Standards ........ 51"])
    assert not is_toc_entry(["A.1.1", "I will record visits within 3 working days."])


def test_revision_and_document_control_detection():
    assert is_revision_header(["Version", "Date", "Description"])
    assert is_revision_header(["Revision date", "Editor", "Previous Version", "Description of revision"])
    assert not is_revision_header(["EVENT / PLAN", "MOSAIC STEP (DOCUMENT)", "TIMESCALE FOR COMPLETION"])
    assert is_revision_row(["Version 1.1", "01.09.20", "Adjustment made"])
    assert is_revision_row(["16/01/19", "CS/JM", "", "V1 First Draft"])
    assert not is_revision_row(["Supervision", "CH – Case Supervision", "Within 5 working days"])
    assert is_doc_control("Owner: Rachel Oakley") and is_doc_control("Review date\tJuly 2019")
    assert is_doc_control("Document Control Information")
    assert not is_doc_control("Owners of the plan will review it monthly.")


def test_footnote_bodies():
    assert is_footnote_body("¹ Excluding statutory Youth Offending Services")
    assert is_footnote_body("^{*}Chronologies must be recorded every 3 months")
    assert not is_footnote_body("A Child in Care held in the Team² will be seen")


def test_headings():
    assert heading_info("Section 2: Referral and Assessment Services")[0] == 1
    assert heading_info("D2 Children Subject to Child Protection Plans")[0] == 2
    assert heading_info("A - RECORDING")[0] == 1
    assert heading_info("Core Group Meetings") == (None, "Core Group Meetings")
    assert heading_info("Children in Need:") == (None, "Children in Need")
    assert heading_info("1. Introduction") == (1, "1. Introduction")
    assert heading_info("## Visits") == (2, "Visits")
    assert heading_info("Section 47 Enquiries")[0] is None
    assert heading_info("The Youth Offending Service will:") is None
    assert heading_info("- 8. The first core group meeting will be held within 10 working days.") is None
    assert heading_info("Someone who is kind, caring & understanding") is None
    assert heading_info("OR") is None


def test_furniture_lines_repeat_at_page_breaks():
    page = "Children first and at the heart of all we do\n\nCHILDREN'S SERVICES\n\n{}\n\n\n\n\n"
    text = page.format("First page text.") + page.format("Second page text.") + "Intro text.\n\nMore text.\n\nReviews\n\nMore.\n\nReviews\n\nEnd.\n"
    furniture = furniture_lines(text)
    assert "Children first and at the heart of all we do" in furniture
    assert "CHILDREN'S SERVICES" in furniture
    assert "Reviews" not in furniture  # a heading used twice is not furniture
    pages = [(0, 40, 1), (40, 80, 2), (80, 120, 3)]
    text2 = ("Header line\nbody one\n".ljust(40) + "Header line\nbody two\n".ljust(40) + "Header line\nbody 3\n".ljust(40))
    assert "Header line" in furniture_lines(text2, pages)
