"""The ``ainimotion`` command: ``enhance | analyze | weights | presets | preview | doctor | gui``.

Each subcommand lives in ``ainimotion_vs/commands/<name>.py`` and exposes
``register(subparsers)``; it sets ``func`` on its parser to a callable taking the parsed
arguments and returning an exit code. Errors we raise on purpose print as one line
(a traceback with ``--debug``); Ctrl-C exits with 130, SIGTERM/SIGHUP with 143/129,
after the same clean-up.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from ._version import __version__
from .errors import AinimotionError
from .ffmpeg import VERBOSE

__all__ = ["main", "build_parser"]

_COMMANDS = ("enhance", "preview", "analyze", "presets", "weights", "doctor", "gui", "dataset", "train", "evaluate")

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


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, so a handler never
    holds a stream that was replaced and closed (pytest's capture, a GUI's redirect)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the property decides
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so that every clean-up step of Ctrl-C runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_as_interrupts():
    """SIGTERM (``kill``, ``timeout``) and SIGHUP (terminal closed) unwind like Ctrl-C while the
    command runs; the previous handlers come back afterwards. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # a signal already ignored stays ignored: `nohup ainimotion ...` must survive the terminal closing
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n) and signal.getsignal(getattr(signal, n)) is not signal.SIG_IGN]
    previous = {n: signal.signal(getattr(signal, n), _raise_terminated) for n in names}
    try:
        yield
    finally:
        for n, handler in previous.items():
            signal.signal(getattr(signal, n), handler)


@contextlib.contextmanager
def _logging(args: argparse.Namespace):
    """The package logger on stderr at the level ``-q``/``-v``/``-vv`` ask for, for this call only."""
    if args.quiet:
        level = logging.ERROR
    else:
        level = (logging.INFO, VERBOSE, logging.DEBUG)[min(args.verbose, 2)]
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if level == logging.DEBUG else "%(message)s"))
    saved = (log.handlers[:], log.level, log.propagate)
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    try:
        yield
    finally:
        log.handlers[:], level_, log.propagate = saved
        log.setLevel(level_)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 only on success; 130 for Ctrl-C,
    128 + the signal number for SIGTERM/SIGHUP, after the same clean-up)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with _logging(args), _signals_as_interrupts():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(f"ainimotion: stopped by {name}; no output was left behind.", file=sys.stderr)
        return 128 + exc.signum
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
