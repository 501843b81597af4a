"""Browser-test fixtures: the real app on loopback over the shipped corpus, and Debian's Chromium.

One server per session: a temporary STANDARDS_DATA_DIR, `standards ingest corpus/` (real
parser, extractor, model and indexes), then uvicorn on a free port in a subprocess. Each test
gets a fresh browser context, so sessionStorage starts empty unless the test reloads.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import ADMIN_TOKEN, ROOT, ingest, run_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real app serving the page, with the shipped corpus ingested."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium; test.sh does it)")
    data = tmp_path_factory.mktemp("web-data")
    env = os.environ | {
        "STANDARDS_DATA_DIR": str(data),
        "STANDARDS_CORPUS_DIR": str(ROOT / "corpus"),
        "STANDARDS_ADMIN_TOKEN": ADMIN_TOKEN,
        "HF_HUB_OFFLINE": "1",
    }
    ingest([ROOT / "corpus"], env)
    with run_app(env, data / "server.log") as base:
        yield base


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
