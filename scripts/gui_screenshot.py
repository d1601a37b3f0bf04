#!/usr/bin/env python3
"""Make the README's screenshot of the desktop app (docs/gui.png), offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/gui_screenshot.py [--out docs/gui.png]

Generates the synthetic sample (scripts/make_sample.py, 640x360, 3 s) in a temporary folder,
renders it from the queue with ``--preset none`` (a real job, so the row shows a finished
render), queues a second job, shows a frame pair through the ``fast`` preset with the gate
timeline under it, and saves ``widget.grab()``. Settings go to the temporary folder too.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _wait(app, cond, timeout_s: float, what: str) -> None:
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"gui_screenshot: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "gui.png")
    ap.add_argument("--frame", type=int, default=30, help="source frame shown in the preview")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="ainimotion-shot-") as tmp:
        tmp_path = Path(tmp)
        os.environ["AINIMOTION_CONFIG_HOME"] = str(tmp_path / "cfg")
        videos = tmp_path / "videos"
        videos.mkdir()
        for name, seconds in (("episode01.mkv", 3), ("episode02.mkv", 2)):
            subprocess.run([sys.executable, str(REPO / "scripts" / "make_sample.py"), str(videos / name),
                            "--seconds", str(seconds), "--size", "640x360"], check=True, capture_output=True)  # fmt: skip

        from PySide6.QtWidgets import QApplication

        from ainimotion_vs.gui.window import MainWindow

        app = QApplication([sys.argv[0]])
        w = MainWindow(queue_file=tmp_path / "cfg" / "gui-queue.json")
        w.resize(1200, 760)
        w.show()
        w.presets.chooser.setCurrentText("fast")
        [first] = w.add_paths([videos / "episode01.mkv"], preset="none")
        w.start_queue()
        _wait(app, lambda: first.state != "running", 300, "the render")
        if first.state != "done":
            raise SystemExit(f"gui_screenshot: the render failed: {first.message}")
        w.add_paths([videos / "episode02.mkv"], preset="fast")
        w.table.selectRow(0)
        p = w.preview
        shown = str(videos / "episode01.mkv")
        _wait(app, lambda: p.loaded_path == shown and p.shown == 0, 300, "the first frame pair")
        p.slider.setValue(args.frame)
        _wait(app, lambda: p.shown == args.frame, 300, f"frame {args.frame}")
        app.processEvents()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not w.grab().save(str(args.out)):
            raise SystemExit(f"gui_screenshot: could not write {args.out}")
        w.preview.shutdown()
        w.close()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
