"""What the ``eval`` extra brings and the check a script runs before it starts.

The evaluation code imports these lazily (importing :mod:`ainimotion_vs.evaluation` needs none of
them); a script calls :func:`require_eval` with the parts it uses, so a missing one is named with
the install command before any work is done, not as a traceback half-way through.
"""
from __future__ import annotations

import importlib.util

from ..errors import MissingPluginError

__all__ = ["EVAL_INSTALL", "EVAL_PARTS", "missing_eval", "require_eval"]

EVAL_INSTALL = "pip install 'ainimotion_vs[eval]'"
"""The command that installs every part below."""

# part -> ("python", module) or ("vs", plugin namespace); the names are the pyproject `eval` extra's.
EVAL_PARTS: dict[str, tuple[str, str]] = {
    "pillow": ("python", "PIL"),
    "opencv": ("python", "cv2"),
    "scenedetect": ("python", "scenedetect"),
    "matplotlib": ("python", "matplotlib"),
    "mvtools": ("vs", "mv"),
    "scxvid": ("vs", "scxvid"),
    "akarin": ("vs", "akarin"),
}
"""The parts of the ``eval`` extra by name: a Python module or a VapourSynth plugin namespace."""


def _present(kind: str, name: str) -> bool:
    if kind == "python":
        return importlib.util.find_spec(name) is not None
    import vapoursynth as vs

    return hasattr(vs.core, name)


def missing_eval(*parts: str) -> list[str]:
    """The named parts (keys of :data:`EVAL_PARTS`) that are not installed, in the order given."""
    unknown = [p for p in parts if p not in EVAL_PARTS]
    if unknown:
        raise ValueError(f"missing_eval: unknown part(s) {unknown}; choose from {sorted(EVAL_PARTS)}")
    return [p for p in parts if not _present(*EVAL_PARTS[p])]


def require_eval(*parts: str, who: str) -> None:
    """Raise :class:`MissingPluginError` naming every missing part and the ``eval`` extra;
    ``who`` (a script or function name) prefixes the message."""
    missing = missing_eval(*parts)
    if missing:
        raise MissingPluginError(
            f"{who}: needs {', '.join(missing)} from the 'eval' extra, which is not installed here; "
            f"run: {EVAL_INSTALL}"
        )
