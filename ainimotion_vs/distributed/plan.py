"""Chunks of one input at the gate's cuts (pure: labels and rates in, chunks out).

Why chunks never change a frame. Every worker builds the *whole-file* graph (source ->
gate -> upscale -> interpolate -> output format) exactly as the single process does, and
renders only the output frames ``[out_start, out_end)`` of it. VapourSynth frames are pure
functions of their frame number, so a chunk's frames are the single-process frames by
construction; the plan only decides which frames each worker asks for. What the stages
read across a chunk edge (served by the full graph, never by a neighbour worker):

- **gate**: the decision for interval ``n -> n+1`` reads source frames ``n - radius - 1 ..
  n + radius + 1`` (small luma pictures, decode only), so it sees past both edges and gives
  the same labels as one pass over the file (any request order gives the same props);
- **upscaler**: one source frame at a time (tiles are within the frame); a held frame reuses
  the upscale of its drawing's first frame, which lies before the chunk only when a long shot
  was split at a hold (one extra model run, same pixels);
- **interpolator**: output frame ``j`` shows source position ``p = j * in_fps / out_fps``
  (``_timing.source_position``) and reads source frames ``floor(p)`` and ``floor(p) + 1``.
  At a cut or a hold the interval is never interpolated (a duplicate of ``floor(p)``), so a
  chunk ending at a cut or a hold needs no frame of the next chunk;
- **encoder**: each segment is its own encode starting with a keyframe (closed GOP), so
  segments join at packet level without re-encoding.

Output frames of a chunk: those whose source position falls in ``[start, end)``, i.e.
``j`` with ``start <= j * in_fps / out_fps < end``: ``j`` from ``ceil(start * out_fps /
in_fps)`` to ``ceil(end * out_fps / in_fps)`` (``_timing.output_length``), exact Fractions,
so the chunks partition the output frames with no gap and no overlap.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .._timing import output_length
from ..errors import SettingsError

__all__ = [
    "Chunk",
    "plan_chunks",
    "boundary_kinds",
    "DEFAULT_CHUNK_SECONDS",
    "MAX_CHUNK_FACTOR",
    "format_time",
]

DEFAULT_CHUNK_SECONDS = 60.0
"""Target chunk length: a minute of a 1440p48 render is minutes of GPU work, so the per-chunk
overhead (task start, model load, one more encoder start: ``scripts/bench_scale.py``) stays a
small share, and a lost chunk costs little."""

MAX_CHUNK_FACTOR = 2.0
"""Default hard maximum as a multiple of the target: a shot longer than this is split at a
hold (then anywhere), so one long shot cannot hold up a whole run."""


def format_time(seconds: Fraction | float) -> str:
    """``H:MM:SS.mmm``."""
    ms = round(float(seconds) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}"


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """Source frames ``[start, end)`` of one input and the output frames they become."""

    index: int
    start: int
    end: int
    """Exclusive."""
    out_start: int
    out_end: int
    """Exclusive."""
    in_fps: Fraction
    boundary: str
    """What ends the chunk: ``"cut"``, ``"hold"``, ``"forced"`` (a shot with neither, split at
    the hard maximum) or ``"end"`` (the last frame)."""

    @property
    def frames(self) -> int:
        """Output frames."""
        return self.out_end - self.out_start

    @property
    def start_time(self) -> Fraction:
        """Seconds from the first source frame."""
        return self.start / self.in_fps

    @property
    def end_time(self) -> Fraction:
        return self.end / self.in_fps

    def describe(self) -> str:
        """``chunk 3 (0:01:00.000-0:02:00.000, source frames 1440-2880)``, for messages."""
        return (
            f"chunk {self.index} ({format_time(self.start_time)}-{format_time(self.end_time)}, "
            f"source frames {self.start}-{self.end})"
        )

    def to_json(self) -> dict:
        return {
            "index": self.index, "start": self.start, "end": self.end, "out_start": self.out_start,
            "out_end": self.out_end, "in_fps": str(self.in_fps), "boundary": self.boundary,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Chunk":
        return cls(
            index=int(d["index"]), start=int(d["start"]), end=int(d["end"]), out_start=int(d["out_start"]),
            out_end=int(d["out_end"]), in_fps=Fraction(d["in_fps"]), boundary=str(d["boundary"]),
        )


def boundary_kinds(labels: Sequence[str]) -> dict[int, str]:
    """Chunk starts allowed by the gate's labels: ``b -> "cut"`` when interval ``b-1 -> b`` is a
    cut, ``"hold"`` when it is a hold (no interpolation crosses either)."""
    out: dict[int, str] = {}
    for n, label in enumerate(labels[:-1]):
        if label in ("cut", "hold"):
            out[n + 1] = label
    return out


def _closest(candidates: Sequence[int], target: int) -> int:
    # ties go to the later boundary: fewer, longer chunks
    return min(candidates, key=lambda b: (abs(b - target), -b))


def plan_chunks(
    labels: Sequence[str],
    *,
    in_fps: Fraction,
    out_fps: Fraction,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    max_chunk_seconds: float | None = None,
) -> tuple[Chunk, ...]:
    """Split a source of ``len(labels)`` frames into chunks of about ``chunk_seconds``.

    ``labels[n]`` is the gate's ``AinimotionInterval`` of interval ``n -> n+1`` (``"cut"``,
    ``"hold"``, ``"motion"``...). Chunks start only after a cut while one lies within
    ``max_chunk_seconds`` (default ``MAX_CHUNK_FACTOR * chunk_seconds``), choosing the cut
    nearest to ``chunk_seconds``; a longer shot is split at the hold nearest to the target,
    and a shot with no hold at the maximum (``boundary="forced"``: still the same frames,
    only the edge interval's model work is done by both neighbours).
    """
    func = "plan_chunks"
    n = len(labels)
    if n < 1:
        raise SettingsError(f"{func}: the source has no frames.")
    for name, fps in (("in_fps", in_fps), ("out_fps", out_fps)):
        if not isinstance(fps, Fraction) or fps <= 0:
            raise SettingsError(f"{func}: {name} must be a positive Fraction; got {fps!r}.")
    if not chunk_seconds > 0:
        raise SettingsError(f"{func}: chunk_seconds must be positive, e.g. 60; got {chunk_seconds!r}.")
    max_s = MAX_CHUNK_FACTOR * chunk_seconds if max_chunk_seconds is None else max_chunk_seconds
    if not max_s >= chunk_seconds:
        raise SettingsError(
            f"{func}: max_chunk_seconds ({max_s}) must be at least chunk_seconds ({chunk_seconds}); raise it or leave it out."
        )
    target = max(1, round(Fraction(chunk_seconds).limit_denominator(1000) * in_fps))
    hard = max(target, int(Fraction(max_s).limit_denominator(1000) * in_fps))
    kinds = boundary_kinds(labels)
    cuts = sorted(b for b, k in kinds.items() if k == "cut")
    holds = sorted(b for b, k in kinds.items() if k == "hold")

    chunks: list[Chunk] = []
    start = 0
    while start < n:
        limit = start + hard
        cands = [b for b in cuts if start < b <= min(limit, n - 1)]
        if n <= limit:
            cands.append(n)
        if cands:
            end = _closest(cands, start + target)
            kind = "end" if end == n else "cut"
        else:
            in_reach = [b for b in holds if start < b <= limit]
            if in_reach:
                end, kind = _closest(in_reach, start + target), "hold"
            else:
                end, kind = limit, "forced"
        chunks.append(
            Chunk(
                index=len(chunks), start=start, end=end, out_start=output_length(start, in_fps, out_fps),
                out_end=output_length(end, in_fps, out_fps), in_fps=in_fps, boundary=kind,
            )
        )
        start = end
    return tuple(chunks)
