"""Reusable evaluation for the scripts, the tests and the training evaluation: the one PSNR and
SSIM, the hand-label files, the footage folder lookup, frames as arrays, the naive chain and the
definition of a frame that mixes two shots, the classical alternatives, timing, table printing.

Modules: :mod:`.metrics` · :mod:`.labels` · :mod:`.footage` · :mod:`.frames` · :mod:`.chains` · :mod:`.chain_bench` ·
:mod:`.alternatives` · :mod:`.measure` · :mod:`.quality` (parts of ``scripts/bench.py``) ·
:mod:`.tables` · :mod:`.extras` (the ``eval`` extra check) · :mod:`.startup` (a script's checks
before work) · :mod:`.detectors` (baseline cut/hold detectors) · :mod:`.triplets` (interpolation
triplets) · :mod:`.cut_check` (mixed shots at real cuts) · :mod:`.stability` (holds) ·
:mod:`.colour` (level shift) · :mod:`.degrade` (resize, JPEG/H.264 round trips) ·
:mod:`.ncnn_ref` (the ncnn reference files).

Parts that read images at other sizes or run comparison filters need the ``eval`` extra
(``pip install 'ainimotion_vs[eval]'``: pillow, opencv, scenedetect, mvtools, scxvid); they import
it lazily and raise :class:`~ainimotion_vs.errors.MissingPluginError` naming it. Importing this
package needs none of them.
"""
from __future__ import annotations

from .extras import EVAL_INSTALL, missing_eval, require_eval
from .footage import find_shared_data, require_shared_data
from .labels import LABELS_DIR, ClipLabels, Score, format_ranges, load_label_dir, load_labels, score_cuts, score_holds
from .metrics import luma, psnr, ssim
from .tables import fmt, markdown_table

__all__ = [
    "psnr",
    "ssim",
    "luma",
    "LABELS_DIR",
    "ClipLabels",
    "Score",
    "load_labels",
    "load_label_dir",
    "score_cuts",
    "score_holds",
    "format_ranges",
    "find_shared_data",
    "require_shared_data",
    "EVAL_INSTALL",
    "missing_eval",
    "require_eval",
    "fmt",
    "markdown_table",
]
