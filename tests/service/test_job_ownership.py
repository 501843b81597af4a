"""Upload jobs belong to the instance that queued them (PostgreSQL, several instances).

An instance starting settles the jobs an earlier run left unfinished (``LiveService._recover``).
With several instances on one database, a job another instance has queued or is running must be
left alone; once that instance is gone (its connection, and with it its session advisory lock),
the next instance to start settles the job as interrupted. Real services on a real schema of the
test server; no worker runs a job here (the removal stays queued), so nothing is timed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from engines import fresh_postgres_url

from ingest.settings import load_settings
from service.jobs import FAILED, QUEUED, LiveService
from service.state import build_state


def _service(settings) -> LiveService:
    return LiveService(settings, build_state(settings, dense_ready=False, warm=False))


def _status(live: LiveService, job_id: str) -> tuple[str, str | None]:
    row = live._records.execute("SELECT status, error_code FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row["status"], row["error_code"]


def test_a_starting_instance_leaves_a_live_instances_job_alone(tmp_path: Path) -> None:
    url = fresh_postgres_url("jobs")
    settings = dataclasses.replace(load_settings(), database_url=url, data_dir=tmp_path / "a")
    first = _service(settings)
    job = first.submit_removal("testshire--standards", "Testshire")  # queued; this instance never starts its worker
    assert _status(first, job.id) == (QUEUED, None)

    second = _service(dataclasses.replace(settings, data_dir=tmp_path / "b"))
    second.start(rebuild_index=False)
    try:
        assert _status(second, job.id) == (QUEUED, None), "an instance settled another live instance's job"
    finally:
        second.stop()

    first._records.close()  # the first instance dies: its session, and the job's lock, end with it
    third = _service(dataclasses.replace(settings, data_dir=tmp_path / "c"))
    third.start(rebuild_index=False)
    try:
        assert _status(third, job.id) == (FAILED, "interrupted")
    finally:
        third.stop()


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    """The ownership question exists only where several instances share a store."""
    from engines import postgres_base_url

    postgres_base_url()
