"""``ainimotion enhance IN... --out-dir DIR [--workers N | --ray-address ADDR]``: chunked
rendering of one or many inputs on Ray (:mod:`ainimotion_vs.distributed`).

``enhance`` registers these options with :func:`register_options` and hands the run over,
with the preset and encoder settings it resolved, when :func:`wanted` says so; the preset,
encoder and rate options mean what they mean for a single-process ``enhance`` (this module
never imports ``commands.enhance``: one direction only).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from ..errors import SettingsError

__all__ = ["register_options", "wanted", "run", "outputs_for"]

log = logging.getLogger("ainimotion_vs")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds; got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive; got {text}")
    return value


def register_options(p: argparse.ArgumentParser) -> None:
    """The extra inputs and the scale-out options of ``enhance``."""
    p.add_argument("more_inputs", nargs="*", metavar="IN", help="more source files (need --out-dir)")
    g = p.add_argument_group("chunked rendering on Ray (pip install 'ainimotion_vs[ray]')")
    g.add_argument("--out-dir", default=None, metavar="DIR", help="write each input's output here as NAME.mkv; "
                   "chunked and resumable (work dirs in DIR/.ainimotion-work)")
    g.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="chunks rendered at once (a local Ray is started; default one per GPU, else per CPU)")
    g.add_argument("--ray-address", default=None, metavar="ADDRESS",
                   help="join a running Ray cluster (`ray start --head` prints it, e.g. 10.0.0.5:6379)")
    g.add_argument("--chunk-seconds", type=_positive_float, default=None, metavar="S",
                   help="target chunk length in seconds (default 60); chunks start at cuts")
    g.add_argument("--max-chunk-seconds", type=_positive_float, default=None, metavar="S",
                   help="split a longer shot at a hold (default twice --chunk-seconds)")
    g.add_argument("--keep-work", action="store_true", help="keep the work dir (plan, segments) after success")


def wanted(args: argparse.Namespace) -> bool:
    """True when the command line asks for a chunked run; refuses extra inputs without --out-dir."""
    chunked = any(getattr(args, k, None) for k in ("out_dir", "workers", "ray_address", "chunk_seconds", "max_chunk_seconds"))
    if getattr(args, "more_inputs", None) and not getattr(args, "out_dir", None):
        raise SettingsError("enhance: several inputs need --out-dir DIR (each output is DIR/NAME.mkv).")
    return chunked or bool(getattr(args, "keep_work", False))


def outputs_for(inputs: list[Path], args: argparse.Namespace) -> list[Path]:
    """Output path of each input: ``--out`` for a single input, else ``DIR/STEM.mkv``
    (``DIR``: ``--out-dir``, or the input's folder with ``_enhanced`` added to the name)."""
    if args.out:
        if len(inputs) > 1:
            raise SettingsError("enhance: --out names one file; with several inputs use --out-dir DIR.")
        if args.out_dir:
            raise SettingsError("enhance: give --out FILE or --out-dir DIR, not both.")
        return [Path(args.out)]
    if args.out_dir:
        d = Path(args.out_dir)
        if d.exists() and not d.is_dir():
            raise SettingsError(f"enhance: --out-dir {d} is a file; give a folder.")
        d.mkdir(parents=True, exist_ok=True)
        return [d / f"{p.stem}.mkv" for p in inputs]
    return [p.with_name(f"{p.stem}_enhanced.mkv") for p in inputs]


class _JsonLines:
    """``--progress json``: the single-process objects (``state``, ``frames``, ``total``, ``fps``,
    ``eta_s``) plus ``chunks`` and ``chunks_total``, one line every ``every_s``."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.last = -float("inf")

    def __call__(self, board) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s:
            return
        self.last = now
        done, chunks, rate, eta = board.snapshot()
        line = {
            "state": "rendering", "frames": done, "total": board.total_frames, "fps": round(rate, 3),
            "eta_s": None if eta == float("inf") else round(eta, 1), "chunks": chunks, "chunks_total": board.total_chunks,
        }
        print(json.dumps(line), file=sys.stderr, flush=True)


def run(args: argparse.Namespace, *, preset, encoder: tuple[str, float | None, str | None], json_every_s: float) -> int:
    """Run a chunked ``enhance`` with the preset and ``(encoder, crf, encoder_preset)`` that
    ``enhance`` resolved from the same command line; returns 0 on success."""
    from ..distributed import Job, enhance_many

    if getattr(args, "clip", None):
        raise SettingsError("enhance: --clip renders one part in one process; leave out --out-dir/--workers/--ray-address.")
    if args.workers and args.ray_address:
        log.info("enhance: --workers %d bounds the chunks in flight on the cluster at %s", args.workers, args.ray_address)
    encoder, crf, encoder_preset = encoder
    inputs = [Path(os.path.abspath(p)) for p in [args.input, *args.more_inputs]]
    outs = outputs_for(inputs, args)
    cfr = None if args.cfr is None else str(args.cfr)
    jobs = [
        (Job(source=str(src), preset=preset, cfr=cfr, encoder=encoder, crf=crf, encoder_preset=encoder_preset), out)
        for src, out in zip(inputs, outs)
    ]
    kw = {}
    if args.chunk_seconds is not None:
        kw["chunk_seconds"] = args.chunk_seconds
    mode = getattr(args, "progress", "auto")
    if mode == "json" and not args.quiet:
        kw["on_progress"] = _JsonLines(json_every_s)
    results = enhance_many(
        jobs, address=args.ray_address, workers=args.workers, max_chunk_seconds=args.max_chunk_seconds,
        overwrite=args.overwrite, keep_work=args.keep_work, quiet=args.quiet or mode in ("none", "json"), **kw,
    )
    for r in results:
        log.info("enhance: wrote %s: %d frames, %.3f s, %s", r.path, r.frames, r.duration, r.encoder)
    return 0
