"""``ainimotion gui [FILES...]``: open the desktop app (needs the ``[gui]`` extra: PySide6)."""
from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``gui`` subcommand."""
    p = sub.add_parser(
        "gui", parents=[common],
        help="desktop app: drop files, pick a preset, preview, render with progress (pip install 'ainimotion_vs[gui]')",
    )
    p.add_argument("files", nargs="*", help="video files or folders to put in the queue")
    p.add_argument("--no-check", action="store_true", help="skip the first-run check (ainimotion doctor, weights)")
    p.set_defaults(func=_run)
    return p


def _run(args: argparse.Namespace) -> int:
    from ..gui import main

    return main(args.files, first_run_check=not args.no_check)
