"""Subtitles and chapters for a part of the source (``--clip``), cut to the span.

ffmpeg's input seeking cannot do this: a copied subtitle event that began before the cut
is shifted with the whole stream (the muxer makes timestamps non-negative) or dropped,
and chapters keep their full length. So each text subtitle stream is read out as ASS,
every event is clipped to ``[t0, t1)`` and moved by ``-t0`` (:func:`cut_ass`), and the
chapters are clipped the same way into an FFMETADATA file (:func:`cut_chapters`); both
go to ffmpeg as extra inputs. The two cutting functions are pure; :func:`prepare_sidecars`
runs ffmpeg to read the streams out.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EncodeError
from ..ffmpeg import ffmpeg_input

if TYPE_CHECKING:  # pragma: no cover
    from ..media import SourceSpan

__all__ = ["TEXT_SUBTITLES", "Sidecars", "cut_ass", "cut_chapters", "prepare_sidecars"]

TEXT_SUBTITLES = frozenset({"ass", "ssa", "subrip", "srt", "webvtt", "mov_text", "text"})
"""Subtitle codecs ffmpeg converts to and from ASS without loss of timing."""

_TIME = r"(\d+):(\d\d):(\d\d)\.(\d\d)"
_EVENT = re.compile(rf"^(Dialogue|Comment):\s*([^,]*),{_TIME},{_TIME},(.*)$")


@dataclass
class Sidecars:
    """Files made for one render: cut subtitle streams and chapters (paths in a temp folder)."""

    subtitles: dict[int, Path] = field(default_factory=dict)
    """Source stream index -> ASS file cut to the span."""
    chapters: Path | None = None
    """FFMETADATA file with the chapters cut to the span (None when the source has none)."""


def _centis(h: str, m: str, s: str, cs: str) -> Fraction:
    return Fraction(int(h) * 360000 + int(m) * 6000 + int(s) * 100 + int(cs), 100)


def _ass_time(t: Fraction) -> str:
    cs = round(t * 100)
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def cut_ass(text: str, t0: Fraction, t1: Fraction) -> str:
    """An ASS script with every event clipped to ``[t0, t1)`` and moved to start at ``t0``: an
    event already on screen at ``t0`` keeps its remaining time; events outside are dropped."""
    out = []
    for line in text.splitlines():
        m = _EVENT.match(line)
        if not m:
            out.append(line)
            continue
        kind, layer, *rest = m.groups()
        start, end = _centis(*rest[0:4]), _centis(*rest[4:8])
        if end <= t0 or start >= t1:
            continue
        new_start, new_end = max(start, t0) - t0, min(end, t1) - t0
        out.append(f"{kind}: {layer},{_ass_time(new_start)},{_ass_time(new_end)},{rest[8]}")
    return "\n".join(out) + "\n"


def cut_chapters(marks, t0: Fraction, t1: Fraction) -> str:
    """FFMETADATA text with the chapters that overlap ``[t0, t1)``, clipped to it and moved by ``-t0``
    (milliseconds)."""
    lines = [";FFMETADATA1"]
    for start, end, title in marks:
        if end <= t0 or start >= t1:
            continue
        a, b = round((max(start, t0) - t0) * 1000), round((min(end, t1) - t0) * 1000)
        if b <= a:
            continue
        safe = re.sub(r"([=;#\\\n])", r"\\\1", title)
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={a}", f"END={b}", f"title={safe}"]
    return "\n".join(lines) + "\n"


def prepare_sidecars(ffmpeg_path: str, span: SourceSpan, folder: Path, *, func: str) -> Sidecars:
    """Read each text subtitle stream out as ASS and cut it, and cut the chapters, for a part of
    the source; files go in ``folder`` (the caller removes it)."""
    info = span.info
    t0 = span.start_time
    t1 = t0 + span.duration
    made = Sidecars()
    for s in info.kind("subtitle"):
        if s.codec not in TEXT_SUBTITLES:
            continue
        raw = folder / f"sub{s.index}.ass"
        done = subprocess.run(
            [ffmpeg_path, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", ffmpeg_input(info.path),
             "-map", f"0:{s.index}", "-c:s", "ass", "-f", "ass", "-y", ffmpeg_input(raw)],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise EncodeError(f"{func}: cannot read subtitle stream #{s.index} of {info.path.name}: {done.stderr.strip()[-300:]}")
        cut = folder / f"sub{s.index}.cut.ass"
        cut.write_text(cut_ass(raw.read_text(encoding="utf-8", errors="replace"), t0, t1), encoding="utf-8")
        made.subtitles[s.index] = cut
    if info.chapter_marks:
        made.chapters = folder / "chapters.ffmeta"
        made.chapters.write_text(cut_chapters(info.chapter_marks, t0, t1), encoding="utf-8")
    return made
