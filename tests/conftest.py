"""Shared test fixtures. Tests use real VapourSynth, real ffmpeg and real models at small sizes."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test files live in folders that mirror the package (tests/gating/, tests/render/, ...); the
# shared helpers (_synth, _media, _weights) sit here, so put this folder on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the real-footage folder; skips the test with a clear reason when it is absent."""
    from ainimotion_vs.evaluation.footage import find_shared_data  # here: importing conftest imports no package

    d = find_shared_data()
    if d is None:
        pytest.skip("real footage folder ../shared/data not found (set AINIMOTION_SHARED_DATA)")
    return d


@pytest.fixture(scope="session")
def core():
    """The VapourSynth core."""
    import vapoursynth as vs

    return vs.core
