"""Render a clip: y4m out of VapourSynth into ffmpeg, with the source's other streams.

:func:`render` writes ``clip`` (any size, rate and integer YUV/GRAY format) as y4m into
ffmpeg's stdin from a thread, and has ffmpeg take every audio, subtitle and attachment
stream, the chapters and the metadata from the source file. :func:`render_script` does
the same with ``vspipe -c y4m script.vpy -``. Both:

- write to a temporary name in the destination folder and rename it when complete; on any
  failure, Ctrl-C, SIGTERM or SIGHUP the temporary file is removed and nothing is left
  under the destination name. The source is never overwritten; an existing output needs
  ``overwrite=True``;
- check both exit codes (VapourSynth/vspipe and ffmpeg);
- check the written file with PyAV (frame count, duration, audio within a frame of the
  video) and raise :class:`~ainimotion_vs.errors.EncodeError` on a mismatch.

Modules: :mod:`.plan` (the ffmpeg arguments, pure), :mod:`.output` (paths, temporary
file, checks, rename), :mod:`.pipes` (processes and threads), :mod:`.encode`
(:func:`render`), :mod:`.vspipe` (:func:`render_script`).
"""
from __future__ import annotations

from .encode import render
from .output import RenderResult
from .plan import CONTAINERS, VideoFacts
from .vspipe import render_script

__all__ = ["RenderResult", "VideoFacts", "render", "render_script", "CONTAINERS"]
