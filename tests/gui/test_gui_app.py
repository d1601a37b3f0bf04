"""`ainimotion gui FILE` through the CLI entry point, and the first-run check dialog."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

import _gui_helpers  # noqa: E402,F401 - sets QT_QPA_PLATFORM before the QApplication exists
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ainimotion_vs.gui.jobs import load_queue, queue_path  # noqa: E402
from ainimotion_vs.gui.window import MainWindow  # noqa: E402


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AINIMOTION_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_cli_gui_opens_the_window_with_the_file_queued(qapp, tmp_path):
    from ainimotion_vs.cli import main

    video = tmp_path / "episode.mkv"
    video.write_bytes(b"x")  # the queue takes any file; the render would say if it is no video
    seen = {}

    def look_and_close() -> None:
        [w] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["title"] = w.windowTitle()
        seen["jobs"] = [(Path(j.input).name, j.preset, j.state) for j in w.jobs]
        seen["icon"] = not w.windowIcon().isNull()
        w.close()

    QTimer.singleShot(500, look_and_close)
    assert main(["gui", str(video), "--no-check"]) == 0
    assert seen == {"title": "ainimotion", "jobs": [("episode.mkv", "anime-clean", "queued")], "icon": True}
    assert [Path(j.input).name for j in load_queue(queue_path())] == ["episode.mkv"]


def test_first_run_check_shows_doctor_and_fetches_missing_weights(qtbot, tmp_path, monkeypatch):
    # an empty weights cache and no network: every model is missing and the fetch says why
    monkeypatch.setenv("AINIMOTION_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AINIMOTION_OFFLINE", "1")
    w = MainWindow(queue_file=tmp_path / "q.json")
    qtbot.addWidget(w)
    w.first_run_check()
    qtbot.waitUntil(lambda: getattr(w, "setup_dialog", None) is not None, timeout=120_000)
    d = w.setup_dialog
    rows = {d.table.item(i, 0).text(): d.table.item(i, 1).text() for i in range(d.table.rowCount())}
    assert rows["gate filter"] == "ok" and rows["VapourSynth"] == "ok"
    assert rows["weights rife-4.25"] == "missing" and "rife-4.25" in d.report.missing_weights
    assert d.head.text().startswith("Model weights are not fetched yet")
    assert d.fetch_button.isEnabled()
    d.fetch()
    qtbot.waitUntil(lambda: d.fetch_button.isEnabled(), timeout=60_000)
    assert d.head.text().startswith("Some weights could not be fetched:")
    assert "offline (AINIMOTION_OFFLINE or offline=True): no download attempted" in d.head.text()
    assert d.progress is not None and d.progress.maximum() == len(d.report.missing_weights)
