"""Which ffmpeg is used, and how quietly: an old system ffmpeg is a detail, said once at -v."""
from __future__ import annotations

import logging
import os
import stat

import pytest

import ainimotion_vs.ffmpeg as ffmpeg_mod
from ainimotion_vs.ffmpeg import VERBOSE, find_ffmpeg


@pytest.fixture
def old_system_ffmpeg(tmp_path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    fake.write_text('#!/bin/sh\nif [ "$3" = "-version" ]; then echo "ffmpeg version 5.1.6 Copyright"; fi\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(ffmpeg_mod.ENV_FFMPEG, raising=False)
    monkeypatch.setattr(ffmpeg_mod, "_said", set())
    return fake


def test_old_system_ffmpeg_is_said_once_and_only_at_verbose(old_system_ffmpeg, caplog):
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        assert find_ffmpeg().origin == "imageio-ffmpeg"
    assert caplog.records == []  # the default level: nothing is wrong, nothing is said
    ffmpeg_mod._said.clear()
    with caplog.at_level(VERBOSE, logger="ainimotion_vs"):
        find_ffmpeg()
        find_ffmpeg()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].startswith("system ffmpeg 5.1.6 at ") and "older than 6.0; using imageio-ffmpeg's" in said[0]


def test_cli_says_it_at_v_only(old_system_ffmpeg, tmp_path, capsys):
    from _media import run_ffmpeg
    from ainimotion_vs.cli import main

    src = tmp_path / "s.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x36:r=24", "-frames:v", "3", "-c:v", "ffv1", "-y", str(src))
    for verbose, said in (([], 0), (["-v"], 1)):
        ffmpeg_mod._said.clear()
        out = tmp_path / f"o{said}.mkv"
        assert main(["enhance", str(src), "-o", str(out), "--preset", "none", "--encoder", "ffv1", *verbose]) == 0
        assert capsys.readouterr().err.count("older than 6.0") == said
