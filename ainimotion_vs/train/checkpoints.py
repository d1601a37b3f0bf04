"""Checkpoints: the training state (exact resume) and the installable model file.

- ``RUN/last.pth``: everything a run needs to continue as if it had never stopped: the
  network, AdamW's moments, the schedule, the AMP scaler, the data sampler's generator
  state, the step, the best validation loss and the settings. On the CPU a resumed run
  gives the same losses as an uninterrupted one (the test checks it).
- ``RUN/best.pth``: the weights at the lowest validation loss, as ``{"params": state dict,
  "ainimotion": {"base", "task", "arch", "step", "val_loss", "data", ...}}``. The
  ``params`` key is the one Real-ESRGAN ``.pth`` files use, so the store loads it as a
  ``pth`` file; the metadata names the base model, so
  ``ainimotion weights install NAME RUN/best.pth`` (:func:`install_checkpoint`) needs
  nothing else.

Every file is written to a temporary name beside its target and renamed when complete.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import SettingsError, UnsupportedFormatError

__all__ = ["CHECKPOINT_FORMAT", "save_state", "load_state", "save_model", "read_model", "is_model_checkpoint", "install_checkpoint"]

log = logging.getLogger("ainimotion_vs")

CHECKPOINT_FORMAT = 1


def _torch_save_atomic(obj: Any, path: Path) -> Path:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _torch_load(path: Path, *, missing: str, unreadable: str) -> object:
    """``torch.load`` of a checkpoint (tensors and plain data only), with one error for a missing
    file and one for an unreadable one (``unreadable`` gets the cause in its ``{}``)."""
    import torch

    if not path.is_file():
        raise UnsupportedFormatError(missing)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file; report it as one error
        head, _, tail = unreadable.rpartition("{}")  # not str.format: a path may hold braces
        raise UnsupportedFormatError(f"{head}{type(exc).__name__}: {exc}{tail}") from exc


def save_state(path: "Path | str", state: dict) -> Path:
    """Write a training state dict (tensors, numbers, strings, nested dicts/lists) atomically."""
    return _torch_save_atomic({"format": CHECKPOINT_FORMAT, **state}, Path(path))


def load_state(path: "Path | str", *, func: str = "train") -> dict:
    """Read a training state written by :func:`save_state`."""
    path = Path(path)
    state = _torch_load(path, missing=f"{func}: no training state at {path}; start without --resume.",
                        unreadable=f"{func}: cannot read {path} ({{}}); start again without --resume.")  # fmt: skip
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise UnsupportedFormatError(f"{func}: {path} is not a training state of format {CHECKPOINT_FORMAT}; start again without --resume.")
    return state


def save_model(path: "Path | str", state_dict: dict, meta: dict) -> Path:
    """Write an installable model checkpoint ``{"params": ..., "ainimotion": meta}`` (fp32, CPU tensors)."""
    from ..models.finetuned import CHECKPOINT_KEY

    params = {k: v.detach().float().cpu().clone() for k, v in state_dict.items()}
    return _torch_save_atomic({"params": params, CHECKPOINT_KEY: {"format": CHECKPOINT_FORMAT, **meta}}, Path(path))


def read_model(path: "Path | str", *, func: str) -> tuple[dict, dict]:
    """``(meta, state dict)`` of a fine-tuned model checkpoint; errors say what the file is instead."""
    from ..models.finetuned import CHECKPOINT_KEY

    path = Path(path)
    obj = _torch_load(path, missing=f"{func}: {path} is not a file; give RUN/best.pth of an `ainimotion train` run.",
                      unreadable=f"{func}: cannot read {path} as a PyTorch checkpoint ({{}}).")  # fmt: skip
    meta = obj.get(CHECKPOINT_KEY) if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or not isinstance(obj.get("params"), dict) or "base" not in meta:
        raise UnsupportedFormatError(
            f"{func}: {path} is not a fine-tuned checkpoint of `ainimotion train` (no {CHECKPOINT_KEY!r} record naming "
            "its base model); for official weight files use `ainimotion weights install MODEL PATH`."
        )
    return meta, obj["params"]


def is_model_checkpoint(path: "Path | str") -> bool:
    """True when ``path`` is a fine-tuned checkpoint (:func:`save_model`)."""
    try:
        read_model(path, func="is_model_checkpoint")
    except UnsupportedFormatError:
        return False
    return True


def install_checkpoint(name: str, path: "Path | str", *, force: bool = False) -> Path:
    """Install a fine-tuned checkpoint as model ``name``; returns the model folder.

    The state dict's keys and shapes are checked against the base model's architecture. A
    shipped model's name is refused; an installed fine-tuned ``name`` is replaced only with
    ``force``.
    """
    from ..cache import cache_dir, file_sha256
    from ..models.finetuned import NAME_PATTERN, RECORD, WEIGHT_FILE, read_record
    from ..models.load import build_network, check_state_dict
    from ..models.spec import MODELS

    func = "install_checkpoint"
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise SettingsError(f"{func}: model name {name!r} must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit).")
    if name in MODELS:
        raise SettingsError(f"{func}: {name!r} is a shipped model; install the fine-tuned weights under a new name, e.g. {name}-tuned.")
    meta, sd = read_model(path, func=func)
    base = MODELS.get(meta["base"])
    if base is None:
        raise UnsupportedFormatError(f"{func}: {path} was tuned from {meta['base']!r}, which this version does not know; known: {', '.join(sorted(MODELS))}.")
    check_state_dict(build_network(base), sd, func=func, what=f"{path} (tuned from {base.name})")
    if read_record(name) is not None and not force:
        raise SettingsError(f"{func}: a fine-tuned model {name!r} is installed already; pass --force (force=True) to replace it.")
    directory = cache_dir("weights", name)
    stray = [p.name for p in directory.iterdir() if p.name not in (RECORD, WEIGHT_FILE) and not p.name.startswith(".")]
    if stray:
        raise SettingsError(f"{func}: {directory} holds other files ({', '.join(stray[:3])}); choose another name.")
    (directory / RECORD).unlink(missing_ok=True)  # the record goes last: without it the name is not a model
    fd, tmp = tempfile.mkstemp(prefix=f".{WEIGHT_FILE}.", suffix=".part", dir=directory)
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, directory / WEIGHT_FILE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    weight = directory / WEIGHT_FILE
    record = {
        "base": base.name,
        "file": WEIGHT_FILE,
        "sha256": file_sha256(weight),
        "size": weight.stat().st_size,
        "source": str(Path(path).resolve()),
        "steps": meta.get("step"),
        "data": meta.get("data"),
        "task": base.task,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{RECORD}.", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, directory / RECORD)
    log.info("installed %s (tuned from %s, step %s) as %s", path, base.name, meta.get("step"), name)
    return directory
