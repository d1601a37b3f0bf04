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
