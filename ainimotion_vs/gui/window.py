"""The main window: presets panel | preview on top, the render queue below.

Drop files or folders anywhere on the window (or use Open...). Jobs run one at a time as
``ainimotion enhance`` subprocesses; the queue is saved atomically after every change and
restored on the next start.
"""
from __future__ import annotations

import concurrent.futures
import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import AinimotionError
from .jobs import Job, Progress, default_output, enhance_argv, load_queue, queue_path, save_queue, videos_in
from .presets_panel import PresetsPanel
from .runner import CliRunner
from .viewer import PreviewPanel

__all__ = ["MainWindow", "COLUMNS", "icon_path"]

log = logging.getLogger("ainimotion_vs")

COLUMNS = ("input", "preset", "output", "state", "frames", "fps", "ETA")


def icon_path() -> Path:
    return Path(__file__).with_name("resources") / "ainimotion.svg"


def _eta(s: float | None) -> str:
    if s is None:
        return ""
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class MainWindow(QMainWindow):
    """The app's one window. ``queue_file`` defaults to the settings folder's ``gui-queue.json``."""

    def __init__(self, *, queue_file: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ainimotion")
        self.setWindowIcon(QIcon(str(icon_path())))
        self.setAcceptDrops(True)
        self.queue_file = queue_file or queue_path()
        self.jobs: list[Job] = []
        self.running: Job | None = None
        self.queue_active = False
        self.dialogs: list[QMessageBox] = []
        self.closing = False
        self.runner = CliRunner(self)
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._finished)

        self.presets = PresetsPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.presets)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        self.preview = PreviewPanel(self.presets.preset)
        self.preview.error.connect(self.show_error)
        self.presets.changed.connect(self._preset_changed)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for i in range(len(COLUMNS)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.bar = QProgressBar()
        self.bar.setFormat("%v / %m frames")

        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot, tip in (
            ("open", "Open...", self.open_dialog, "Add video files to the queue (or drop files and folders on the window)"),
            ("up", "Up", lambda: self.move_selected(-1), "Move the selected job up"),
            ("down", "Down", lambda: self.move_selected(1), "Move the selected job down"),
            ("remove", "Remove", self.remove_selected, "Remove the selected jobs (a running one is cancelled first)"),
            ("cancel", "Cancel", self.cancel_selected, "Stop the selected job like Ctrl-C: nothing is left under its output name"),
            ("retry", "Retry", self.retry_selected, "Queue the selected failed or cancelled jobs again"),
            ("folder", "Open folder", self.open_output_folder, "Show the selected job's output folder"),
            ("start", "Start", self.toggle_queue, "Render queued jobs one after another"),
        ):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[key] = b
        buttons.insertStretch(len(self.buttons) - 1, 1)
        queue_box = QWidget()
        q = QVBoxLayout(queue_box)
        q.setContentsMargins(0, 0, 0, 0)
        q.addWidget(self.table, 1)
        q.addWidget(self.bar)
        q.addLayout(buttons)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(scroll)
        top.addWidget(self.preview)
        top.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(queue_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.setCentralWidget(split)

        menu = self.menuBar().addMenu("&File")
        for text, slot in (("&Open...", self.open_dialog), ("Add &folder...", self.open_folder_dialog),
                           ("&Setup check...", lambda: self.first_run_check(always=True)), ("&Quit", self.close)):  # fmt: skip
            act = QAction(text, self)
            act.triggered.connect(slot)
            menu.addAction(act)
        self.statusBar().showMessage("Drop video files or folders here.")
        self.resize(QSize(1200, 780))
        self.setup_future: concurrent.futures.Future | None = None
        self._load()

    # ------------------------------------------------------------------ persistence
    def _load(self) -> None:
        try:
            self.jobs = load_queue(self.queue_file)
        except AinimotionError as exc:
            self.jobs = []
            message = str(exc)  # Python unbinds exc when the except block ends; the timer fires later
            QTimer.singleShot(0, lambda: self.show_error("The saved queue could not be read", message))
        self._refresh()

    def save(self) -> None:
        """Write the queue file (atomically); a failure is shown, the queue stays in memory."""
        try:
            save_queue(self.jobs, self.queue_file)
        except OSError as exc:
            self.show_error("The queue could not be saved", f"{exc}\nCheck that {self.queue_file.parent} is writable.")

    # ------------------------------------------------------------------ adding jobs
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add videos", "", "Videos (*.mkv *.mp4 *.mov *.avi *.webm *.m2ts *.ts);;All files (*)")
        self.add_paths([Path(f) for f in files])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of videos")
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path | str], *, preset: str | None = None) -> list[Job]:
        """Queue each video file (folders: the videos in them) with the chosen preset."""
        name = preset or self.presets.chooser.currentText()
        if preset is None and self.presets.is_modified():
            self.statusBar().showMessage(f"Jobs use the saved preset {name!r}; save your edits as your preset to use them.")
        taken = {j.output for j in self.jobs}
        added = []
        for src in videos_in([Path(p).resolve() for p in paths]):
            out = default_output(src, name, taken)
            taken.add(str(out))
            job = Job(input=str(src), preset=name, output=str(out))
            self.jobs.append(job)
            added.append(job)
        if added:
            self.save()
            self._refresh()
            self.table.selectRow(len(self.jobs) - len(added))
            self.statusBar().showMessage(f"Added {len(added)} job(s).")
        else:
            self.statusBar().showMessage("No video files found in what was dropped.")
        return added

    # ------------------------------------------------------------------ table
    def _refresh(self) -> None:
        self.table.setRowCount(len(self.jobs))
        for i in range(len(self.jobs)):
            self._refresh_row(i)
        self._update_buttons()

    def _refresh_row(self, i: int) -> None:
        job = self.jobs[i]
        frames = f"{job.frames}/{job.total}" if job.total else ""
        cells = (Path(job.input).name, job.preset, Path(job.output).name, job.state, frames,
                 f"{job.fps:.1f}" if job.fps else "", _eta(job.eta_s) if job.state == "running" else "")  # fmt: skip
        tips = (job.input, job.preset, job.output, job.message or job.state, "", "", "")
        for c, (text, tip) in enumerate(zip(cells, tips)):
            item = self.table.item(i, c)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(i, c, item)
            item.setText(text)
            item.setToolTip(tip)

    def selected_rows(self) -> list[int]:
        return sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})

    def _selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.preview.open(self.jobs[rows[0]].input)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.buttons["start"].setText("Pause" if self.queue_active else "Start")

    def _preset_changed(self) -> None:
        if self.preview.path is not None and self.preview.shown >= 0:
            self.preview.show_frame(self.preview.slider.value())

    # ------------------------------------------------------------------ queue operations
    def move_selected(self, delta: int) -> None:
        rows = self.selected_rows()
        if len(rows) != 1:
            return
        i, j = rows[0], rows[0] + delta
        if 0 <= j < len(self.jobs):
            self.jobs[i], self.jobs[j] = self.jobs[j], self.jobs[i]
            self.save()
            self._refresh()
            self.table.selectRow(j)

    def remove_selected(self) -> None:
        for i in reversed(self.selected_rows()):
            job = self.jobs[i]
            if job is self.running:
                self.runner.cancel()
            del self.jobs[i]
        self.save()
        self._refresh()

    def cancel_selected(self) -> None:
        for i in self.selected_rows():
            self.cancel(self.jobs[i])

    def cancel(self, job: Job) -> None:
        """Stop a running job (SIGINT, like Ctrl-C) or take a queued one out of the run."""
        if job is self.running:
            self.runner.cancel()
            self.statusBar().showMessage(f"Cancelling {Path(job.input).name}...")
        elif job.state == "queued":
            job.state = "cancelled"
            self.save()
            self._refresh()

    def retry_selected(self) -> None:
        for i in self.selected_rows():
            job = self.jobs[i]
            if job.state in ("failed", "cancelled"):
                job.state, job.frames, job.fps, job.eta_s, job.message = "queued", 0, 0.0, None, ""
        self.save()
        self._refresh()

    def open_output_folder(self) -> None:
        rows = self.selected_rows()
        if rows:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.jobs[rows[0]].output).parent)))

    def toggle_queue(self) -> None:
        if self.queue_active:
            self.queue_active = False
            self.statusBar().showMessage("Paused: the running job finishes, no new one starts.")
        else:
            self.start_queue()
        self._update_buttons()

    def start_queue(self) -> None:
        """Render the queued jobs in order, one at a time."""
        self.queue_active = True
        self._update_buttons()
        self._next()

    def _next(self) -> None:
        if self.running is not None or not self.queue_active:
            return
        job = next((j for j in self.jobs if j.state == "queued"), None)
        if job is None:
            self.queue_active = False
            self._update_buttons()
            self.statusBar().showMessage("Queue finished.")
            return
        job.state, job.frames, job.total, job.fps, job.eta_s, job.message = "running", 0, 0, 0.0, None, ""
        self.running = job
        self.save()
        self._refresh()
        self.bar.setRange(0, 0)
        self.statusBar().showMessage(f"Rendering {Path(job.input).name} -> {Path(job.output).name}")
        self.runner.start(enhance_argv(job))

    def _progress(self, p: Progress) -> None:
        job = self.running
        if job is None:
            return
        job.frames, job.total, job.fps, job.eta_s = p.frames, p.total, p.fps, p.eta_s
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.frames)
        if p.state == "finishing":
            self.statusBar().showMessage(f"Finishing {Path(job.output).name} (encoder, checks)...")
        if job in self.jobs:
            self._refresh_row(self.jobs.index(job))

    def _finished(self, state: str, message: str) -> None:
        job, self.running = self.running, None
        if state == "done":
            self.bar.setValue(self.bar.maximum())
        else:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
        if job is not None:
            job.state, job.message = state, message
            if state == "done":
                job.frames = job.total or job.frames
            job.eta_s = None
            self.save()
            self._refresh()
            self.statusBar().showMessage(f"{Path(job.input).name}: {state}")
            if state == "failed":
                self.show_error(f"Render of {Path(job.input).name} failed", message)
        self._next()

    # ------------------------------------------------------------------ errors, setup, closing
    def show_error(self, title: str, message: str) -> QMessageBox | None:
        """A non-blocking dialog with the library's or the CLI's message (it says how to fix it);
        after the window was closed the message goes to the log (a late dialog would keep the app open)."""
        if self.closing:
            log.error("%s: %s", title, message)
            return None
        box = QMessageBox(QMessageBox.Icon.Critical, title, message.splitlines()[0] if message else title,
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        if "\n" in message:
            box.setInformativeText("\n".join(message.splitlines()[1:]))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(lambda _r, b=box: self.dialogs.remove(b) if b in self.dialogs else None)
        self.dialogs.append(box)
        box.open()
        return box

    def first_run_check(self, *, always: bool = False) -> concurrent.futures.Future:
        """Run doctor and the weights check in a thread; show the dialog if something is missing (or ``always``)."""
        from .setup_check import collect_report

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ainimotion-setup")
        future = pool.submit(collect_report)
        pool.shutdown(wait=False)
        self.statusBar().showMessage("Checking the setup (ainimotion doctor)...")

        def poll() -> None:
            if not future.done():
                QTimer.singleShot(100, poll)
                return
            self._setup_done(future, always)

        QTimer.singleShot(100, poll)
        self.setup_future = future
        return future

    def _setup_done(self, future: concurrent.futures.Future, always: bool) -> None:
        from .setup_check import SetupDialog

        try:
            report = future.result()
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self.show_error("The setup check failed", f"{exc.__class__.__name__}: {exc}")
            return
        self.statusBar().showMessage("Setup OK." if report.ok else "Setup: something is missing (see the dialog).")
        if always or not report.ok:
            self.setup_dialog = SetupDialog(report, self)
            self.setup_dialog.open()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.running is not None:
            answer = QMessageBox.question(self, "Quit", "A render is running. Cancel it and quit?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.shutdown()
        self.closing = True
        self.preview.shutdown()
        self.save()
        super().closeEvent(event)

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel a running render and wait for the CLI's clean-up."""
        proc = self.runner.proc
        if proc is not None:
            self.runner.cancel()
            proc.waitForFinished(timeout_ms)
