"""``ainimotion analyze IN [--json OUT.json] [--plot OUT.png] [--clip START-END]``: the gate's
interval timeline of a video (cut / hold / motion counts and shares, the cut list with
timecodes), optionally as JSON and as a PNG plot of the metrics with their thresholds.

The summary goes to stdout (there is no video on stdout here); progress and logs to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..cache import atomic_write, atomic_write_bytes
from ..timeline import read_timeline

__all__ = ["register", "run", "collect", "summarize", "plot", "timecode"]

log = logging.getLogger("ainimotion_vs")

_COLOURS = {"hold": "#4c9f70", "motion": "#4a7bd0", "cut": "#d04a4a"}


def register(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``analyze`` subcommand."""
    p = subparsers.add_parser(
        "analyze", parents=[common], help="label every frame interval cut / hold / motion and report the timeline"
    )
    p.add_argument("input", type=Path, help="video file")
    p.add_argument("--json", type=Path, metavar="OUT.json", help="write the summary and every interval's metrics")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="write a plot of the metrics, thresholds and labels")
    p.add_argument("--clip", metavar="START-END", help="analyse only these frames (end exclusive) or times, e.g. 0-480")
    p.set_defaults(func=run)
    return p


def timecode(seconds: Fraction | float) -> str:
    """``HH:MM:SS.mmm`` for a time in seconds."""
    ms = int(round(float(seconds) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def collect(clip, *, settings=None) -> list[dict[str, Any]]:
    """Run :func:`ainimotion_vs.gate` over ``clip``; one dict of label and metrics per frame
    (:meth:`ainimotion_vs.timeline.Timeline.rows`)."""
    total = clip.num_frames
    step = max(1, total // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0:
            log.debug("analyze: %d/%d frames", done, total)

    return read_timeline(clip, settings=settings, progress=progress).rows()


def summarize(rows: list[dict[str, Any]], *, fps: Fraction, start: int = 0) -> dict[str, Any]:
    """Counts and shares of the labels over the intervals (the last frame has none) and the cut
    list; frame numbers are source frames (``start`` + n), times are ``frame / fps``."""
    intervals = rows[:-1]
    counts = Counter(r["label"] for r in intervals)
    total = len(intervals)
    cuts = [
        {"frame": start + r["n"] + 1, "time": timecode(Fraction(start + r["n"] + 1) / fps)}
        for r in intervals
        if r["label"] == "cut"
    ]
    return {
        "frames": len(rows),
        "intervals": total,
        "counts": {k: counts.get(k, 0) for k in ("cut", "hold", "motion")},
        "shares": {k: (counts.get(k, 0) / total if total else 0.0) for k in ("cut", "hold", "motion")},
        "cuts": cuts,
    }


def plot(rows: list[dict[str, Any]], path: Path, *, settings, start: int = 0, title: str = "") -> None:
    """A PNG of the neighbour distance (block maximum of frames n and n+1) and the anchor
    distance (first to last frame of each block's still run) against the hold threshold, the
    structural dissimilarity against the cut threshold, and the label strip; x is the source
    frame (``start`` + n). An interval whose neighbour distance is under the threshold but whose
    anchor distance is over it is a slow drift (pan, zoom): motion."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    n = [start + r["n"] for r in rows[:-1]]
    block = [max(r["AinimotionBlockMax"], 0.05) for r in rows[:-1]]
    anchor = [max(r["AinimotionAnchorMax"], 0.05) for r in rows[:-1]]
    thr = [r["AinimotionHoldThreshold"] for r in rows[:-1]]
    dis = [1.0 - r["AinimotionCorr"] for r in rows[:-1]]
    labels = [r["label"] for r in rows[:-1]]
    cuts = [x + 0.5 for x, lab in zip(n, labels, strict=True) if lab == "cut"]
    fig, axes = plt.subplots(3, 1, figsize=(12, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 3, 0.6]})
    ax = axes[0]
    ax.semilogy(n, block, lw=0.8, color="#333333", label="neighbour distance: block max |dY| n, n+1 (code values)")
    ax.semilogy(n, anchor, lw=0.8, color="#c07a20", label="anchor distance: first to last frame of the still run")
    ax.step(n, thr, where="mid", lw=1.2, color=_COLOURS["hold"], label="hold threshold (noise-adapted)")
    ax.set_ylabel("distance")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "gate", fontsize=10)
    ax = axes[1]
    ax.plot(n, dis, lw=0.8, color="#333333", label="1 - correlation (structure change)")
    ax.axhline(settings.cut_min_dissimilarity, color=_COLOURS["cut"], lw=1, ls="--", label="cut minimum")
    ax.axhline(settings.strong_cut_dissimilarity, color=_COLOURS["cut"], lw=1, ls=":", label="strong cut")
    ax.set_ylim(-0.05, max(1.1, max(dis, default=1.0) + 0.05))
    ax.set_ylabel("dissimilarity")
    ax.legend(loc="upper right", fontsize=8)
    for a in axes[:2]:
        for c in cuts:
            a.axvline(c, color=_COLOURS["cut"], lw=0.8, alpha=0.6)
    ax = axes[2]
    ax.bar(n, [1] * len(n), width=1.0, color=[_COLOURS[lab] for lab in labels], linewidth=0)
    ax.set_yticks([])
    ax.set_xlabel("interval n -> n+1 (frame)")
    ax.legend(handles=[Patch(color=c, label=k) for k, c in _COLOURS.items()], loc="upper right", ncol=3, fontsize=8)
    fig.tight_layout()
    _atomic_save(fig, path)
    plt.close(fig)


def _atomic_save(fig, path: Path) -> None:
    with atomic_write(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def _write_json(data: dict[str, Any], path: Path) -> None:
    atomic_write_bytes(path, json.dumps(data, indent=1).encode("utf-8"))


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.input``; print the summary; write ``--json`` / ``--plot`` if asked."""
    from ..gate import GateSettings
    from ..media import open_span

    settings = GateSettings()
    clip, span = open_span(args.input, clip_range=args.clip)
    fps = Fraction(span.fps)
    log.info("analyze: %s, frames %d-%d at %s fps", args.input.name, span.start, span.end - 1, fps)
    rows = collect(clip, settings=settings)
    summary = summarize(rows, fps=fps, start=span.start)
    out = sys.stdout
    print(f"{args.input.name}: frames {span.start}-{span.end - 1} ({summary['intervals']} intervals at {fps} fps)", file=out)
    for k in ("hold", "motion", "cut"):
        print(f"  {k:<6} {summary['counts'][k]:>7}  {100 * summary['shares'][k]:5.1f}%", file=out)
    print(f"  cuts ({len(summary['cuts'])}):", file=out)
    for c in summary["cuts"]:
        print(f"    frame {c['frame']:>7}  {c['time']}", file=out)
    if args.json:
        data = {
            "source": str(args.input),
            "fps": str(fps),
            "start": span.start,
            "end": span.end,
            "settings": asdict(settings),
            **summary,
            "frames_detail": [{**r, "frame": span.start + r["n"]} for r in rows],
        }
        _write_json(data, args.json)
        log.info("analyze: wrote %s", args.json)
    if args.plot:
        plot(rows, args.plot, settings=settings, start=span.start, title=f"{args.input.name} frames {span.start}-{span.end - 1}")
        log.info("analyze: wrote %s", args.plot)
    return 0
