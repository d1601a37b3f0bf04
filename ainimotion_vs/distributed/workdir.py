"""The work directory of one output: its plan, its finished segments, and progress.

Layout, beside the output (``DIR/.ainimotion-work/NAME.mkv/``)::

    plan.json          settings key, source fingerprint, chunks (written once, atomically)
    seg/00003.mkv      a finished segment (render() writes a temp name and renames it)
    seg/00003.json     its record: frames, sha256, bytes, seconds, node (written after it)

A chunk is done when its record exists and the segment's size, sha256 and frame count match
it; a rerun with the same key reuses done chunks and renders the rest. Partial files of a
killed worker (``*.ainimotion-part*``) are removed at the start of a run. A different key
(other settings, another source file, another package version) starts the work dir afresh.
"""
from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..cache import atomic_write_bytes, file_sha256
from .plan import Chunk

__all__ = ["WorkDir", "SegmentRecord", "ProgressBoard", "WORK_FOLDER"]

log = logging.getLogger("ainimotion_vs")

WORK_FOLDER = ".ainimotion-work"
"""Name of the folder, in the output folder, holding one work dir per output file."""

_PLAN_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class SegmentRecord:
    """What a worker wrote for one chunk."""

    index: int
    frames: int
    sha256: str
    bytes: int
    seconds: float
    """Wall time of the chunk's render on its worker."""
    node: str = ""
    """Ray node id (or host) that rendered it."""
    pid: int = 0
    """Worker process that rendered it."""


class WorkDir:
    """One output's work directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.seg = self.root / "seg"

    @classmethod
    def for_output(cls, out: Path) -> "WorkDir":
        """The work dir of output file ``out``: ``out.parent / .ainimotion-work / out.name``."""
        return cls(out.parent / WORK_FOLDER / out.name)

    # ------------------------------------------------------------ plan

    @property
    def plan_path(self) -> Path:
        return self.root / "plan.json"

    def open(self, key: str, plan: dict | None = None) -> dict | None:
        """Prepare the folder for the run with settings ``key``: the stored plan when its key
        matches (resume), else None after clearing stale contents. Partial segments go."""
        stored = self.read_plan()
        if stored is not None and stored.get("key") != key:
            log.warning("enhance: %s holds a plan for other settings or another source; starting it afresh", self.root)
            self.remove()
            stored = None
        self.seg.mkdir(parents=True, exist_ok=True)
        for p in self.seg.iterdir():
            if ".ainimotion-part" in p.name:
                p.unlink(missing_ok=True)
        return stored

    def read_plan(self) -> dict | None:
        try:
            data = json.loads(self.plan_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("enhance: unreadable plan %s (%s); planning again", self.plan_path, exc)
            return None
        return data if isinstance(data, dict) and data.get("version") == _PLAN_VERSION else None

    def write_plan(self, key: str, data: dict) -> dict:
        doc = {"version": _PLAN_VERSION, "key": key, **data}
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.plan_path, json.dumps(doc, indent=1).encode())
        return doc

    # ------------------------------------------------------------ segments

    def segment_path(self, index: int) -> Path:
        return self.seg / f"{index:05d}.mkv"

    def _record_path(self, index: int) -> Path:
        return self.seg / f"{index:05d}.json"

    def record(self, rec: SegmentRecord) -> None:
        """Mark chunk ``rec.index`` done (after its segment is in place)."""
        atomic_write_bytes(self._record_path(rec.index), json.dumps(asdict(rec)).encode())

    def finished(self, chunks: Iterable[Chunk]) -> dict[int, SegmentRecord]:
        """The chunks whose segment is complete and unchanged (size, sha256, frames)."""
        done: dict[int, SegmentRecord] = {}
        for c in chunks:
            try:
                rec = SegmentRecord(**json.loads(self._record_path(c.index).read_text(encoding="utf-8")))
            except FileNotFoundError:
                continue
            except (OSError, ValueError, TypeError) as exc:
                log.warning("enhance: chunk %d: unreadable record (%s); rendering it again", c.index, exc)
                continue
            seg = self.segment_path(c.index)
            ok = rec.frames == c.frames and seg.is_file() and seg.stat().st_size == rec.bytes and file_sha256(seg) == rec.sha256
            if ok:
                done[c.index] = rec
            else:
                log.warning("enhance: %s: segment missing or changed; rendering it again", c.describe())
                self._record_path(c.index).unlink(missing_ok=True)
        return done

    def remove(self) -> None:
        """Delete the work dir (and the shared parent folder when it is left empty)."""
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.root.parent.rmdir()
        except OSError:
            pass  # other outputs' work dirs are still there


class ProgressBoard:
    """Frames and chunks done across all workers, with a rate and ETA from this run's work.

    Workers report ``(key, frames done in their chunk)``; finished chunks are added with
    :meth:`finish`. Thread-safe; the driver prints :meth:`line`.
    """

    def __init__(self, *, total_frames: int, total_chunks: int, done_frames: int = 0, done_chunks: int = 0) -> None:
        self.total_frames = total_frames
        self.total_chunks = total_chunks
        self.base_frames = done_frames
        self.done_chunks = done_chunks
        self.finished_frames = 0
        self.running: dict[str, int] = {}
        self.pids: dict[str, int] = {}
        """Chunk key -> the worker process rendering it (its last report)."""
        self.start = time.monotonic()
        self._lock = threading.Lock()

    def update(self, key: str, done: int, *, pid: int | None = None) -> None:
        """Chunk ``key`` has ``done`` frames, in worker process ``pid`` (on its node)."""
        with self._lock:
            if pid is not None and self.pids.get(key) != pid:
                self.running[key] = done  # a retry starts the chunk again
            else:
                self.running[key] = max(done, self.running.get(key, 0))
            if pid is not None:
                self.pids[key] = pid

    def finish(self, key: str, frames: int) -> None:
        with self._lock:
            self.running.pop(key, None)
            self.pids.pop(key, None)
            self.finished_frames += frames
            self.done_chunks += 1

    def fail(self, key: str) -> None:
        """A chunk's attempt ended without a segment: its frames count again when retried."""
        with self._lock:
            self.running.pop(key, None)

    def snapshot(self) -> tuple[int, int, float, float]:
        """``(frames done, chunks done, frames/s this run, ETA seconds)``."""
        with self._lock:
            rendered = self.finished_frames + sum(self.running.values())
            chunks = self.done_chunks
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = rendered / elapsed
        left = self.total_frames - self.base_frames - rendered
        eta = left / rate if rate > 0 else float("inf")
        return self.base_frames + rendered, chunks, rate, eta

    def line(self) -> str:
        done, chunks, rate, eta = self.snapshot()
        eta_s = "?" if eta == float("inf") else f"{eta:.0f} s"
        return (
            f"  chunks {chunks}/{self.total_chunks}  frames {done}/{self.total_frames}  "
            f"{rate:.1f} fps  ETA {eta_s}"
        )
