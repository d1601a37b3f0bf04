"""The first-run check: ``ainimotion doctor``'s rows and the weights' state, read by calling
their functions (not parsing text), shown in a dialog with a weights fetch and its progress."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["SetupReport", "collect_report", "SetupDialog", "WeightsFetcher", "REQUIRED"]

REQUIRED = ("VapourSynth", "plugin bs", "vspipe", "ffmpeg", "encoder x264", "encoder x265")
"""Doctor items without which no render works; anything else missing is a note."""
BAD = ("missing", "no", "corrupt")


@dataclass(frozen=True)
class SetupReport:
    rows: list[tuple[str, str, str]]
    """Every doctor row and one row per model: ``(item, status, detail)``."""
    problems: list[tuple[str, str, str]]
    """Rows that stop renders (a required item missing)."""
    missing_weights: list[str]
    """Models whose weights are not installed (fetch them)."""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_weights


def collect_report() -> SetupReport:
    """Doctor's rows (no NVENC test encode: it takes seconds) plus the weights' state."""
    from ..commands.doctor import collect
    from ..weights import weights_status

    rows = list(collect(nvenc_test=False))
    missing = []
    for w in weights_status():
        rows.append((f"weights {w.name}", w.state, w.detail or str(w.directory)))
        if w.state in ("missing", "corrupt"):
            missing.append(w.name)
    problems = [r for r in rows if r[0] in REQUIRED and r[1] in BAD]
    return SetupReport(rows=rows, problems=problems, missing_weights=missing)


class WeightsFetcher(QObject):
    """Fetches models one after another in a thread (the library's ``ensure_weights``)."""

    step = Signal(int, str)  # models done, the one being fetched
    done = Signal(list)  # error messages, empty when every model was fetched

    def __init__(self, names: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names = list(names)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="ainimotion-weights", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from ..errors import AinimotionError
        from ..weights import ensure_weights

        errors: list[str] = []
        for i, name in enumerate(self.names):
            if self.stop.is_set():
                errors.append("stopped before fetching " + ", ".join(self.names[i:]))
                break
            self.step.emit(i, name)
            try:
                ensure_weights(name)
            except (AinimotionError, OSError) as exc:
                errors.append(str(exc))
        self.step.emit(len(self.names), "")
        self.done.emit(errors)


class SetupDialog(QDialog):
    """What works and what does not, with the fix; "Fetch weights" when some are missing."""

    def __init__(self, report: SetupReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ainimotion: setup check")
        self.report = report
        self.fetcher: WeightsFetcher | None = None
        self.progress: QProgressDialog | None = None
        if report.problems:
            head = "Renders will fail until these are fixed (the detail says how):"
        elif report.missing_weights:
            head = "Model weights are not fetched yet: fetch them now (needs the network once)."
        else:
            head = "Everything needed is here."
        gpu = [r for r in report.rows if r[0].startswith("GPU")]
        if gpu and gpu[0][1] == "none":
            head += "\nNo CUDA GPU: renders run on the CPU (slow at full size; try the fast preset)."
        self.head = QLabel(head)
        self.head.setWordWrap(True)
        table = QTableWidget(len(report.rows), 3)
        table.setHorizontalHeaderLabels(["item", "status", "detail"])
        for i, row in enumerate(report.rows):
            for j, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if row in report.problems or (j == 1 and text in BAD):
                    item.setForeground(Qt.GlobalColor.red)
                table.setItem(i, j, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.fetch_button = QPushButton("Fetch weights")
        self.fetch_button.setEnabled(bool(report.missing_weights))
        self.fetch_button.clicked.connect(self.fetch)
        buttons.addButton(self.fetch_button, QDialogButtonBox.ButtonRole.ActionRole)
        lay = QVBoxLayout(self)
        lay.addWidget(self.head)
        lay.addWidget(table, 1)
        lay.addWidget(buttons)
        self.resize(820, 420)

    def fetch(self) -> None:
        names = self.report.missing_weights
        self.progress = QProgressDialog("Fetching model weights...", "Stop after this model", 0, len(names), self)
        self.progress.setWindowTitle("Fetching weights")
        self.progress.setMinimumDuration(0)
        self.fetcher = WeightsFetcher(names, self)
        self.fetcher.step.connect(self._step)
        self.fetcher.done.connect(self._fetched)
        self.progress.canceled.connect(self.fetcher.stop.set)
        self.fetch_button.setEnabled(False)
        self.fetcher.start()

    def _step(self, i: int, name: str) -> None:
        if self.progress is not None:
            self.progress.setValue(i)
            if name:
                self.progress.setLabelText(f"Fetching {name} ({i + 1} of {len(self.report.missing_weights)})...")

    def _fetched(self, errors: list) -> None:
        if self.progress is not None:
            self.progress.reset()
        self.head.setText("Weights fetched." if not errors else "Some weights could not be fetched:\n" + "\n".join(errors))
        self.fetch_button.setEnabled(bool(errors))
