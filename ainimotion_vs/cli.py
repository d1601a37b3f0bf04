"""The ``ainimotion`` command: ``enhance | analyze | weights | presets | preview | doctor | bench``.

Each subcommand lives in ``ainimotion_vs/commands/<name>.py`` and exposes
``register(subparsers)``; it sets ``func`` on its parser to a callable taking the parsed
arguments and returning an exit code. Errors we raise on purpose print as one line
(a traceback with ``--debug``); Ctrl-C exits with 130.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from ._version import __version__
from .errors import AinimotionError

__all__ = ["main", "build_parser"]

_COMMANDS = ("enhance", "preview", "analyze", "presets", "weights", "doctor")

log = logging.getLogger("ainimotion_vs")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand module that is present."""
    parser = argparse.ArgumentParser(prog="ainimotion", description="Anime-safe interpolation and upscaling.")
    parser.add_argument("--version", action="version", version=f"ainimotion {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="only errors")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv for debug logs)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"ainimotion_vs.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ainimotion_vs.commands.{name}":
                continue
            raise
        module.register(sub, common)
    return parser


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose >= 2 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if level == logging.DEBUG else "%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 only on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("ainimotion: interrupted; no output was left behind.", file=sys.stderr)
        return 130
    except AinimotionError as exc:
        if args.debug:
            raise
        print(f"ainimotion {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, MemoryError) as exc:
        if args.debug:
            raise
        print(f"ainimotion {args.command}: error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
