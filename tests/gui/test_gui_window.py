"""The window with real widgets (pytest-qt, offscreen): drops, the queue file across a restart,
the presets panel, the library's messages inline, the preview and a screenshot."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

import _gui_helpers  # noqa: E402,F401 - sets QT_QPA_PLATFORM before the QApplication exists
import numpy as np  # noqa: E402
import vapoursynth as vs  # noqa: E402
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ainimotion_vs.gui.fields import field_specs  # noqa: E402
from ainimotion_vs.gui.window import COLUMNS, MainWindow  # noqa: E402
from ainimotion_vs.presets import Preset, get_preset, user_presets  # noqa: E402


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AINIMOTION_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


@pytest.fixture
def open_window(qtbot, tmp_path):
    made = []

    def _open() -> MainWindow:
        w = MainWindow(queue_file=tmp_path / "cfg" / "gui-queue.json")
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield _open
    for w in made:
        w.shutdown()
        w.preview.shutdown()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return _gui_helpers.make_sample(tmp_path_factory.mktemp("gui") / "sample.mkv", seconds=1.0)


def _drop(widget, paths: list[Path]) -> None:
    """A drag enters the window and drops file URLs, as a file manager does (Qt ignores a drop
    that no drag entered)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPointF(10, 10), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), *args)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


def test_dropped_files_and_folders_become_jobs(open_window, qtbot, tmp_path):
    w = open_window()
    w.show()
    qtbot.waitExposed(w)
    folder = tmp_path / "season"
    folder.mkdir()
    for name in ("ep02.mkv", "ep01.mp4", "readme.txt"):
        (folder / name).write_bytes(b"x")
    single = tmp_path / "movie.mkv"
    single.write_bytes(b"x")
    w.presets.chooser.setCurrentText("fast")
    _drop(w, [single, folder])
    assert [Path(j.input).name for j in w.jobs] == ["movie.mkv", "ep01.mp4", "ep02.mkv"]
    assert all(j.preset == "fast" and j.state == "queued" for j in w.jobs)
    assert w.jobs[0].output == str(tmp_path / "movie_fast.mkv")
    assert w.table.rowCount() == 3 and w.table.columnCount() == len(COLUMNS)
    assert [w.table.item(0, c).text() for c in range(4)] == ["movie.mkv", "fast", "movie_fast.mkv", "queued"]
    _drop(w, [single])  # the same file again gets its own output name
    assert Path(w.jobs[-1].output).name == "movie_fast_2.mkv"


def test_queue_survives_a_restart(open_window, tmp_path):
    files = []
    for name in ("a.mkv", "b.mkv", "c.mkv"):
        (tmp_path / name).write_bytes(b"x")
        files.append(tmp_path / name)
    w = open_window()
    w.add_paths(files, preset="fast")
    w.table.selectRow(2)
    w.move_selected(-1)  # a c b
    w.table.selectRow(0)
    w.remove_selected()  # c b
    w.table.selectRow(1)
    w.cancel_selected()  # b: queued -> cancelled
    w.close()
    again = open_window()
    assert [(Path(j.input).name, j.state) for j in again.jobs] == [("c.mkv", "queued"), ("b.mkv", "cancelled")]
    assert [j.id for j in again.jobs] == [j.id for j in w.jobs]
    assert again.table.item(1, 3).text() == "cancelled"


def test_unreadable_queue_file_shows_why_and_opens_empty(open_window, qtbot, tmp_path):
    """A damaged queue file is reported in a dialog once the window runs (not lost to a
    NameError in the deferred call) and the app starts with an empty queue."""
    queue = tmp_path / "cfg" / "gui-queue.json"
    queue.parent.mkdir(parents=True, exist_ok=True)
    queue.write_text("{not json", encoding="utf-8")
    w = open_window()
    assert w.jobs == []
    qtbot.waitUntil(lambda: len(w.dialogs) == 1, timeout=5000)
    box = w.dialogs[0]
    assert box.windowTitle() == "The saved queue could not be read"
    assert box.text()  # the library's message, first line


def _changed(spec, value):
    """A value of the field's type unlike ``value`` (None for optional fields that are set)."""
    if spec.kind is bool:
        return not value
    if spec.optional and value is not None:
        return None
    if spec.choices:
        return next(c for c in spec.choices if c != value)
    if spec.kind is int:
        return (value or 0) + 7
    if spec.kind is float:
        return 1.75
    return f"{value or 'v'}-x"


def test_presets_panel_round_trips_every_field(open_window):
    panel = open_window().presets
    panel.chooser.setCurrentText("anime-clean")
    base = get_preset("anime-clean")
    for spec in field_specs(Preset):
        if spec.name == "name":
            continue
        other = dataclasses.replace(base, **{spec.name: _changed(spec, getattr(base, spec.name))})
        panel.set_preset(other)
        assert panel.preset() == other, spec.name
        # every editor carries the field's docstring as its tooltip
        assert panel.editors[spec.name].toolTip() == (spec.doc or spec.name)
    every = dataclasses.replace(base, **{s.name: _changed(s, getattr(base, s.name)) for s in field_specs(Preset) if s.name != "name"})
    panel.set_preset(every)
    assert panel.preset() == every


def test_invalid_value_shows_the_library_message(open_window):
    from ainimotion_vs.enhance import output_format

    with pytest.raises(ValueError, match=r"bit_depth must be 8 or 10; got 12") as lib:
        output_format(vs.core.std.BlankClip(format=vs.YUV420P8, length=1), 12)
    w = open_window()
    panel = w.presets
    panel.chooser.setCurrentText("fast")
    panel.set_text("bit_depth", "12")
    panel.set_text("height", "tall")
    assert panel.validate() is False
    assert panel.errors["height"].text() == "height: expected a whole number or empty; got 'tall'."
    panel.set_text("height", "")
    assert panel.validate() is False
    assert panel.errors["bit_depth"].text() == str(lib.value)
    assert not panel.errors["bit_depth"].isHidden() and panel.errors["height"].isHidden()
    assert panel.save_as("broken") is False and "broken" not in user_presets()
    panel.set_text("bit_depth", "8")
    panel.set_text("crf", "60")
    assert panel.validate() is False
    assert panel.errors["crf"].text() == "enhance: crf 60 is outside 0..51 for x264; lower is better quality."
    panel.set_text("crf", "22")
    assert panel.validate() is True and all(e.isHidden() for e in panel.errors.values())
    assert panel.save_as("my-fast") is True
    assert user_presets()["my-fast"].crf == 22 and panel.chooser.currentText() == "my-fast"


def test_preview_shows_a_frame_pair_and_the_timeline_jumps(open_window, qtbot, sample):
    w = open_window()
    w.presets.chooser.setCurrentText("fast")
    w.presets.set_text("interp_model", "")  # the frame pair needs only the upscaler: quick on a CPU
    w.show()
    qtbot.waitExposed(w)
    w.add_paths([sample], preset="fast")  # selecting the job loads its preview
    p = w.preview
    failed = []
    p.error.connect(lambda title, message: failed.append(message))
    qtbot.waitUntil(lambda: p.shown == 0 or bool(failed), timeout=120_000)
    assert not failed, failed[0]
    src, res = p.source_view.image, p.result_view.image
    assert (src.width(), src.height()) == (320, 180)
    assert (res.width(), res.height()) == (640, 360)  # the fast preset: 2x size
    n = p.slider.maximum() + 1
    assert len(p.timeline.labels) == n and set(p.timeline.labels) <= {"cut", "hold", "motion"}
    assert {"hold", "motion"} <= set(p.timeline.labels)  # the sample holds drawings and moves on twos
    i = p.timeline.labels.index("hold")
    assert p.timeline.describe(i).startswith(f"frame {i} -> {i + 1}: hold\n")  # the hover text has the gate's numbers
    target = n - 3
    x = int((target + 0.5) * p.timeline.width() / n)
    qtbot.mouseClick(p.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert p.slider.value() == target
    qtbot.waitUntil(lambda: p.shown == target or bool(failed), timeout=120_000)
    assert not failed, failed[0]


def test_screenshot_of_the_window_is_not_blank(open_window, qtbot, tmp_path):
    w = open_window()
    w.show()
    qtbot.waitExposed(w)
    img = w.grab().toImage().convertToFormat(w.grab().toImage().Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    assert img.width() >= 800 and img.height() >= 500
    # a blank grab is one colour; the real window has text, frames and the dark preview panes
    colours = np.unique(arr.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 20, len(colours)
    assert arr.std() > 20, arr.std()
