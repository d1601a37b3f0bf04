"""``ainimotion train interp|upscale --data DIR --out RUN [...]``: fine-tune from the shipped
weights; ``RUN/best.pth`` installs with ``ainimotion weights install NAME RUN/best.pth``.
See :mod:`ainimotion_vs.train.loop`."""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    """Add the ``train`` subcommand."""
    from ..train.loop import TrainSettings

    d = TrainSettings()
    p = sub.add_parser("train", parents=[common], help="fine-tune the interpolator or upscaler on a curated dataset")
    tsub = p.add_subparsers(dest="train_task", metavar="TASK")
    tsub.required = True
    for task in ("interp", "upscale"):
        q = tsub.add_parser(task, parents=[common], help=f"fine-tune the {'RIFE interpolator' if task == 'interp' else 'upscaler'}")
        q.add_argument("--data", type=Path, required=True, metavar="DIR", help=f"dataset from `ainimotion dataset {task}`")
        q.add_argument("--out", type=Path, required=True, metavar="RUN", help="run folder (log.csv, loss.png, last.pth, best.pth)")
        q.add_argument("--steps", type=int, default=d.steps, help=f"optimizer steps (default {d.steps})")
        q.add_argument("--crop", type=int, default=d.crop, help=f"training crop, output pixels (default {d.crop})")
        q.add_argument("--batch", type=int, default=d.batch, help=f"samples per micro-batch (default {d.batch})")
        q.add_argument("--accum", type=int, default=d.accum, help="micro-batches per step (gradient accumulation)")
        q.add_argument("--lr", type=float, default=d.lr, help=f"peak learning rate (default {d.lr})")
        q.add_argument("--seed", type=int, default=d.seed, help="seed of the data sampler (default 0)")
        q.add_argument("--base", default="", help="model to start from (default: the shipped one)")
        q.add_argument("--device", default=d.device, help="auto (CUDA when available), cpu, cuda, cuda:N")
        q.add_argument("--no-amp", action="store_true", help="fp32 on CUDA too")
        q.add_argument("--val-every", type=int, default=0, help="validate every N steps (default: 20 times per run)")
        q.add_argument("--time-limit", type=float, default=0.0, metavar="SECONDS", help="stop with a checkpoint after this long")
        q.add_argument("--resume", action="store_true", help="continue RUN from RUN/last.pth with its own settings (only --time-limit and --device apply)")
        if task == "interp":
            q.add_argument("--line-weight", type=float, default=d.line_weight, help=f"line-stability term weight (default {d.line_weight})")
            q.add_argument("--spacing", choices=("even", "all"), default=d.spacing, help="train on evenly spaced triplets only (default) or all")
        q.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..train.loop import TrainSettings, train

    extra = {"line_weight": args.line_weight, "spacing": args.spacing} if args.train_task == "interp" else {}
    s = TrainSettings(steps=args.steps, crop=args.crop, batch=args.batch, accum=args.accum, lr=args.lr, seed=args.seed,
                      base=args.base, device=args.device, amp=not args.no_amp, val_every=args.val_every,
                      time_limit=args.time_limit, **extra)
    r = train(args.train_task, args.data, args.out, settings=s, resume=args.resume)
    state = "finished" if r.finished else "stopped (continue with --resume)"
    print(f"{r.run}: step {r.step}, {state}; held-back loss base {r.base_val:.5f}, best {r.best_val:.5f}")
    print(f"install: ainimotion weights install NAME {r.run / 'best.pth'}")
    return 0
