"""`ainimotion doctor`: a table of what the machine has; always exit 0."""
from __future__ import annotations

from ainimotion_vs.cli import main
from ainimotion_vs.commands.doctor import collect


def test_doctor_table(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AINIMOTION_HOME", str(tmp_path / "home"))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["item", "status", "detail"]
    for item in ("VapourSynth", "plugin bs", "plugin akarin", "ffmpeg", "encoder x264", "encoder nvenc-h264", "torch", "cache dir"):
        assert any(line.startswith(item) for line in lines), item
    assert f"{tmp_path / 'home'} ($AINIMOTION_HOME)" in out


def test_doctor_rows():
    rows = {item: (status, detail) for item, status, detail in collect(nvenc_test=False)}
    assert rows["VapourSynth"][0] == "ok" and rows["VapourSynth"][1].startswith("R")
    assert rows["plugin bs"][0] == "ok"
    assert rows["vspipe"][0] in ("ok", "no")
    assert rows["ffmpeg"][0] == "ok"
    assert rows["encoder x264"] == ("ok", "libx264")
    assert rows["encoder nvenc-hevc"][0] in ("untested", "missing")
    assert rows["torch"][0] == "ok" and "CUDA" in rows["torch"][1]
    assert {"plugin trt", "plugin ncnn", "plugin ort", "plugin ov"} <= rows.keys()


def test_doctor_shows_what_backend_auto_picks(tmp_path, monkeypatch):
    """Per installed model: "not measured yet" until auto has timed it, then the choice and its timings."""
    import pytest
    import torch

    from ainimotion_vs.backends.auto import measure
    from ainimotion_vs.cache import cache_dir
    from tests._weights import require

    if torch.cuda.is_available():
        pytest.skip("with a CUDA GPU auto is PyTorch on CUDA, not timed")
    require("realesr-animevideov3")
    real = cache_dir("weights")
    monkeypatch.setenv("AINIMOTION_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "weights").symlink_to(real, target_is_directory=True)
    item = "auto backend realesr-animevideov3"
    rows = {i: (s, d) for i, s, d in collect(nvenc_test=False)}
    assert rows[item][0] == "not measured" and "ainimotion doctor --measure" in rows[item][1]
    choice = measure("realesr-animevideov3")  # without an ONNX export here: torch only, about a second
    rows = {i: (s, d) for i, s, d in collect(nvenc_test=False)}
    assert rows[item] == ("ok", f"{choice.describe()}; measured {choice.measured_at}")
    assert rows[item][1].startswith("torch (torch ")
