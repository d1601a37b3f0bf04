"""The GUI's Qt-free parts: the settings form's facts, the queue file, progress lines, and
that the core install never imports Qt."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from ainimotion_vs.errors import SettingsError
from ainimotion_vs.gui.fields import field_specs, format_value, parse_value
from ainimotion_vs.gui.jobs import Job, default_output, enhance_argv, load_queue, parse_progress, save_queue, videos_in
from ainimotion_vs.presets import Preset


def test_form_covers_every_preset_field_with_its_docstring():
    specs = {s.name: s for s in field_specs(Preset)}
    assert list(specs) == [f.name for f in dataclasses.fields(Preset)]
    for name, spec in specs.items():
        if name not in ("name", "description"):
            assert spec.doc, f"Preset.{name} has no docstring for its tooltip"
    assert specs["height"].kind is int and specs["height"].optional
    assert specs["scale"].kind is float and specs["fallback"].kind is bool
    assert specs["height"].doc.startswith("Target height")


def test_values_round_trip_through_editor_text():
    for spec in field_specs(Preset):
        value = getattr(Preset(name="x", description="d"), spec.name)
        if spec.kind is not bool:
            assert parse_value(spec, format_value(spec, value)) == value


def test_bad_editor_text_says_what_the_field_takes():
    specs = {s.name: s for s in field_specs(Preset)}
    with pytest.raises(SettingsError, match=r"height: expected a whole number or empty; got 'tall'"):
        parse_value(specs["height"], "tall")
    with pytest.raises(SettingsError, match=r"bit_depth: needs a value \(int\)"):
        parse_value(specs["bit_depth"], "")
    with pytest.raises(SettingsError, match=r"scale: expected a number or empty; got '2x'"):
        parse_value(specs["scale"], "2x")
    with pytest.raises(SettingsError, match=r"fallback: expected true or false; got 'maybe'"):
        parse_value(specs["fallback"], "maybe")
    assert parse_value(specs["height"], "") is None and parse_value(specs["fps"], "none") is None


def test_queue_file_round_trip_and_running_jobs_come_back_queued(tmp_path):
    path = tmp_path / "q.json"
    jobs = [Job(input="/a.mkv", preset="fast", output="/a_fast.mkv", state="done", frames=48, total=48),
            Job(input="/b.mkv", preset="fast", output="/b_fast.mkv", state="running", frames=10, total=48)]  # fmt: skip
    save_queue(jobs, path)
    back = load_queue(path)
    assert [j.input for j in back] == ["/a.mkv", "/b.mkv"] and back[0] == jobs[0]
    assert (back[1].state, back[1].frames, back[1].id) == ("queued", 0, jobs[1].id)
    assert not list(tmp_path.glob(".q.json.*")), "no temporary file is left beside the queue"


def test_bad_queue_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "q.json"
    path.write_text("{not json")
    with pytest.raises(SettingsError, match=r"queue file .*q\.json cannot be read .*fix or delete it"):
        load_queue(path)
    path.write_text(json.dumps({"jobs": [{"preset": "fast"}]}))
    with pytest.raises(SettingsError, match=r"cannot be read"):
        load_queue(path)


def test_progress_lines_and_argv(tmp_path):
    p = parse_progress('{"state": "rendering", "frames": 12, "total": 48, "fps": 6.5, "eta_s": 5.5}\n')
    assert (p.state, p.frames, p.total, p.fps, p.eta_s) == ("rendering", 12, 48, 6.5, 5.5)
    assert parse_progress("  12/48 frames  6.5 fps  ETA 5 s") is None
    assert parse_progress("{broken") is None
    job = Job(input="in.mkv", preset="fast", output="out.mkv")
    argv = enhance_argv(job)
    assert argv[0] == sys.executable and argv[1:4] == ["-m", "ainimotion_vs", "enhance"]
    assert argv[-2:] == ["--progress", "json"] and "--preset" in argv


def test_folders_give_their_videos_and_outputs_do_not_collide(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/b.mkv", "d/sub/a.MP4", "d/notes.txt", "one.avi"):
        (tmp_path / name).write_bytes(b"x")
    found = videos_in([tmp_path / "d", tmp_path / "one.avi", tmp_path / "missing.mkv"])
    assert [f.name for f in found] == ["b.mkv", "a.MP4", "one.avi"]
    src = tmp_path / "one.avi"
    first = default_output(src, "fast")
    assert first.name == "one_fast.mkv"
    assert default_output(src, "fast", {str(first)}).name == "one_fast_2.mkv"


def test_core_install_does_not_import_qt():
    code = (
        "import sys, ainimotion_vs, ainimotion_vs.cli as c, ainimotion_vs.gui\n"
        "c.build_parser()\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_gui_without_pyside6_says_how_to_install_it():
    # a real interpreter in which PySide6 cannot be imported (as in a core-only install)
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from ainimotion_vs.cli import main\n"
        "sys.exit(main(['gui', '--no-check']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "ainimotion gui: error: gui: the desktop app needs PySide6" in done.stderr
    assert "pip install 'ainimotion_vs[gui]'" in done.stderr
