"""`make demo` installs only when pyproject.toml changed since the last install; otherwise it starts at once."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_installs_only_when_pyproject_changed(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\n")

    def planned(target: str = "demo") -> str:
        done = subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        return done.stdout

    assert "pip install" in planned()  # never installed: install first
    stamp = venv / ".installed"
    stamp.touch()
    later = (ROOT / "pyproject.toml").stat().st_mtime + 60
    os.utime(stamp, (later, later))
    unchanged = planned()
    assert "pip install" not in unchanged and "agency demo" in unchanged
    earlier = later - 120
    os.utime(stamp, (earlier, earlier))  # pyproject.toml changed since
    assert "pip install" in planned()
    # The test install (with extras) counts for the demo too.
    (venv / ".installed-test").touch()
    for path in (venv / ".installed-test", stamp):
        os.utime(path, (later, later))
    assert "pip install" not in planned("install-test") and "pip install" not in planned()
