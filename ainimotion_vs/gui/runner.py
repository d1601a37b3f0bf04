"""One CLI subprocess at a time, watched from the Qt event loop.

A render is ``ainimotion enhance ... --progress json`` in its own process: a crash in a model,
a plugin or ffmpeg ends that process, not the window. Cancel sends SIGINT, the signal of
Ctrl-C, so the CLI's clean-up runs exactly as in a terminal (the temporary output is removed;
nothing is left under the output name).
"""
from __future__ import annotations

import collections
import os
import signal
import sys

from PySide6.QtCore import QObject, QProcess, Signal

from .jobs import Progress, parse_progress

__all__ = ["CliRunner", "error_line"]

INTERRUPTED_EXIT = 130
"""The CLI's exit code after Ctrl-C (cli.main)."""


def error_line(lines: list[str]) -> str:
    """The CLI's error message out of its stderr lines: the last ``ainimotion ...: error:`` line
    and what follows it (the message says how to fix it), else the last lines."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("ainimotion") and ": error: " in lines[i]:
            return "\n".join(lines[i:]).strip()
    tail = [ln for ln in lines if ln.strip()][-8:]
    return "\n".join(tail).strip() or "the process ended without a message"


class CliRunner(QObject):
    """Runs one argv; emits ``progress`` for each JSON progress line and ``finished`` once with
    ``(state, message)``: ``done``, ``cancelled`` or ``failed`` (message: the CLI's error)."""

    progress = Signal(object)
    finished = Signal(str, str)
    line = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.proc: QProcess | None = None
        self._buf = b""
        self._tail: collections.deque[str] = collections.deque(maxlen=60)
        self._cancelled = False

    def busy(self) -> bool:
        return self.proc is not None

    def start(self, argv: list[str]) -> None:
        if self.proc is not None:
            raise RuntimeError("CliRunner.start: a process is already running; wait for finished")
        self._buf, self._cancelled = b"", False
        self._tail.clear()
        proc = QProcess(self)
        proc.setProgram(argv[0])
        proc.setArguments(argv[1:])
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        proc.setStandardInputFile(QProcess.nullDevice())
        proc.readyReadStandardError.connect(self._read)
        proc.finished.connect(self._done)
        proc.errorOccurred.connect(self._error)
        self.proc = proc
        proc.start()

    def cancel(self) -> None:
        """Interrupt the process like Ctrl-C does."""
        if self.proc is None:
            return
        self._cancelled = True
        pid = self.proc.processId()
        if pid <= 0:  # not started yet: nothing to clean up
            self.proc.kill()
            return
        if sys.platform == "win32":  # no SIGINT for another process on Windows; see README (Windows build)
            self.proc.kill()
        else:
            os.kill(pid, signal.SIGINT)

    def _read(self) -> None:
        if self.proc is None:
            return
        self._buf += bytes(self.proc.readAllStandardError().data())
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            self._line(raw.decode("utf-8", "replace").rstrip("\r"))

    def _line(self, text: str) -> None:
        p: Progress | None = parse_progress(text)
        if p is not None:
            self.progress.emit(p)
        elif text.strip():
            self._tail.append(text)
            self.line.emit(text)

    def _finish(self, state: str, message: str) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.deleteLater()
        self.finished.emit(state, message)

    def _done(self, code: int, status: QProcess.ExitStatus) -> None:
        if self.proc is None:
            return
        self._read()
        if self._buf:
            self._line(self._buf.decode("utf-8", "replace"))
            self._buf = b""
        if self._cancelled or code == INTERRUPTED_EXIT:
            self._finish("cancelled", "")
        elif code == 0 and status == QProcess.ExitStatus.NormalExit:
            self._finish("done", "")
        else:
            how = f"exit code {code}" if status == QProcess.ExitStatus.NormalExit else "the process crashed"
            self._finish("failed", f"{error_line(list(self._tail))}\n({how})")

    def _error(self, err: QProcess.ProcessError) -> None:
        if err == QProcess.ProcessError.FailedToStart and self.proc is not None:
            program = self.proc.program()
            self._finish("failed", f"could not start {program}: {self.proc.errorString()}")
