"""Compare rows are duties: labelled by the extractor's duty label (the topic when it has none),
split by phase and qualifiers, with a slot for the national figure.

A copy of the session's corpus store is given the duty frames the extractor writes (label,
phase, qualifiers) on a few obligations, then compared through the query layer.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import asdict

import pytest

from service.compare import compare
from service.query import open_source

pytestmark = pytest.mark.slow

TOPIC = "core group meeting"


@pytest.fixture
def framed(service_state, service_settings, tmp_path):
    """A copy of the corpus store whose first-core-group deadlines carry a duty frame."""
    settings = dataclasses.replace(service_settings, data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    with service_state.lock:
        copy = sqlite3.connect(settings.db_path)
        service_state.conn.backup(copy)
    firsts = [ob for ob in service_state.obligations(topic=TOPIC)
              if ob.timescale.kind == "deadline" and ob.timescale.anchor == "initial child protection conference"]
    by_authority: dict[str, object] = {}
    for ob in firsts:
        by_authority.setdefault(ob.authority, ob)
    assert len(by_authority) >= 2, "two authorities set a first core group deadline from the ICPC"
    chosen = list(by_authority.values())
    frames = {
        chosen[0].id: dict(label="hold the first core group meeting", phase="first"),
        chosen[1].id: dict(label="Hold the first  core group meeting", phase="First"),
    }
    if len(chosen) > 2:  # a third authority words the same duty its own way
        frames[chosen[2].id] = dict(label="convene the first core group", phase="first")
    minutes = next(ob for ob in service_state.obligations(chosen[0].authority, TOPIC) if ob.id not in frames)
    frames[minutes.id] = dict(label="sign off the core group minutes", qualifiers=["complex cases"])
    for ob in service_state.obligations(topic=TOPIC):
        if ob.id in frames:
            framed_ob = dataclasses.replace(ob, **frames[ob.id])
            copy.execute("UPDATE obligations SET data = ? WHERE id = ?",
                         (json.dumps(asdict(framed_ob), ensure_ascii=False), ob.id))
    copy.commit()
    copy.close()
    return open_source(settings), frames, chosen, minutes


def test_rows_are_labelled_by_the_duty_and_split_by_phase_and_qualifiers(framed) -> None:
    source, frames, chosen, minutes = framed
    result = compare(source, TOPIC)
    rows = {row.key: row for row in result.rows}
    assert len(rows) == len(result.rows)

    first = [row for row in result.rows if row.phase == "first"]
    assert len(first) == 1, [r.key for r in result.rows]
    row = first[0]
    # The label most authorities give wins; wording differences of case and spacing are one label.
    assert row.label == "hold the first core group meeting"
    in_row = {c.obligation.obligation.id for cells in row.cells.values() for c in cells}
    assert {ob.id for ob in chosen[:3]} <= in_row
    # Each cell keeps its own authority's label and phase.
    labels = {c.obligation.obligation.label for cells in row.cells.values() for c in cells}
    assert labels >= {"hold the first core group meeting", "Hold the first  core group meeting"}
    if len(chosen) > 2:
        assert "convene the first core group" in labels

    # The extractor gives other duties real qualifiers too; the framed one has its own row.
    qualified = [row for row in result.rows if row.qualifiers == ["complex cases"]]
    assert len(qualified) == 1
    assert qualified[0].label == "sign off the core group minutes"
    assert [c.obligation.obligation.id for c in qualified[0].cells[minutes.authority]] == [minutes.id]

    # Duties without a label fall back to the topic, and no obligation is lost or shown twice.
    for r in result.rows:
        if all(c.obligation.obligation.label is None for cells in r.cells.values() for c in cells):
            assert r.label == TOPIC
    shown = [c.obligation.obligation.id for r in result.rows for cells in r.cells.values() for c in cells]
    assert sorted(shown) == sorted(ob.id for ob in source.obligations(topic=TOPIC))


def test_national_slot_is_in_the_record_and_its_json(framed) -> None:
    from service.records import NationalCell

    source, *_ = framed
    result = compare(source, TOPIC)
    row = result.rows[0]
    assert row.national is None and row.verdicts == {}
    # What service/baseline.py will do: fill the national figure and a verdict per authority.
    row.national = NationalCell(description="within 15 working days of initial child protection conference",
                                source="Working Together to Safeguard Children", quote="…", approx_days=(21.0, 21.0))
    for authority in result.authorities:
        days = row.guarantee_days.get(authority)
        row.verdicts[authority] = "silent" if days is None else ("stricter" if days < 21 else "same")
    data = result.to_dict()["rows"][0]
    assert data["national"]["national"] is True and data["national"]["approx_days"] == [21.0, 21.0]
    assert set(data["verdicts"]) == set(result.authorities)
