"""``ainimotion evaluate interp|upscale --model NAME --data DIR``: the base and the tuned model side
by side on the held-back samples (one Markdown table). See :mod:`ainimotion_vs.train.evaluate`."""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    """Add the ``evaluate`` subcommand."""
    p = sub.add_parser("evaluate", parents=[common], help="compare a fine-tuned model with its base on held-back data")
    esub = p.add_subparsers(dest="eval_task", metavar="TASK")
    esub.required = True
    for task in ("interp", "upscale"):
        q = esub.add_parser(task, parents=[common], help=f"evaluate {'interpolation' if task == 'interp' else 'upscaling'} models")
        q.add_argument("--model", action="append", required=True, metavar="NAME", help="model to evaluate (repeatable)")
        q.add_argument("--base", default=None, help="base model to compare with (default: the model's base)")
        q.add_argument("--data", type=Path, required=True, metavar="DIR", help=f"dataset from `ainimotion dataset {task}`")
        q.add_argument("--split", choices=("val", "train", "all"), default="val", help="which samples (default: held-back)")
        q.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
        if task == "interp":
            q.add_argument("--spacing", choices=("even", "all"), default="even", help="triplets with equal gaps only (default) or all")
        q.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..models.finetuned import read_record
    from ..train.evaluate import evaluate, format_table
    from ..train.loop import BASE_MODELS

    task = args.eval_task
    models: list[str] = []
    base = args.base
    if base is None:
        recs = [read_record(m) for m in args.model]
        base = next((r["base"] for r in recs if r), BASE_MODELS[task])
    for m in [base, *args.model]:
        if m not in models:
            models.append(m)
    extra = {"spacing": args.spacing} if task == "interp" else {}
    rows = evaluate(task, args.data, models, split=args.split, device=args.device, **extra)
    print(format_table(task, rows))
    return 0
