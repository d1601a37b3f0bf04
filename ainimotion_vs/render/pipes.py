"""Running the processes of a render: the y4m writer thread, stderr tails, stopping a
process, and clean-up that survives a second Ctrl-C.

Each child runs in its own session, so a Ctrl-C or SIGHUP from the terminal reaches only
us: we stop the children ourselves (SIGKILL, then wait) in the ``finally`` of the render,
and the CLI turns SIGTERM and SIGHUP into the same unwinding as Ctrl-C.
"""
from __future__ import annotations

import collections
import logging
import subprocess
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..ffmpeg import summarize_errors

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

__all__ = ["ProgressFn", "StderrTail", "ProgressTail", "ClipWriter", "start", "stop", "clean_up"]

log = logging.getLogger("ainimotion_vs")

ProgressFn = Callable[[int, int], None]


class StderrTail(threading.Thread):
    """Keeps the last lines of a process's stderr (and logs them at debug level)."""

    def __init__(self, stream, keep: int = 40) -> None:
        super().__init__(daemon=True, name="ainimotion-ffmpeg-stderr")
        self.stream = stream
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.lines.append(line)
                log.debug("ffmpeg: %s", line)

    def text(self) -> str:
        """The error lines worth showing, or ``(no message)``."""
        return summarize_errors(list(self.lines)) or "(no message)"


class ProgressTail(StderrTail):
    """Reads vspipe's stderr: ``Frame: N/M`` progress (CR-separated) and error lines."""

    def __init__(self, stream, total: int, progress: ProgressFn | None) -> None:
        super().__init__(stream)
        self.total = total
        self.progress = progress

    def run(self) -> None:
        buf = b""
        while chunk := self.stream.read1(4096) if hasattr(self.stream, "read1") else self.stream.read(4096):
            buf += chunk
            *parts, buf = buf.replace(b"\r", b"\n").split(b"\n")
            for raw in parts:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("Frame:"):
                    if self.progress is not None:
                        try:
                            self.progress(int(line.split()[1].split("/")[0]), self.total)
                        except (IndexError, ValueError):
                            log.debug("vspipe: %s", line)
                elif line:
                    self.lines.append(line)
                    log.debug("vspipe: %s", line)
        if buf.strip():
            self.lines.append(buf.decode("utf-8", "replace").strip())


class ClipWriter(threading.Thread):
    """Writes the clip as y4m into ffmpeg's stdin; records the first error."""

    def __init__(self, clip: vs.VideoNode, pipe, progress: ProgressFn | None) -> None:
        super().__init__(daemon=True, name="ainimotion-y4m-writer")
        self.clip = clip
        self.pipe = pipe
        self.progress = progress
        self.error: BaseException | None = None
        self.done = 0

    def _update(self, done: int, total: int) -> None:
        self.done = done
        if self.progress is not None:
            self.progress(done, total)

    def run(self) -> None:
        try:
            self.clip.output(self.pipe, y4m=True, progress_update=self._update)
        except BaseException as exc:  # reported by render() after ffmpeg has been stopped
            self.error = exc
        finally:
            try:
                self.pipe.close()
            except OSError as exc:  # the reader is gone: ffmpeg's own exit code says why
                log.debug("closing ffmpeg stdin: %s", exc)


def start(argv: list[str], *, stdin, stdout) -> subprocess.Popen:
    """Start a child in its own session (terminal signals reach only us), stderr piped."""
    return subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, start_new_session=True)


def stop(proc: subprocess.Popen | None) -> None:
    """Kill ``proc`` if it still runs, and wait for it (it writes nothing after this)."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def clean_up(*steps: Callable[[], object]) -> None:
    """Run every clean-up step, each in the ``finally`` of the one before: a second Ctrl-C that
    lands while one runs (stopping ffmpeg takes a moment) still lets the rest run; the first
    exception propagates."""
    if steps:
        try:
            steps[0]()
        finally:
            clean_up(*steps[1:])
