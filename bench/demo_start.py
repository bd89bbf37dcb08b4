"""Seconds from `make demo` to the printed URL: a first start on an empty instance folder, then
two more starts of the same checkout (where nothing is installed and nothing seeded again).

Run: .venv/bin/python bench/demo_start.py [--port 8700]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_once(instance: Path, port: int) -> float:
    """Run `make demo` until it prints its banner; stop it with Ctrl-C; return the seconds it took."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["AGENCY_INSTANCE_DIR"] = str(instance)
    started = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "demo", f"DEMO_ARGS=--port {port}"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        for line in proc.stdout:
            if "Press Ctrl-C to stop." in line:
                return time.monotonic() - started
        raise RuntimeError(f"the demo stopped before it was ready (exit {proc.wait()})")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8700)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agency-demo-bench-") as folder:
        instance = Path(folder) / "instance"
        print(f"first start (empty instance): {start_once(instance, args.port):5.1f} s")
        for n in (2, 3):
            print(f"start {n} (unchanged checkout): {start_once(instance, args.port):5.1f} s")


if __name__ == "__main__":
    main()
