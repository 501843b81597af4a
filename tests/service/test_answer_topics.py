"""An obligation the extractor filed under another topic is not relabelled by its surroundings."""

from __future__ import annotations


def test_section_row_alone_does_not_make_an_assessment_period_a_visit(client) -> None:
    # Dudley's "Children in Need" row under "2. Assessments" says assessments are "current within
    # a 12 month period": an assessment update, not how often a child in need is visited.
    body = client.post("/api/ask", json={"question": "how often do I need to see a CIN kid in Dudley"}).json()
    assert not body["abstained"]
    assert "4 weeks" in body["answer"]
    assert "12 month" not in body["answer"]
    assert all("12 month period" not in c["text"] for c in body["citations"])
    assert not body["conflicts"]
