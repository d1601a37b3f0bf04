"""Where the development footage is: the one lookup used by the tests, the scripts and the
evaluation commands.

A footage folder is a folder holding ``SOURCES.md`` (the provenance of every file) next to
``clips/``, ``stills/``, ``triplets/`` ... It is found, in this order, at an explicit path, at
``$AINIMOTION_SHARED_DATA``, or at ``shared/data`` beside the checkout (``../shared/data``) or one
level further up. Media is never committed, so a fresh clone has none: callers skip or say how to
get it.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import SettingsError

__all__ = ["FOOTAGE_ENV", "find_shared_data", "require_shared_data", "spread_stills"]

FOOTAGE_ENV = "AINIMOTION_SHARED_DATA"
"""Environment variable naming the footage folder."""

_CHECKOUT = Path(__file__).resolve().parents[2]


def _is_footage(folder: Path) -> bool:
    return (folder / "SOURCES.md").is_file()


def find_shared_data(explicit: str | Path | None = None) -> Path | None:
    """The footage folder, or None when there is none.

    ``explicit`` (e.g. a script's ``--data``) is the only place looked at when given, and must be
    a footage folder: a wrong path raises instead of silently using another folder."""
    if explicit is not None:
        folder = Path(explicit)
        if not _is_footage(folder):
            raise FileNotFoundError(f"find_shared_data: {folder} is not a footage folder (no SOURCES.md in it); "
                                    f"pass the folder that holds SOURCES.md and clips/.")
        return folder
    env = os.environ.get(FOOTAGE_ENV)
    candidates = [Path(env)] if env else []
    candidates += [_CHECKOUT.parent / "shared" / "data", _CHECKOUT.parent.parent / "shared" / "data"]
    return next((c for c in candidates if _is_footage(c)), None)


def require_shared_data(explicit: str | Path | None = None) -> Path:
    """:func:`find_shared_data`, raising FileNotFoundError with how to point at the folder when
    there is none."""
    folder = find_shared_data(explicit)
    if folder is None:
        raise FileNotFoundError(f"require_shared_data: no footage folder found (looked at ${FOOTAGE_ENV} and "
                                f"{_CHECKOUT.parent / 'shared' / 'data'}); set {FOOTAGE_ENV}=/path/to/shared/data "
                                f"or pass --data.")
    return folder


def spread_stills(data: Path, count: int) -> list[Path]:
    """``count`` stills of the footage's ``stills/`` (every one for 0), evenly spread over the
    sorted names so that a small run still sees several sources."""
    if count < 0:
        raise SettingsError(f"spread_stills: count must be 0 (all) or more; got {count}")
    stills = sorted((data / "stills").glob("*.*"))
    if count == 0:
        return stills
    step = max(1, len(stills) // count)
    return stills[::step][:count]
