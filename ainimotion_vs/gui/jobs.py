"""The render queue as data (no Qt): jobs, the queue file, the ``enhance`` command line of a
job, and the CLI's ``--progress json`` lines.

The queue file is JSON in the settings folder (:func:`ainimotion_vs.cache.config_dir`),
rewritten atomically after every change, so a crash of the app (or of the machine) leaves
either the old queue or the new one, never half of one.
"""
from __future__ import annotations

import json
import sys
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import SettingsError

__all__ = [
    "Job",
    "Progress",
    "QUEUE_FILE",
    "VIDEO_SUFFIXES",
    "queue_path",
    "load_queue",
    "save_queue",
    "videos_in",
    "default_output",
    "enhance_argv",
    "parse_progress",
]

QUEUE_FILE = "gui-queue.json"
VIDEO_SUFFIXES = frozenset(
    {".mkv", ".mp4", ".m4v", ".mov", ".avi", ".webm", ".m2ts", ".mts", ".ts", ".flv", ".wmv", ".mpg", ".mpeg", ".ogv", ".y4m"}
)
"""File endings taken from a dropped folder (a dropped file is taken whatever its ending; the
CLI says if it cannot read it)."""

STATES = ("queued", "running", "done", "failed", "cancelled")


@dataclass(kw_only=True)
class Job:
    """One render: ``ainimotion enhance INPUT --preset PRESET --out OUTPUT``."""

    input: str
    preset: str
    output: str
    state: str = "queued"
    """queued, running, done, failed or cancelled."""
    frames: int = 0
    total: int = 0
    fps: float = 0.0
    eta_s: float | None = None
    message: str = ""
    """The CLI's error line for a failed job."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass(frozen=True, kw_only=True)
class Progress:
    """One ``--progress json`` line of ``ainimotion enhance``."""

    state: str
    frames: int
    total: int
    fps: float
    eta_s: float | None


def queue_path() -> Path:
    """``gui-queue.json`` in the settings folder (``$AINIMOTION_CONFIG_HOME`` overrides)."""
    from ..cache import config_dir

    return config_dir(create=False) / QUEUE_FILE


def load_queue(path: Path | None = None) -> list[Job]:
    """The saved jobs (none when there is no file). A job that was running when the app
    stopped is queued again: the CLI left nothing under its output name."""
    path = path or queue_path()
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc["jobs"]
        names = {f.name for f in fields(Job)}
        jobs = [Job(**{k: v for k, v in row.items() if k in names}) for row in rows]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise SettingsError(f"gui: the queue file {path} cannot be read ({exc}); fix or delete it.") from None
    for job in jobs:
        if job.state == "running":
            job.state, job.frames, job.fps, job.eta_s = "queued", 0, 0.0, None
    return jobs


def save_queue(jobs: list[Job], path: Path | None = None) -> Path:
    """Write the queue atomically; returns the file."""
    from ..cache import atomic_write_bytes

    path = path or queue_path()
    text = json.dumps({"version": 1, "jobs": [asdict(j) for j in jobs]}, indent=1) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"))


def videos_in(paths: list[Path]) -> list[Path]:
    """Files as given, and the video files (by ending, sorted, recursively) in folders."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES)
        elif p.is_file():
            out.append(p)
    return out


def default_output(src: Path, preset: str, taken: set[str] = frozenset()) -> Path:
    """``NAME_PRESET.mkv`` beside the source (``_2``, ``_3`` ... when already taken or present)."""
    stem = f"{src.stem}_{preset}"
    out = src.with_name(f"{stem}.mkv")
    i = 2
    while str(out) in taken or out.exists():
        out = src.with_name(f"{stem}_{i}.mkv")
        i += 1
    return out


def enhance_argv(job: Job, *, python: str | None = None) -> list[str]:
    """The subprocess command line of a job (this Python, so the same install runs it)."""
    return [
        python or sys.executable, "-m", "ainimotion_vs", "enhance", job.input,
        "--preset", job.preset, "--out", job.output, "--progress", "json",
    ]  # fmt: skip


def parse_progress(line: str) -> Progress | None:
    """The progress in one stderr line of ``enhance --progress json``, or None for any other line."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        d: dict[str, Any] = json.loads(line)
        return Progress(
            state=str(d["state"]), frames=int(d["frames"]), total=int(d["total"]), fps=float(d["fps"]),
            eta_s=None if d.get("eta_s") is None else float(d["eta_s"]),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None
