"""ONNX export of the networks, with dynamic height/width, cached by content.

:func:`export_onnx` exports ``load_network(spec)`` once and keeps the file in
``cache_dir("onnx")`` under a name that contains a hash of everything that changes its
bytes: the weight files' sha256, the model's source code, torch/onnx versions, exporter,
precision and opset. Files are written atomically.

The file has one input ``"input"`` ``(1, C_in, H, W)`` and one output ``"output"``
``(1, 3, H*scale, W*scale)``, both float32, H and W dynamic (multiples of the model's
size multiple), values unclamped (the runtimes clamp). This is what vs-mlrt's ``ort``,
``ov`` and ``trt`` plugins take.

Precision: the runtimes get the fp32 file and convert it themselves (vs-mlrt's
``fp16=True`` for ort/ov, ``trtexec --fp16`` for TensorRT), which keeps fp32 I/O and
lets each runtime keep sensitive ops in fp32. ``fp16=True`` here exports fp16 weights
and compute with fp32 I/O, for runtimes that want a ready fp16 file.

Every export is checked before it is kept: the ONNX model is run by ONNX Runtime (the
vs-mlrt ``ort`` plugin) at two sizes other than the example size and compared with
PyTorch, because a model can export "dynamic" and still bake the example size into a
constant (``torch.linspace`` over the width does this). The dynamo exporter is tried
first, then the legacy TorchScript exporter.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..cache import atomic_write, cache_dir
from ..errors import BackendError, SettingsError

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ..models.spec import ModelSpec

__all__ = [
    "DEFAULT_OPSET",
    "EXPORT_FORMAT_VERSION",
    "export_onnx",
    "cached_onnx",
    "export_module",
    "onnx_cache_key",
    "weights_sha256",
    "check_onnx",
]

log = logging.getLogger("ainimotion_vs")

DEFAULT_OPSET = 18
"""ONNX opset of our exports (the dynamo exporter's native opset; vs-mlrt's runtimes take it)."""

EXPORT_FORMAT_VERSION = 1
"""Bumped when this module changes what it writes (part of the cache key)."""

_EXPORTERS = ("dynamo", "legacy")
# What a failed export or check can raise (torch.export's UserError and the ONNX
# exporters' errors derive from these); anything else is a bug and propagates.
_EXPORT_ERRORS = (BackendError, RuntimeError, ValueError, TypeError, NotImplementedError, AttributeError, KeyError)


def _module_source_hash(module: "torch.nn.Module") -> str:
    """sha256 of the source file defining ``module``'s class (architecture changes re-export)."""
    try:
        src = inspect.getsource(sys.modules[type(module).__module__])
    except (OSError, TypeError, KeyError):
        src = type(module).__qualname__
    return hashlib.sha256(src.encode()).hexdigest()


def weights_sha256(module: "torch.nn.Module") -> str:
    """sha256 over the module's state dict (names, dtypes, shapes, bytes): the weights
    actually loaded, whichever file set (pth, ncnn, user file) they came from."""
    import torch

    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def onnx_cache_key(spec: "ModelSpec", module: "torch.nn.Module", *, fp16: bool, opset: int) -> str:
    """The content hash naming the cached export of ``spec``'s loaded ``module`` (hex sha256)."""
    import onnx
    import torch

    parts = {
        "format": EXPORT_FORMAT_VERSION,
        "name": spec.name,
        "arch": spec.arch,
        "weights": weights_sha256(module),
        "scale": spec.scale,
        "in_channels": spec.in_channels,
        "size_multiple": spec.size_multiple,
        "source": _module_source_hash(module),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "fp16": fp16,
        "opset": opset,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class _IOWrapper:
    """Builds the module actually exported: fixed input/output names and fp32 I/O."""

    @staticmethod
    def wrap(net: "torch.nn.Module", fp16: bool) -> "torch.nn.Module":
        import torch

        class ExportIO(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module, half: bool) -> None:
                super().__init__()
                self.inner = inner
                self.half_ = half

            def forward(self, input: torch.Tensor) -> torch.Tensor:  # noqa: A002 - the ONNX input name
                if self.half_:
                    return self.inner(input.half()).float()
                return self.inner(input)

        inner = net.half() if fp16 else net.float()
        return ExportIO(inner, fp16).eval()


def _example_sizes(size_multiple: int) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """(export example (w, h), check sizes (w, h)): all different, all multiples."""
    base = size_multiple * max(1, -(-16 // size_multiple))
    return (4 * base, 3 * base), [(3 * base, 2 * base), (2 * base, 5 * base)]


def _export_dynamo(model: "torch.nn.Module", example: "torch.Tensor", path: Path, *, size_multiple: int, opset: int) -> None:
    import torch
    from torch.export import Dim

    m = size_multiple
    hb = Dim("height_blocks", min=1, max=16384 // m)
    wb = Dim("width_blocks", min=1, max=16384 // m)
    dyn = ({2: hb * m if m > 1 else hb, 3: wb * m if m > 1 else wb},)
    program = torch.onnx.export(
        model, (example,), None, dynamo=True, dynamic_shapes=dyn, input_names=["input"], output_names=["output"],
        opset_version=opset, external_data=False, verbose=False, optimize=True,
    )
    if program is None:  # pragma: no cover - dynamo=True always returns a program
        raise BackendError("export: torch.onnx.export(dynamo=True) returned no program")
    program.save(str(path), external_data=False)


def _export_legacy(model: "torch.nn.Module", example: "torch.Tensor", path: Path, *, size_multiple: int, opset: int) -> None:
    import warnings

    import torch

    with warnings.catch_warnings():
        # chosen on purpose, only after the dynamo exporter failed its check
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model, (example,), str(path), dynamo=False, input_names=["input"], output_names=["output"],
            dynamic_axes={"input": {2: "height", 3: "width"}, "output": {2: "out_height", 3: "out_width"}},
            opset_version=opset, do_constant_folding=True, verbose=False,
        )


def check_onnx(
    path: "str | Path",
    module: "torch.nn.Module",
    *,
    in_channels: int,
    sizes: list[tuple[int, int]],
    fp16: bool = False,
    seed: int = 0,
) -> float:
    """Run the ONNX file with ONNX Runtime (vs-mlrt ``ort``) and ``module`` with PyTorch on
    smooth random inputs of each ``(w, h)`` in ``sizes``; returns the worst relative L2
    error. Raises :class:`BackendError` when a size fails or the error is above 1e-3
    (fp32) / 2e-2 (fp16)."""
    import torch
    import vapoursynth as vs

    from .._vs import plugin
    from ._frames import clip_to_array, clips_from_array

    ort = plugin("ort", func="export")
    rng = np.random.default_rng(seed)
    worst = 0.0
    # A broken export (a size baked into a constant, a wrong layout) is off by 1e-1 or more.
    # fp32 differs only in summation order: 2 * layers * sqrt(fan-in) * 2^-24 = 4e-4 for the
    # deepest model here (RIFE: 59 layers, fan-in 3072). fp16 rounds weights and values:
    # measured 3e-3 (RIFE, ort fp16).
    limit = 2e-2 if fp16 else 1e-3
    for w, h in sizes:
        # smooth content (upsampled noise), like images rather than white noise
        small = rng.random((in_channels, max(h // 8, 1), max(w // 8, 1)), dtype=np.float32)
        x = torch.nn.functional.interpolate(torch.from_numpy(small)[None], size=(h, w), mode="bilinear").clamp(0, 1)
        with torch.inference_mode():
            ref = module(x.float())[0].float().numpy()
        clips = clips_from_array(x[0].numpy())
        try:
            got = clip_to_array(ort.Model(clips, network_path=str(path), provider="", fp16=False, verbosity=1))
        except vs.Error as exc:
            raise BackendError(f"export: ONNX Runtime could not run the export at {w}x{h}: {exc}") from exc
        if got.shape != ref.shape:
            raise BackendError(f"export: ONNX output at {w}x{h} has shape {got.shape}; PyTorch gives {ref.shape}")
        err = float(np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-12))
        worst = max(worst, err)
        if not err <= limit:
            raise BackendError(f"export: ONNX output at {w}x{h} differs from PyTorch (relative L2 {err:.2e} > {limit:.0e})")
    return worst


def export_module(
    module: "torch.nn.Module",
    path: "str | Path",
    *,
    in_channels: int,
    size_multiple: int,
    fp16: bool = False,
    opset: int = DEFAULT_OPSET,
    exporter: str = "auto",
) -> str:
    """Export ``module`` (input ``(1, in_channels, H, W)``) to ``path`` atomically with dynamic
    H/W and check it at two other sizes; returns the exporter used (``"dynamo"``/``"legacy"``).

    ``exporter="auto"`` tries dynamo, then legacy when dynamo fails or gives wrong
    results at other sizes.
    """
    import torch

    if exporter not in ("auto", *_EXPORTERS):
        raise SettingsError(f"export_module: exporter must be 'auto', 'dynamo' or 'legacy'; got {exporter!r}")
    if in_channels < 1 or size_multiple < 1:
        raise SettingsError("export_module: in_channels and size_multiple must be at least 1")
    model = _IOWrapper.wrap(module.eval().cpu(), fp16)
    example_wh, check_sizes = _example_sizes(size_multiple)
    example = torch.rand(1, in_channels, example_wh[1], example_wh[0])
    # for the check, the reference is the fp32 network; an fp16 file is held to the fp16 limit
    reference = _IOWrapper.wrap(_clone_float(module), False) if fp16 else model
    order = _EXPORTERS if exporter == "auto" else (exporter,)
    failures = []
    for name in order:
        try:
            with atomic_write(path) as tmp:
                with contextlib.redirect_stdout(sys.stderr):
                    (_export_dynamo if name == "dynamo" else _export_legacy)(
                        model, example, tmp, size_multiple=size_multiple, opset=opset
                    )
                err = check_onnx(tmp, reference, in_channels=in_channels, sizes=check_sizes, fp16=fp16)
        except _EXPORT_ERRORS as exc:
            # the exporters raise a variety of errors; record them and try the next one
            first_line = (str(exc).strip().splitlines() or [""])[0]
            failures.append(f"{name}: {exc.__class__.__name__}: {first_line}")
            log.info("export: %s exporter failed: %s", name, failures[-1])
            continue
        log.info("export: %s exporter, checked at %s (relative L2 %.1e)", name, check_sizes, err)
        return name
    raise BackendError("export: every ONNX exporter failed: " + "; ".join(failures))


def _clone_float(module: "torch.nn.Module") -> "torch.nn.Module":
    import copy

    return copy.deepcopy(module).float().eval()


def _onnx_path(spec: "ModelSpec", net: "torch.nn.Module", *, fp16: bool, opset: int) -> Path:
    key = onnx_cache_key(spec, net, fp16=fp16, opset=opset)
    return cache_dir("onnx", create=False) / f"{spec.name}-{'fp16' if fp16 else 'fp32'}-op{opset}-{key[:16]}.onnx"


def cached_onnx(spec: "ModelSpec | str", *, fp16: bool = False, opset: int = DEFAULT_OPSET) -> Path | None:
    """The export :func:`export_onnx` would return, if it is cached already; ``None`` otherwise
    (loads the network to compute the key, never exports)."""
    import torch

    from ..models import load_network
    from ..models.spec import get_spec

    spec = get_spec(spec)
    path = _onnx_path(spec, load_network(spec, device="cpu", dtype=torch.float32), fp16=fp16, opset=opset)
    return path if path.is_file() and path.stat().st_size > 0 else None


def export_onnx(spec: "ModelSpec | str", *, fp16: bool = False, opset: int = DEFAULT_OPSET) -> Path:
    """Path to the ONNX export of ``spec``'s network, exporting it on first use.

    The file lives in ``cache_dir("onnx")`` named ``<model>-<fp32|fp16>-op<opset>-<hash>.onnx``
    where the hash covers weights, model source, versions, precision and opset.
    """
    import torch

    from ..models import load_network
    from ..models.spec import get_spec

    spec = get_spec(spec)
    if not isinstance(opset, int) or opset < 17:
        raise SettingsError(f"export_onnx: opset must be an int >= 17; got {opset!r}")
    net = load_network(spec, device="cpu", dtype=torch.float32)
    path = _onnx_path(spec, net, fp16=fp16, opset=opset)
    if path.is_file() and path.stat().st_size > 0:
        return path
    log.info("export: exporting %s to ONNX (%s, opset %d); done once, cached in %s", spec.name, "fp16" if fp16 else "fp32", opset, path.parent)
    export_module(net, path, in_channels=spec.in_channels, size_multiple=spec.size_multiple, fp16=fp16, opset=opset)
    return path
