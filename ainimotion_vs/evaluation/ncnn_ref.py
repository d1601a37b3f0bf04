"""The ncnn reference runtime's model files: the runtime the published Real-ESRGAN numbers were
made with (realesrgan-ncnn-vulkan, Video2X), which the evaluation compares our backends to."""
from __future__ import annotations

from pathlib import Path

__all__ = ["ncnn_files"]


def ncnn_files(name: str, *, group: str | None = None) -> tuple[Path, Path] | None:
    """``(param, bin)`` of model ``name``'s installed ncnn file set, or None when the installed
    set :func:`~ainimotion_vs.weights.installed_files` finds (only ``group`` when given) is not
    an ncnn one. Installs nothing: call ``ensure_weights`` first."""
    from ..models.spec import get_spec
    from ..weights import installed_files

    found = installed_files(name, group=group)
    if found is None or found[0] != "ncnn":
        return None
    files = {wf.format: found[1][wf.name] for wf in get_spec(name).files_of("ncnn")}
    return files["ncnn-param"], files["ncnn-bin"]
