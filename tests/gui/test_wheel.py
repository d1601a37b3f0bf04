"""The wheel: built with `python -m build --wheel`, it holds the compiled gate filter and the
app's resources, and in a fresh venv with no C compiler on PATH `ainimotion doctor` says the
gate filter is ok (scripts/check_wheel.sh does the work; about 45 s, so it is marked slow)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_loads_the_gate_filter_without_a_compiler():
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here to build the wheel's gate filter")
    done = subprocess.run([str(REPO / "scripts" / "check_wheel.sh")], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "OK: the wheel's gate filter loads with no compiler on PATH" in done.stdout
    assert "no cc/gcc/clang on PATH" in done.stdout
