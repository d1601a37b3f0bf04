"""Fine-tuned models installed under a user's name: the record that makes a name a model.

``ainimotion weights install NAME RUN/best.pth`` (:func:`ainimotion_vs.train.checkpoints.install_checkpoint`)
copies the checkpoint to ``<cache>/weights/NAME/finetuned.pth`` and writes ``finetuned.json``
beside it (last, so its presence means the install finished): the base model the checkpoint was
tuned from, the file name, its sha256 and size. :func:`~ainimotion_vs.models.spec.get_spec`
reads it for names not in the shipped table and derives the model's spec from the base's
(architecture, task, scale, size multiple), so every backend, the ONNX export (keyed by the
weights' content) and the CLI's ``--interp-model``/``--upscale-model`` take the name.

A leaf module (json, the cache dir), so the spec table can use it without an import cycle.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..cache import cache_dir
from ..errors import UnsupportedFormatError

__all__ = ["RECORD", "WEIGHT_FILE", "CHECKPOINT_KEY", "NAME_PATTERN", "record_path", "read_record", "finetuned_names"]

RECORD = "finetuned.json"
WEIGHT_FILE = "finetuned.pth"
CHECKPOINT_KEY = "ainimotion"
"""Key of the metadata dict in a fine-tuned checkpoint (beside ``params``, the state dict)."""
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""A model name is a folder name on every OS: letters, digits, ``.``, ``_``, ``-``."""


def record_path(name: str) -> Path:
    """Where the record of fine-tuned model ``name`` lives (whether or not it exists)."""
    return cache_dir("weights", name, create=False) / RECORD


def read_record(name: str) -> dict | None:
    """The install record of fine-tuned model ``name``, or None when there is none."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return None
    path = record_path(name)
    if not path.is_file():
        return None
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UnsupportedFormatError(f"get_spec: {path} is unreadable ({exc}); install the model again.") from None
    if not isinstance(rec, dict) or not {"base", "file", "sha256"} <= set(rec):
        raise UnsupportedFormatError(f"get_spec: {path} lacks base/file/sha256; install the model again.")
    return rec


def finetuned_names() -> list[str]:
    """Names of the installed fine-tuned models, sorted."""
    root = cache_dir("weights", create=False)
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{RECORD}") if NAME_PATTERN.match(p.parent.name))
