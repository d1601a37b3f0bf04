"""Shared pieces of the GUI tests: Qt draws offscreen, settings go to a temporary folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# before pytest-qt creates the QApplication: no display in CI
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]


def make_sample(path: Path, *, seconds: float = 1.0, size: str = "320x180") -> Path:
    """The project's synthetic sample (scripts/make_sample.py): shapes on twos, a hold, a cut, audio, subtitles."""
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample.py"), str(path), "--seconds", str(seconds), "--size", size],
        check=True, capture_output=True,
    )  # fmt: skip
    return path
