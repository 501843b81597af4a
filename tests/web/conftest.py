"""Browser-test fixtures: the real app on loopback over the shipped corpus, and Debian's Chromium.

One server per session: a temporary STANDARDS_DATA_DIR, `standards ingest corpus/` (real
parser, extractor, model and indexes), then uvicorn on a free port in a subprocess. Each test
gets a fresh browser context, so sessionStorage starts empty unless the test reloads.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_TOKEN = "browser-test-admin-token"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real app serving the page, with the shipped corpus ingested."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium; test.sh does it)")
    data = tmp_path_factory.mktemp("web-data")
    log_path = data / "server.log"
    env = os.environ | {
        "STANDARDS_DATA_DIR": str(data),
        "STANDARDS_CORPUS_DIR": str(ROOT / "corpus"),
        "STANDARDS_ADMIN_TOKEN": ADMIN_TOKEN,
        "HF_HUB_OFFLINE": "1",
    }
    ingest = subprocess.run(
        _standards_cli() + ["ingest", str(ROOT / "corpus")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert ingest.returncode == 0, f"ingest failed:\n{ingest.stdout}\n{ingest.stderr}"
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


@pytest.fixture(scope="session")
def admin_token() -> str:
    """The STANDARDS_ADMIN_TOKEN the test server runs with."""
    return ADMIN_TOKEN


@pytest.fixture(scope="session")
def browser(server: str):
    """One headless Chromium for the session (Debian's, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageProblems:
    """Console errors, CSP violations, uncaught exceptions and native dialogs seen by a page."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []

    def assert_clean(self) -> None:
        assert not self.dialogs, f"a native dialog opened (script ran?): {self.dialogs}"
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"
        csp = [m for m in self.console_errors if "Content Security Policy" in m]
        assert not csp, f"the page broke its own CSP: {csp}"


@pytest.fixture
def page(browser, server: str):
    """A fresh page (own context: empty sessionStorage), watched for errors and dialogs."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    problems = PageProblems()
    pg.on("console", lambda m: problems.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.page_errors.append(str(e)))

    def on_dialog(d) -> None:
        problems.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.problems = problems
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots of each view."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def save_shot(artifacts: Path):
    """Save a screenshot as test-artifacts/<name>.png; with STANDARDS_UPDATE_SCREENSHOTS=1 and a
    ``readme`` name, also refresh docs/screenshots/<readme>.png (the README's pictures)."""

    def save(pg, name: str, readme: str | None = None, full_page: bool = False) -> Path:
        path = artifacts / f"{name}.png"
        pg.screenshot(path=str(path), full_page=full_page)
        if readme and os.environ.get("STANDARDS_UPDATE_SCREENSHOTS") == "1":
            dest = ROOT / "docs" / "screenshots" / f"{readme}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        return path

    return save
