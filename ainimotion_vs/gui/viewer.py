"""The in-app preview: source and result of any frame side by side, computed through the
VapourSynth graph on demand in a worker thread, with the gate timeline under it (cut / hold /
motion colours; a click jumps to that frame) and a button that renders a short preview file
with ``ainimotion preview``."""
from __future__ import annotations

import concurrent.futures
import logging
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox, QToolTip, QVBoxLayout, QWidget

from ..presets import Preset
from .runner import CliRunner

__all__ = ["PreviewPanel", "TimelineBar", "FrameSource", "LABEL_COLOURS", "frame_to_image", "PREVIEW_SECONDS"]

log = logging.getLogger("ainimotion_vs")

LABEL_COLOURS = {"cut": QColor("#d7263d"), "hold": QColor("#1b98e0"), "motion": QColor("#3bb273")}
"""Timeline colour of each gate label (other labels are grey)."""
PREVIEW_SECONDS = 5.0
"""Length of the "render preview" file: ``ainimotion preview`` takes up to three spans (a cut,
the most held and the most moving stretch), each a third of this."""


def frame_to_image(clip, n: int) -> QImage:
    """Frame ``n`` of ``clip`` as an RGB QImage (YUV converted with the frame's matrix, BT.709 when unset)."""
    import vapoursynth as vs

    if clip.format.color_family != vs.RGB or clip.format.bits_per_sample != 8:
        matrix = None
        if clip.format.color_family == vs.YUV:
            m = clip.get_frame(n).props.get("_Matrix", 2)
            matrix = 1 if m in (2, 0, None) else int(m)  # 2 = unspecified: HD anime is BT.709
        kwargs = {"matrix_in": matrix} if matrix is not None else {}
        clip = clip.resize.Bicubic(format=vs.RGB24, dither_type="error_diffusion", **kwargs)
    f = clip.get_frame(n)
    rgb = np.ascontiguousarray(np.dstack([np.asarray(f[p]) for p in range(3)]))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameSource(QObject):
    """Opens a file and renders frame pairs in one worker thread; results come back as signals
    (queued into the GUI thread)."""

    loaded = Signal(str, int, object, object)  # path, frames, Timeline, fps
    frame = Signal(int, QImage, QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ainimotion-preview")
        self._clip = None
        self._path: str | None = None
        self._result = None
        self._result_for: Preset | None = None
        self._want: tuple[int, Preset] | None = None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def open(self, path: str) -> concurrent.futures.Future:
        return self._pool.submit(self._open, path)

    def _open(self, path: str) -> None:
        try:
            from ..media import open_source
            from ..timeline import read_timeline  # the library's one reader of the gate timeline

            clip = open_source(path)
            labels = read_timeline(clip)
            self._clip, self._path, self._result, self._result_for = clip, path, None, None
            self.loaded.emit(path, clip.num_frames, labels, Fraction(clip.fps.numerator, clip.fps.denominator))
        except Exception as exc:  # noqa: BLE001 - shown to the user in the window, not swallowed
            log.debug("preview: open failed", exc_info=True)
            self.failed.emit(f"{exc.__class__.__name__}: {exc}")

    def request(self, n: int, preset: Preset) -> concurrent.futures.Future:
        """Render source frame ``n`` and the result at the same time; only the latest request of
        a burst is rendered (a dragged slider asks for many)."""
        self._want = (n, preset)
        return self._pool.submit(self._render)

    def _render(self) -> None:
        if self._want is None or self._clip is None:
            return
        n, preset = self._want
        self._want = None
        try:
            from ..enhance import enhance

            if self._result is None or self._result_for != preset:
                self._result, self._result_for = enhance(self._clip, preset=preset), preset
            clip, result = self._clip, self._result
            n = max(0, min(n, clip.num_frames - 1))
            # the output frame at the same time as source frame n (enhance keeps the duration)
            j = min(result.num_frames - 1, n * result.num_frames // clip.num_frames)
            self.frame.emit(n, frame_to_image(clip, n), frame_to_image(result, j))
        except Exception as exc:  # noqa: BLE001 - shown to the user in the window, not swallowed
            log.debug("preview: frame failed", exc_info=True)
            self.failed.emit(f"{exc.__class__.__name__}: {exc}")


class TimelineBar(QWidget):
    """The gate label of every interval as a coloured strip; a click emits the frame under it."""

    jump = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.timeline = None
        self.current = 0
        self.setMouseTracking(True)
        self.setMinimumHeight(22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Gate timeline: red cut, blue hold, green motion. Click to jump to a frame.")

    def sizeHint(self) -> QSize:
        return QSize(400, 22)

    def set_timeline(self, timeline) -> None:
        """Show a :class:`ainimotion_vs.timeline.Timeline` (labels; its metrics in the hover text)."""
        self.timeline = timeline
        self.labels = list(timeline.labels)
        self.update()

    def describe(self, n: int) -> str:
        """``frame n -> n+1: label`` and the gate's numbers for that interval."""
        text = f"frame {n} -> {n + 1}: {self.labels[n]}"
        metrics = getattr(self.timeline, "metrics", {}) or {}
        nums = ", ".join(f"{k.removeprefix('Ainimotion')} {v[n]:.3g}" for k, v in metrics.items() if n < len(v))
        return f"{text}\n{nums}" if nums else text

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.labels:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(self.frame_at(event.position().x())), self)

    def set_current(self, n: int) -> None:
        self.current = n
        self.update()

    def frame_at(self, x: float) -> int:
        n = max(1, len(self.labels))
        return max(0, min(n - 1, int(x * n / max(1, self.width()))))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#303030"))
        n = len(self.labels)
        if n:
            w = self.width() / n
            for i, lab in enumerate(self.labels):
                p.fillRect(QRectF(i * w, 0, max(w, 1.0), self.height()), LABEL_COLOURS.get(lab, QColor("#808080")))
            x = (self.current + 0.5) * w
            p.setPen(QColor("white"))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.labels:
            self.jump.emit(self.frame_at(event.position().x()))


class _Picture(QLabel):
    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.title = title
        self.image: QImage | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #202020; color: #c0c0c0;")

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.image is not None:
            pix = QPixmap.fromImage(self.image).scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)  # fmt: skip
            self.setPixmap(pix)


class PreviewPanel(QWidget):
    """Source | result for the chosen frame, the timeline, and the preview-render button."""

    error = Signal(str, str)  # title, message

    def __init__(self, preset_fn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset_fn = preset_fn
        self.frames = FrameSource(self)
        self.frames.loaded.connect(self._loaded)
        self.frames.frame.connect(self._frame)
        self.frames.failed.connect(self._failed)
        self.path: str | None = None
        self.loaded_path: str | None = None
        """The file whose timeline and frames are shown (``path`` may still be loading)."""
        self.shown = -1
        self.source_view = _Picture("source")
        self.result_view = _Picture("result")
        self.title = QLabel("Drop a video or select a job to preview it.")
        self.title.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.spin = QSpinBox()
        self.spin.setEnabled(False)
        self.slider.valueChanged.connect(self.spin.setValue)
        self.spin.valueChanged.connect(self.slider.setValue)
        self.slider.valueChanged.connect(self.show_frame)
        self.timeline = TimelineBar()
        self.timeline.jump.connect(self.slider.setValue)
        self.render_button = QPushButton(f"Render {PREVIEW_SECONDS:g} s preview")
        self.render_button.setToolTip("ainimotion preview: a cut, a held and a moving stretch, source and result side by side")
        self.render_button.setEnabled(False)
        self.render_button.clicked.connect(self.render_preview)
        self.preview_runner = CliRunner(self)
        self.preview_runner.finished.connect(self._preview_done)
        self.preview_out: Path | None = None
        self.open_when_done = True
        pics = QHBoxLayout()
        pics.addWidget(self.source_view)
        pics.addWidget(self.result_view)
        nav = QHBoxLayout()
        nav.addWidget(self.slider, 1)
        nav.addWidget(self.spin)
        nav.addWidget(self.render_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(pics, 1)
        lay.addWidget(self.timeline)
        lay.addLayout(nav)

    def open(self, path: str):
        """Load ``path`` (in the worker); the first frame pair follows."""
        if path == self.path:
            return None
        self.path, self.loaded_path, self.shown = path, None, -1
        self.title.setText(f"{Path(path).name}: reading the gate timeline...")
        return self.frames.open(path)

    def _loaded(self, path: str, frames: int, timeline, fps) -> None:
        if path != self.path:
            return
        self.loaded_path = path
        self.title.setText(f"{Path(path).name}: {frames} frames at {float(fps):.3f} fps")
        for w in (self.slider, self.spin):
            w.blockSignals(True)
            w.setRange(0, max(0, frames - 1))
            w.setValue(0)
            w.blockSignals(False)
            w.setEnabled(True)
        self.render_button.setEnabled(True)
        self.timeline.set_timeline(timeline)
        self.show_frame(0)

    def show_frame(self, n: int):
        """Ask the worker for frame ``n`` (source and result)."""
        self.timeline.set_current(n)
        try:
            preset = self.preset_fn()
        except Exception as exc:  # noqa: BLE001 - a form value the user must fix; shown, not swallowed
            self.title.setText(f"Fix the preset first: {exc}")
            return None
        return self.frames.request(n, preset)

    def _frame(self, n: int, src: QImage, res: QImage) -> None:
        if self.loaded_path != self.path:
            return
        self.shown = n
        self.source_view.set_image(src)
        self.result_view.set_image(res)
        self.result_view.setToolTip(f"result: {res.width()}x{res.height()}")
        self.source_view.setToolTip(f"source: {src.width()}x{src.height()}")

    def _failed(self, message: str) -> None:
        self.title.setText(f"Preview failed: {message.splitlines()[0]}")
        self.error.emit("Preview failed", message)

    def render_preview(self, *, preset_name: str | None = None) -> Path | None:
        """Run ``ainimotion preview`` on the loaded file; the result opens in the system player."""
        if self.path is None or self.preview_runner.busy():
            return None
        name = preset_name or self.preset_fn().name
        src = Path(self.path)
        self.preview_out = src.with_name(f"{src.stem}_preview_{name}.mkv")
        argv = [sys.executable, "-m", "ainimotion_vs", "preview", str(src), "--preset", name,
                "--seconds", f"{PREVIEW_SECONDS / 3:.3f}", "--out", str(self.preview_out), "--overwrite"]  # fmt: skip
        self.render_button.setEnabled(False)
        self.render_button.setText("Rendering preview...")
        self.preview_runner.start(argv)
        return self.preview_out

    def _preview_done(self, state: str, message: str) -> None:
        self.render_button.setEnabled(True)
        self.render_button.setText(f"Render {PREVIEW_SECONDS:g} s preview")
        if state == "done" and self.preview_out is not None:
            self.title.setText(f"Preview written: {self.preview_out}")
            if self.open_when_done:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.preview_out)))
        elif state == "failed":
            self.error.emit("Preview render failed", message)

    def shutdown(self) -> None:
        self.preview_runner.cancel()
        self.frames.shutdown()
