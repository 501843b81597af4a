"""Serving the real app for browser tests: a free loopback port, `standards ingest`, uvicorn in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "browser-test-admin-token"
STARTUP_SECONDS = 300  # first start loads the embedding model on a 2-core machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _standards_cli() -> list[str]:
    exe = Path(sys.executable).parent / "standards"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from service.cli import main; main()"]


@contextmanager
def run_app(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Serve the real app (uvicorn, a subprocess on a free loopback port) with ``env``; yields its base URL."""
    port = _free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                # The port opens at once; wait until the dense index is built too, so answers use
                # the full hybrid search (until then they come from BM25 with a note).
                if httpx.get(base + "/healthz", timeout=5).json().get("dense_ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer within {STARTUP_SECONDS}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ingest(paths: list[Path], env: dict[str, str]) -> None:
    """`standards ingest PATHS` with ``env``; fails the test on a non-zero exit."""
    done = subprocess.run(_standards_cli() + ["ingest", *map(str, paths)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"ingest failed:\n{done.stdout}\n{done.stderr}"
