"""`agency demo` end to end, zero-config: the URL and the logins are the last lines on screen (the
processes' chatter goes to log files), and Ctrl-C stops everything without an error message."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from agency.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]


def _free_port_run(length: int = 4) -> int:
    """A port P with P..P+length-1 free (the demo uses port, port+1 for the sandbox, port+2 for mail and port+3
    for the Stripe double)."""
    # Below the kernel's ephemeral range (32768 and up): there, the many client connections of a parallel test
    # run take ports at random, and one took the Stripe double's port+3 between this check and its start.
    rng = random.Random()
    for _attempt in range(50):
        base = rng.randrange(20000, 32000)
        try:
            held = []
            for port in range(base, base + length):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                held.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no run of free ports")


class _Screen:
    """What the demo prints, read line by line in the background."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear:\n" + "\n".join(self.lines[-40:]))

    def finish(self) -> None:
        self._thread.join(timeout=10)


@pytest.fixture
def instance_dir():
    # Not under pytest's tmp_path: pytest makes its base folder private (0700) whenever a test run starts,
    # and the embedded PostgreSQL runs as a user of its own that must reach its data directory.
    folder = Path(tempfile.mkdtemp(prefix="agency-demo-test-"))
    yield folder / "instance"
    shutil.rmtree(folder, ignore_errors=True)


def test_demo_shows_url_and_logins_last_and_stops_cleanly(instance_dir):
    port = _free_port_run()
    instance = instance_dir
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                                            "AGENCY_ENCRYPTION_KEYS")}
    env["AGENCY_INSTANCE_DIR"] = str(instance)
    proc = subprocess.Popen([sys.executable, "-m", "agency.cli", "demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    screen = _Screen(proc)
    try:
        screen.wait_for("Press Ctrl-C to stop.", timeout=300)
        time.sleep(3)  # the worker and scheduler are starting now: their output must not reach the screen
        lines = list(screen.lines)
        start = next(i for i, line in enumerate(lines) if "Agency demo is running at" in line)
        assert f"http://127.0.0.1:{port}/" in lines[start]
        assert lines[-1] == "Press Ctrl-C to stop.", lines[start:]
        shown = "\n".join(lines[start:])
        assert all(email in shown for email, _name, _role in DEMO_USERS)
        # Access logs and the workers' chatter are in files, not on screen.
        screen_text = "\n".join(lines)
        assert "HTTP/1.1" not in screen_text and "Worker" not in screen_text and "gunicorn" not in screen_text
        logs = instance / "logs"
        assert "GET /_sandbox/accounts" in (logs / "sandbox.log").read_text()
        assert "/healthz" in (logs / "web-access.log").read_text()

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0
        screen.finish()
        after = "\n".join(screen.lines[len(lines):])
        assert "shutting down" in after
        assert "Failed postgres command" not in after and "Traceback" not in after and "Error" not in after, after
        assert not (instance / "pgdata" / "postmaster.pid").exists()  # the embedded PostgreSQL is down
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
