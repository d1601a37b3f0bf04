"""What an evaluation script checks before any work: the parts of the ``eval`` extra it uses,
then the footage folder, each failure named with the script and how to fix it; and the reading
of its ``WxH`` size options."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SettingsError
from .extras import require_eval
from .footage import FOOTAGE_ENV, require_shared_data

__all__ = ["prepare_run", "parse_size", "add_run_options"]


def prepare_run(who: str, *parts: str, data: str | Path | None = None, torch_threads: int | None = None) -> Path:
    """The footage folder (``data`` when given, else the usual lookup) once every named ``eval``
    part is installed; with ``torch_threads``, PyTorch's CPU threads set to it (timings in the
    tables name it). Raises :class:`~ainimotion_vs.errors.MissingPluginError` (an ImportError)
    or FileNotFoundError, both prefixed by ``who``; a script prints the message and exits 2."""
    require_eval(*parts, who=who)
    try:
        folder = require_shared_data(data)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{who}: {exc}") from None
    if torch_threads is not None:
        import torch

        torch.set_num_threads(torch_threads)
    return folder


def parse_size(text: str, *, option: str) -> tuple[int, int]:
    """``"WxH"`` (or ``"S"`` for a square) as ``(W, H)`` positive integers; ``option`` (e.g.
    ``"--crop"``) names the option in the error."""
    parts = text.lower().split("x")
    try:
        w, h = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (0, 0)
    except ValueError:
        w = h = 0
    if w <= 0 or h <= 0:
        raise SettingsError(f"{option}: expected WxH in pixels, e.g. 96x72 (or one number for a square); got {text!r}")
    return w, h


def add_run_options(ap: argparse.ArgumentParser, *, threads: int | None = None) -> None:
    """The options every evaluation script reads the same way: ``--data`` (the footage folder,
    for :func:`prepare_run`) and, with a default ``threads``, ``--threads`` (PyTorch CPU threads)."""
    ap.add_argument("--data", type=Path, default=None,
                    help=f"the footage folder (with SOURCES.md and clips/); default ${FOOTAGE_ENV} or ../shared/data")
    if threads is not None:
        ap.add_argument("--threads", type=int, default=threads, help=f"torch CPU threads (default {threads})")
