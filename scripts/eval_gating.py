#!/usr/bin/env python3
"""Score gate() and baseline detectors against the hand-made labels in tests/labels/.

For every clip with a label file (footage from ../shared/data/clips) and overall:
precision, recall and F1 of cuts (exact-frame matching) and of holds, then the false
cuts / false holds per clip with their frame numbers, and what each detector did on the
known trap frames.

Detectors (each skipped with a note when its package or plugin is missing):
  gate      ainimotion_vs.gate() -> AinimotionInterval            (cuts, holds)
  content   PySceneDetect ContentDetector, defaults               (cuts)
  adaptive  PySceneDetect AdaptiveDetector, defaults              (cuts)
  luma      mean |dY| of consecutive frames > 0.15 (misc.SCDetect method, std.PlaneStats) (cuts)
  scxvid    core.scxvid.Scxvid -> _SceneChangePrev                (cuts)
  mvtools   core.mv.Super/Analyse/SCDetection, defaults           (cuts)
  dedup     mean |dY| (PlaneStatsDiff) < 1/255: a global "dedup" hold test (holds)
  ssim      luma SSIM (ainimotion_vs.evaluation.ssim) > 0.999     (holds)

content, adaptive (scenedetect), scxvid and mvtools come with the 'eval' extra
(pip install 'ainimotion_vs[eval]'); the script names what is missing before it starts.

Usage:  .venv/bin/python scripts/eval_gating.py [--clips a,b] [--detectors gate,luma] [--json OUT]
Tables go to stdout; progress to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ainimotion_vs.evaluation import (  # noqa: E402
    LABELS_DIR,
    ClipLabels,
    Score,
    format_ranges,
    load_label_dir,
    missing_eval,
    require_shared_data,
    score_cuts,
    score_holds,
    ssim,
)

log = logging.getLogger("ainimotion_vs.eval")

LUMA_CUT_THRESHOLD = 0.15
"""misc.SCDetect's method: mean absolute luma difference (0..1) above this is a cut."""
DEDUP_HOLD_THRESHOLD = 1.0 / 255
"""Global mean absolute luma difference (0..1) under this is a hold (a plain dedup tool)."""
SSIM_HOLD_THRESHOLD = 0.999
"""Luma SSIM above this is a hold."""

# Frames known to fool detectors (frame N = the would-be first frame of a new shot).
TRAPS: dict[str, tuple[int, ...]] = {
    "slides_fades_control": (5, 6, 7, 61, 62, 63, 201),
    "konobi12_shot_24fps": (9, 10, 11, 12, *range(35, 43)),
    "onepiece_demo": (112, 115),
    "tom_and_jerry_480p": tuple(range(428, 451)),
}


@dataclass
class Prediction:
    """What one detector said about one clip."""

    cuts: set[int] | None = None
    """Frames it calls the first frame of a new shot (None: it does not detect cuts)."""
    holds: set[int] | None = None
    """Intervals n -> n+1 it calls holds (None: it does not detect holds)."""
    seconds: float = 0.0


# ---------------------------------------------------------------- detectors

def _source(path: Path):
    import vapoursynth as vs

    return vs.core.bs.VideoSource(str(path))


def detect_gate(path: Path) -> Prediction:
    import ainimotion_vs

    clip = ainimotion_vs.gate(_source(path))
    labels = []
    for f in clip.frames():
        v = f.props["AinimotionInterval"]
        labels.append(v.decode() if isinstance(v, bytes) else str(v))
    n_int = len(labels) - 1
    return Prediction(
        cuts={n + 1 for n in range(n_int) if labels[n] == "cut"},
        holds={n for n in range(n_int) if labels[n] == "hold"},
    )


def _scenedetect(path: Path, detector) -> set[int]:
    from scenedetect import detect

    scenes = detect(str(path), detector, show_progress=False)
    return {start.get_frames() for start, _ in scenes[1:]}


def detect_content(path: Path) -> Prediction:
    from scenedetect import ContentDetector

    return Prediction(cuts=_scenedetect(path, ContentDetector()))


def detect_adaptive(path: Path) -> Prediction:
    from scenedetect import AdaptiveDetector

    return Prediction(cuts=_scenedetect(path, AdaptiveDetector()))


def _prev_flags(clip) -> set[int]:
    return {n for n, f in enumerate(clip.frames()) if n > 0 and f.props.get("_SceneChangePrev", 0)}


def detect_scxvid(path: Path) -> Prediction:
    import vapoursynth as vs

    return Prediction(cuts=_prev_flags(vs.core.scxvid.Scxvid(_source(path))))


def detect_mvtools(path: Path) -> Prediction:
    import vapoursynth as vs

    core = vs.core
    clip = _source(path)
    vectors = core.mv.Analyse(core.mv.Super(clip), isb=False)  # forward vectors -> _SceneChangePrev
    return Prediction(cuts=_prev_flags(core.mv.SCDetection(clip, vectors)))


_STATS_CACHE: dict[tuple[Path, bool], tuple[list[float], list[float]]] = {}


def _luma_stats(path: Path, *, want_ssim: bool) -> tuple[list[float], list[float]]:
    """Per interval: PlaneStatsDiff of luma (0..1) and, when asked, luma SSIM (one decode, cached)."""
    for key in ((path, want_ssim), (path, True)):
        if key in _STATS_CACHE:
            return _STATS_CACHE[key]
    _STATS_CACHE[(path, want_ssim)] = result = _luma_pass(path, want_ssim=want_ssim)
    return result


def _luma_pass(path: Path, *, want_ssim: bool) -> tuple[list[float], list[float]]:
    import numpy as np
    import vapoursynth as vs

    core = vs.core
    clip = _source(path)
    nxt = clip[1:] + clip[-1]
    stats = core.std.PlaneStats(clip, nxt, plane=0)
    diffs: list[float] = []
    ssims: list[float] = []
    prev = None
    peak = (1 << clip.format.bits_per_sample) - 1
    for n, f in enumerate(stats.frames()):
        diffs.append(float(f.props["PlaneStatsDiff"]))
        if want_ssim:
            y = np.asarray(f[0]).copy()
            if prev is not None:
                ssims.append(ssim(prev, y, data_range=peak))
            prev = y
    return diffs[:-1], ssims


def detect_luma(path: Path) -> Prediction:
    diffs, _ = _luma_stats(path, want_ssim=False)
    return Prediction(cuts={n + 1 for n, d in enumerate(diffs) if d > LUMA_CUT_THRESHOLD})


def detect_dedup(path: Path) -> Prediction:
    diffs, _ = _luma_stats(path, want_ssim=False)
    return Prediction(holds={n for n, d in enumerate(diffs) if d < DEDUP_HOLD_THRESHOLD})


def detect_ssim(path: Path) -> Prediction:
    _, ssims = _luma_stats(path, want_ssim=True)
    return Prediction(holds={n for n, s in enumerate(ssims) if s > SSIM_HOLD_THRESHOLD})


NEEDS: dict[str, tuple[str, ...]] = {"content": ("scenedetect",), "adaptive": ("scenedetect",),
                                    "scxvid": ("scxvid",), "mvtools": ("mvtools",)}
"""The parts of the 'eval' extra each detector needs (the others need only the package)."""

DETECTORS: dict[str, tuple[Callable[[Path], Prediction], str]] = {
    "gate": (detect_gate, "ainimotion_vs.gate()"),
    "content": (detect_content, "PySceneDetect Content"),
    "adaptive": (detect_adaptive, "PySceneDetect Adaptive"),
    "luma": (detect_luma, f"luma diff > {LUMA_CUT_THRESHOLD}"),
    "scxvid": (detect_scxvid, "scxvid"),
    "mvtools": (detect_mvtools, "mvtools SCDetection"),
    "dedup": (detect_dedup, "dedup |dY| < 1/255"),
    "ssim": (detect_ssim, f"SSIM > {SSIM_HOLD_THRESHOLD}"),
}


# ---------------------------------------------------------------- evaluation

def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def _listing(values, limit: int) -> str:
    text = format_ranges(values)
    parts = text.split()
    return text if len(parts) <= limit else " ".join(parts[:limit]) + f" ... (+{len(parts) - limit} runs)"


def _table(title: str, kind: str, names: list[str], clips: list[str], scores: dict, out) -> None:
    rows = [d for d in names if any(scores[d].get(c, {}).get(kind) is not None for c in clips)]
    if not rows:
        return
    short = [c.split("_")[0][:9] for c in clips]
    print(f"\n{title}", file=out)
    head = f"{'detector':24s}" + "".join(f"{s:>10s}" for s in short) + f" | {'P':>6s} {'R':>6s} {'F1':>6s}  tp/fp/fn"
    print(head, file=out)
    print("-" * len(head), file=out)
    for d in rows:
        cells, total = [], Score(tp=0, fp=0, fn=0)
        for c in clips:
            s = scores[d].get(c, {}).get(kind)
            if s is None:
                cells.append(f"{'n/a':>10s}")
                continue
            total = total + s
            cells.append(f"{s.tp:>3d}/{s.fp}/{s.fn}".rjust(10) if kind == "cut" else f"{_fmt(s.f1):>10s}")
        print(
            f"{DETECTORS[d][1]:24s}" + "".join(cells)
            + f" | {_fmt(total.precision)} {_fmt(total.recall)} {_fmt(total.f1)}  {total.tp}/{total.fp}/{total.fn}",
            file=out,
        )
    print("cells: " + ("tp/fp/fn of exact-frame cuts" if kind == "cut" else "hold F1 per clip (- = no holds)"), file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="shared data folder (with clips/); default ../shared/data")
    ap.add_argument("--labels", default=str(LABELS_DIR), help="label folder")
    ap.add_argument("--clips", help="comma-separated clip names (default: every label file)")
    ap.add_argument("--detectors", default=",".join(DETECTORS), help=f"comma-separated, from {','.join(DETECTORS)}")
    ap.add_argument("--json", dest="json_out", help="also write every score and false detection here")
    ap.add_argument("--list", type=int, default=14, help="how many runs of false detections to print per clip")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

    try:
        data = require_shared_data(args.data)
    except FileNotFoundError as exc:
        raise SystemExit(f"eval_gating: {exc}") from None
    labs: dict[str, ClipLabels] = load_label_dir(args.labels)
    if args.clips:
        want = args.clips.split(",")
        missing = [c for c in want if c not in labs]
        if missing:
            raise SystemExit(f"eval_gating: no label file for {missing}; have {sorted(labs)}")
        labs = {c: labs[c] for c in want}
    names = [d for d in args.detectors.split(",") if d]
    unknown = [d for d in names if d not in DETECTORS]
    if unknown:
        raise SystemExit(f"eval_gating: unknown detector(s) {unknown}; choose from {list(DETECTORS)}")

    clips = list(labs)
    preds: dict[str, dict[str, Prediction]] = {d: {} for d in names}
    skipped: dict[str, str] = {}
    for d in names:  # say what is missing before any work is done
        missing = missing_eval(*NEEDS.get(d, ()))
        if missing:
            skipped[d] = f"needs {', '.join(missing)} from the 'eval' extra: pip install 'ainimotion_vs[eval]'"
            log.warning("eval_gating: skipping %s: %s", d, skipped[d])
    for d in names:
        fn = DETECTORS[d][0]
        for c in clips:
            if d in skipped:
                break
            path = data / "clips" / labs[c].clip
            t0 = time.perf_counter()
            try:
                p = fn(path)
            except ImportError as exc:  # a missing package/plugin (MissingPluginError is one too)
                skipped[d] = f"{type(exc).__name__}: {exc}"
                log.warning("eval_gating: skipping %s: %s", d, skipped[d])
                break
            p.seconds = time.perf_counter() - t0
            preds[d][c] = p
            log.info("%-9s %-28s %6.1f s", d, c, p.seconds)

    scores: dict[str, dict[str, dict[str, Score | None]]] = {}
    for d in names:
        scores[d] = {}
        for c, p in preds[d].items():
            scores[d][c] = {
                "cut": None if p.cuts is None else score_cuts(labs[c], p.cuts),
                "hold": None if p.holds is None else score_holds(labs[c], p.holds),
            }
    ran = [d for d in names if d not in skipped]

    out = sys.stdout
    print("Gating evaluation against tests/labels/ (exact-frame cuts; holds per interval n -> n+1; 'ignore' excluded)", file=out)
    print("clips: " + ", ".join(f"{c} ({labs[c].frames} f)" for c in clips), file=out)
    _table("CUTS", "cut", ran, clips, scores, out)
    _table("HOLDS", "hold", ran, clips, scores, out)

    print("\nFALSE DETECTIONS (cuts: frame N = first frame of the new shot; holds: interval n -> n+1)", file=out)
    for d in ran:
        lines = []
        for c in clips:
            sc = scores[d].get(c, {})
            bits = []
            if sc.get("cut") is not None and (sc["cut"].false_pos or sc["cut"].missed):
                bits.append(f"false cuts [{_listing(sc['cut'].false_pos, args.list)}] missed [{_listing(sc['cut'].missed, args.list)}]")
            if sc.get("hold") is not None and (sc["hold"].false_pos or sc["hold"].missed):
                bits.append(f"false holds [{_listing(sc['hold'].false_pos, args.list)}] missed holds "
                            f"{len(sc['hold'].missed)} [{_listing(sc['hold'].missed, args.list)}]")
            if bits:
                lines.append(f"  {c}: " + "; ".join(bits))
        print(f"{DETECTORS[d][1]}:", file=out)
        print("\n".join(lines) if lines else "  none", file=out)

    print("\nTRAPS (cuts called on frames that must not be cuts)", file=out)
    for c, traps in TRAPS.items():
        if c not in clips:
            continue
        row = []
        for d in ran:
            p = preds[d].get(c)
            if p is None or p.cuts is None:
                continue
            hit = sorted(set(traps) & p.cuts)
            row.append(f"{d}: {format_ranges(hit) or 'ok'}")
        print(f"  {c} {format_ranges(traps)} -> " + "; ".join(row), file=out)

    print("\nTIME (s, this machine, decode included)", file=out)
    for d in ran:
        print(f"  {DETECTORS[d][1]:24s} {sum(p.seconds for p in preds[d].values()):7.1f}", file=out)
    for d, why in skipped.items():
        print(f"  {DETECTORS[d][1]:24s} skipped: {why}", file=out)

    if args.json_out:
        def sd(s: Score | None):
            if s is None:
                return None
            return {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision, "recall": s.recall, "f1": s.f1,
                    "false": list(s.false_pos), "missed": list(s.missed)}

        doc = {
            "clips": {c: {"frames": labs[c].frames, **labs[c].counts()} for c in clips},
            "detectors": {
                d: {
                    "name": DETECTORS[d][1],
                    "per_clip": {c: {"cut": sd(v["cut"]), "hold": sd(v["hold"]), "seconds": preds[d][c].seconds}
                                 for c, v in scores[d].items()},
                    "overall": {k: sd(sum((v[k] for v in scores[d].values() if v[k] is not None), Score(tp=0, fp=0, fn=0)))
                                if any(v[k] is not None for v in scores[d].values()) else None for k in ("cut", "hold")},
                }
                for d in ran
            },
            "skipped": skipped,
        }
        Path(args.json_out).write_text(json.dumps(doc, indent=1))
        log.info("eval_gating: wrote %s", args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
