"""A real ``standards serve`` on loopback for the reliability tests: a copy of a store, a free
port, a subprocess that can be killed (-9 included), and raw-socket helpers for requests a
client library would not send (stalled headers, huge declared bodies, chunked floods)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "live-test-admin-token-93c1"
# Loading the store and, in the background, the model on a busy 2-core machine.
START_SECONDS = 240
DENSE_SECONDS = 600


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_store(source_data: Path, dest: Path) -> Path:
    """A consistent copy of a data folder: SQLite's backup API for the store, then the index files."""
    dest.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source_data / "standards.db")
    out = sqlite3.connect(dest / "standards.db")
    with out:
        src.backup(out)
    src.close()
    out.close()
    if (source_data / "index").is_dir():
        shutil.copytree(source_data / "index", dest / "index", dirs_exist_ok=True)
    return dest


def standards_cli() -> list[str]:
    exe = Path(sys.executable).parent / "standards"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from service.cli import main; main()"]


@dataclass
class LiveServer:
    """One server process over ``data``; ``start`` / ``kill`` / ``stop`` may be repeated."""

    data: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data / "server.log"

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {
            "STANDARDS_DATA_DIR": str(self.data),
            "STANDARDS_CORPUS_DIR": str(ROOT / "corpus"),
            "STANDARDS_ADMIN_TOKEN": TOKEN,
            "HF_HUB_OFFLINE": "1",
            **self.env_extra,
        }

    def start(self) -> LiveServer:
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                standards_cli() + ["serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, dense: bool = False, seconds: float | None = None) -> dict:
        """Wait until /healthz says the store is loaded (and, with ``dense``, the dense index too)."""
        deadline = time.monotonic() + (seconds or (DENSE_SECONDS if dense else START_SECONDS))
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            try:
                health = httpx.get(self.base + "/healthz", timeout=5).json()
                if health.get("ready") and (health.get("dense_ready") or not dense):
                    return health
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready in time:\n{self.log()[-4000:]}")
            time.sleep(0.3)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash or the OOM killer would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def follow(self, job: dict, seconds: float = 900) -> dict:
        """Poll a job until it has finished."""
        deadline = time.monotonic() + seconds
        with httpx.Client(base_url=self.base, headers=self.admin(), timeout=30) as client:
            while job["status"] not in ("succeeded", "failed"):
                assert time.monotonic() < deadline, f"job did not finish: {job}"
                time.sleep(0.3)
                job = client.get(job["location"]).json()
        return job

    def upload(self, name: str, data: bytes, authority: str, **form: str) -> dict:
        """Upload and return the finished job."""
        response = httpx.post(self.base + "/api/documents", headers=self.admin(), timeout=60,
                              files={"file": (name, data)}, data={"authority": authority, **form})
        assert response.status_code == 202, response.text
        assert response.headers["location"] == response.json()["job"]["location"]
        return self.follow(response.json()["job"])


def raw_exchange(port: int, head: bytes, body: bytes = b"", read_seconds: float = 30) -> bytes:
    """Send raw bytes and read what comes back until the server closes or ``read_seconds`` pass."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_seconds) as sock:
        sock.sendall(head + body)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b'"error"' in b"".join(chunks):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)
