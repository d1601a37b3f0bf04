"""Renders from the queue: real ``ainimotion enhance --progress json`` subprocesses on the
project's synthetic sample (320x180, 1 s), started, watched and cancelled from the window."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

import _gui_helpers  # noqa: E402 - sets QT_QPA_PLATFORM before the QApplication exists

from ainimotion_vs.gui.window import MainWindow  # noqa: E402
from ainimotion_vs.presets import user_presets  # noqa: E402

RENDER_TIMEOUT_MS = 300_000
"""A 1 s clip through RIFE on 2 shared CPU cores takes well under a minute; the margin is for a loaded machine."""


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    # the CLI subprocess inherits it, so it reads the user presets the window saved
    monkeypatch.setenv("AINIMOTION_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(queue_file=tmp_path / "cfg" / "gui-queue.json")
    qtbot.addWidget(w)
    yield w
    w.shutdown()
    w.preview.shutdown()


@pytest.fixture
def sample(tmp_path) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    return _gui_helpers.make_sample(folder / "sample.mkv", seconds=1.0)


def _frames(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def _bits(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return 10 if "10" in c.streams.video[0].codec_context.pix_fmt else 8


def test_queue_renders_a_file_with_progress(window, qtbot, sample):
    panel = window.presets
    panel.chooser.setCurrentText("fast")
    # no models: gate, format and encode only, so the proof stays quick on a CPU; the cancel
    # test below runs the models
    panel.set_text("upscale_model", "")
    panel.set_text("interp_model", "")
    panel.set_text("scale", "")
    panel.set_text("bit_depth", "10")
    assert panel.save_as("quick"), panel.whole_error.text()
    assert user_presets()["quick"].upscale_model is None
    before = set(sample.parent.iterdir())
    [job] = window.add_paths([sample])
    assert job.preset == "quick"
    seen = []
    window.runner.progress.connect(seen.append)
    window.start_queue()
    assert job.state == "running" and window.table.item(0, 3).text() == "running"
    qtbot.waitUntil(lambda: job.state != "running", timeout=RENDER_TIMEOUT_MS)
    assert job.state == "done", job.message
    out = Path(job.output)
    assert out.name == "sample_quick.mkv" and out.is_file()
    src_frames = _frames(sample)
    assert job.total == src_frames  # no interpolation: the same frames
    assert _bits(out) == 10  # the user preset's setting reached the CLI
    assert _frames(out) == job.total and job.frames == job.total
    assert seen and seen[-1].frames == seen[-1].total == job.total and seen[-1].state == "finishing"
    assert [p.frames for p in seen] == sorted(p.frames for p in seen)
    assert window.table.item(0, 3).text() == "done" and window.table.item(0, 4).text() == f"{job.total}/{job.total}"
    assert set(sample.parent.iterdir()) == before | {out}, "no temporary file is left in the folder"
    assert not window.queue_active and window.runner.proc is None


def test_cancel_leaves_nothing_under_the_output_name(window, qtbot, sample):
    window.presets.chooser.setCurrentText("fast")
    before = set(sample.parent.iterdir())
    [job] = window.add_paths([sample], preset="fast")  # RIFE and the upscaler: seconds per frame on a CPU
    window.start_queue()
    qtbot.waitUntil(lambda: job.frames >= 1 or job.state != "running", timeout=RENDER_TIMEOUT_MS)
    assert job.state == "running" and job.frames < job.total
    window.cancel(job)
    qtbot.waitUntil(lambda: job.state != "running", timeout=60_000)
    assert job.state == "cancelled"
    assert not Path(job.output).exists()
    assert set(sample.parent.iterdir()) == before, "the CLI removed its temporary output"
    assert window.dialogs == []  # a cancel is not an error


def test_failed_render_shows_the_cli_message_and_the_queue_goes_on(window, qtbot, sample, tmp_path):
    bad = sample.parent / "broken.mkv"
    bad.write_text("not a video")
    window.presets.chooser.setCurrentText("fast")
    jobs = window.add_paths([bad], preset="fast") + window.add_paths([sample], preset="none")
    window.start_queue()
    qtbot.waitUntil(lambda: all(j.state in ("done", "failed") for j in jobs), timeout=RENDER_TIMEOUT_MS)
    assert [j.state for j in jobs] == ["failed", "done"]
    assert jobs[0].message.startswith("ainimotion enhance: error: ")
    assert "broken.mkv" in jobs[0].message
    [box] = [d for d in window.dialogs if d.windowTitle().startswith("Render")]
    assert box.windowTitle() == "Render of broken.mkv failed"
    assert box.text() == jobs[0].message.splitlines()[0]
    assert not Path(jobs[0].output).exists() and Path(jobs[1].output).is_file()


def test_render_preview_button_runs_ainimotion_preview(window, qtbot, sample):
    import dataclasses

    from ainimotion_vs.presets import get_preset, save_user_preset

    save_user_preset(dataclasses.replace(get_preset("fast"), name="plain", interp_model=None, upscale_model=None, scale=None))
    window.presets.reload_names(select="plain")
    p = window.preview
    p.open_when_done = False  # no system video player in a test
    p.open(str(sample))
    qtbot.waitUntil(lambda: p.loaded_path == str(sample) and p.render_button.isEnabled(), timeout=RENDER_TIMEOUT_MS)
    failed = []
    p.error.connect(lambda title, message: failed.append(message))
    out = p.render_preview()
    assert out == sample.with_name("sample_preview_plain.mkv") and not p.render_button.isEnabled()
    qtbot.waitUntil(lambda: p.render_button.isEnabled(), timeout=RENDER_TIMEOUT_MS)
    assert not failed, failed
    assert out.is_file() and _frames(out) > 0
    assert p.title.text() == f"Preview written: {out}"
