#!/usr/bin/env python3
"""Score gate() and baseline detectors against the hand-made labels in tests/labels/.

For every clip with a label file (footage from ../shared/data/clips) and overall:
precision, recall and F1 of cuts (exact-frame matching) and of holds, then the false
cuts / false holds per clip with their frame numbers, and what each detector did on the
known trap frames.

Detectors (ainimotion_vs.evaluation.detectors; each skipped with a note when its package or
plugin is missing): gate, content, adaptive (PySceneDetect), luma, scxvid, mvtools, dedup, ssim.

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
)
from ainimotion_vs.evaluation.detectors import DETECTORS, NEEDS, Prediction  # noqa: E402
from ainimotion_vs.evaluation.startup import add_run_options  # noqa: E402

log = logging.getLogger("ainimotion_vs.eval")

# Frames known to fool detectors (frame N = the would-be first frame of a new shot).
TRAPS: dict[str, tuple[int, ...]] = {
    "slides_fades_control": (5, 6, 7, 61, 62, 63, 201),
    "konobi12_shot_24fps": (9, 10, 11, 12, *range(35, 43)),
    "onepiece_demo": (112, 115),
    "tom_and_jerry_480p": tuple(range(428, 451)),
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
    add_run_options(ap)
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
