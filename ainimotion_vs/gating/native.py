"""The gate's VapourSynth filter (``ainimotion.Gate`` / ``ainimotion.Analysis``, built from
``_gatevs.c`` by setup.py): loading it and building its nodes.

The filter does what :mod:`.metrics` and :mod:`.detectors` do (those stay the
reference; the tests compare the two), with no Python per frame: at 1080p the Python callback
alone cost about as much CPU as all of the numpy arithmetic. Geometry, sample weights and block
matrices are computed here, in Python, and passed in, so both builds share one definition.

Set ``AINIMOTION_GATE=numpy`` in the environment to run the numpy path instead (for comparison).
"""
from __future__ import annotations

import importlib.machinery
import logging
import os
import threading
from dataclasses import fields
from pathlib import Path

import vapoursynth as vs

from ..errors import SettingsError
from . import metrics as _m

__all__ = ["ENV", "available", "plugin_path", "gate_node", "analysis_node"]

ENV = "AINIMOTION_GATE"
"""Environment variable: ``numpy`` makes gate() use its numpy path even when the filter is built;
``filter`` or unset: the filter when built."""

_lock = threading.Lock()
_stale_warned: set[Path] = set()
log = logging.getLogger("ainimotion_vs")

_GEOMETRY_SETTINGS = ("analysis_width", "block_size")
"""GateSettings fields that shape the geometry and block matrices (computed here), not passed by name."""


def plugin_path() -> Path | None:
    """The built filter library beside this module, or None when it was not built."""
    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_gatevs{suffix}"
        if path.is_file():
            return path
    return None


def available(fmt: vs.VideoFormat | None = None) -> bool:
    """Whether gate() can use the filter (built, not disabled by ``AINIMOTION_GATE=numpy``,
    and able to read ``fmt``: 8-16 bit integer or 32-bit float). Loads it into the current
    core on first use. Raises RuntimeError when the library exists but does not load, and
    SettingsError for an ``AINIMOTION_GATE`` value other than ``numpy`` / ``filter``."""
    choice = os.environ.get(ENV, "").strip().lower()
    if choice == "numpy":
        return False
    if choice not in ("", "filter"):
        raise SettingsError(f"gate: {ENV}={os.environ[ENV]!r} is not understood; use 'numpy' or 'filter' (the default).")
    if fmt is not None and not (
        (fmt.sample_type == vs.INTEGER and fmt.bits_per_sample <= 16)
        or (fmt.sample_type == vs.FLOAT and fmt.bits_per_sample == 32)
    ):
        return False  # half float: the numpy path reads it
    core = vs.core
    if hasattr(core, "ainimotion"):
        return True
    path = plugin_path()
    if path is None:
        return False
    source = path.with_name("_gatevs.c")
    if source.is_file() and source.stat().st_mtime > path.stat().st_mtime:
        _warn_stale(path)
    with _lock:
        if not hasattr(core, "ainimotion"):
            try:
                core.std.LoadPlugin(str(path))
            except vs.Error as exc:
                raise RuntimeError(
                    f"gate: the gate filter {path} does not load ({exc}); reinstall ainimotion_vs, "
                    f"or set {ENV}=numpy to use the numpy path."
                ) from exc
    return True


def _warn_stale(path: Path) -> None:
    if path not in _stale_warned:
        _stale_warned.add(path)
        log.warning(
            "gate: %s is older than _gatevs.c beside it (a checkout edited since the last build, or a "
            "failed rebuild): its results may not match this source; rebuild with `pip install -e . -v`.",
            path,
        )


def _geometry_args(clip: vs.VideoNode, geometry: _m.AnalysisGeometry) -> dict:
    rows, cols = geometry.offsets()
    weights = _m.Decimator(geometry, clip.format).weights
    return {
        "width": geometry.width, "height": geometry.height, "x0": geometry.x0, "y0": geometry.y0,
        "cell": 2 * geometry.step, "rows": list(rows), "cols": list(cols), "weights": [float(w) for w in weights],
    }  # fmt: skip


def analysis_node(clip: vs.VideoNode, geometry: _m.AnalysisGeometry) -> vs.VideoNode:
    """The analysis pictures of ``clip`` (GRAYS, ``geometry.width x height``) made by the filter."""
    return vs.core.ainimotion.Analysis(clip, **_geometry_args(clip, geometry))


def gate_node(clip: vs.VideoNode, geometry: _m.AnalysisGeometry, *, block: float, radius: int, settings) -> vs.VideoNode:
    """``clip`` with the gate's props, by the filter. ``settings`` is a validated GateSettings;
    ``block`` the block side in analysis pixels; ``radius`` the decision window's half size."""
    by, bx = _m.block_matrices(geometry.height, geometry.width, block)
    # every decision setting by name (the two geometry settings are in ``geometry`` and
    # ``block``): a field added to GateSettings but not to the filter is an error, not ignored
    decision = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name not in _GEOMETRY_SETTINGS}
    fine = _m.FineSampler(clip.width, clip.format)
    return vs.core.ainimotion.Gate(
        clip,
        **_geometry_args(clip, geometry),
        fine_step=fine.step,
        fine_cell=fine.cell,
        fine_weights=[1.0] if fine.weights is None else [float(w) for w in fine.weights],
        block_y=[float(v) for v in by.ravel()],
        block_x=[float(v) for v in bx.ravel()],
        radius=radius,
        **decision,
    )
