"""The vs-mlrt backends: ONNX Runtime (``core.ort``), OpenVINO (``core.ov``) and TensorRT
(``core.trt``), all fed the same ONNX export (see :mod:`.export`).

The graph built per :func:`mlrt_infer` call: pad the clips (edge replicate) to the
model's size multiple -> ``<plugin>.Model`` (optionally tiled by the plugin, which
discards ``overlap`` pixels of every tile edge) -> crop -> clamp with ``std.Expr`` ->
copy the frame props of ``clips[0]`` -> a ``ModifyFrame`` that counts frames actually
produced. Plugins are looked up when called (:func:`ainimotion_vs._vs.plugin`); a missing
one raises :class:`~ainimotion_vs.errors.MissingPluginError` with the install command.

TensorRT engines are built by ``trtexec`` (shipped with ``vapoursynth-mlrt-trt``) for one
static input shape and cached by content in ``cache_dir("trt")``: ONNX file hash, shape,
precision, TensorRT version and GPU name.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._vs import PLUGINS, plugin
from .._vs import text as _text
from ..cache import atomic_write, cache_dir, file_sha256
from ..errors import BackendError, MissingPluginError, SettingsError
from ._tiles import pad_amount, round_up

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

    from ..models.spec import ModelSpec
    from .settings import InferenceStats, OrtBackend, OvBackend, TrtBackend

__all__ = ["pad_clip", "mlrt_infer", "trt_engine", "find_trtexec"]

log = logging.getLogger("ainimotion_vs")

def pad_clip(clip: "vs.VideoNode", right: int, bottom: int) -> "vs.VideoNode":
    """Extend ``clip`` by ``right`` columns and ``bottom`` rows repeating its edge pixels
    (what ``torch.nn.functional.pad(mode="replicate")`` does)."""
    import vapoursynth as vs

    core = vs.core
    if right:
        edge = core.std.Crop(clip, left=clip.width - 1)
        clip = core.std.StackHorizontal([clip, core.resize.Point(edge, width=right, height=clip.height)])
    if bottom:
        edge = core.std.Crop(clip, top=clip.height - 1)
        clip = core.std.StackVertical([clip, core.resize.Point(edge, width=clip.width, height=bottom)])
    return clip


def _tiling(
    tile: tuple[int, int] | None, overlap: int, padded: tuple[int, int], multiple: int, scale: int
) -> dict[str, list[int]]:
    """vs-mlrt ``tilesize``/``overlap`` arguments (empty: one tile per frame).

    vs-mlrt steps tiles by ``tilesize - 2 * overlap`` input pixels but discards only
    ``overlap`` *output* pixels at each inner tile edge, so for a x``scale`` model it is
    given ``overlap * scale`` to keep ``overlap`` input pixels of context.
    """
    if tile is None:
        return {}
    tw = min(round_up(tile[0], multiple), padded[0])
    th = min(round_up(tile[1], multiple), padded[1])
    if (tw, th) == padded:
        return {}
    ox = overlap * scale if tw < padded[0] else 0
    oy = overlap * scale if th < padded[1] else 0
    if (ox and tw <= 2 * ox) or (oy and th <= 2 * oy):
        raise SettingsError(
            f"infer: tile {tw}x{th} is too small for overlap {overlap} on a x{scale} model with vs-mlrt "
            f"(it needs tiles larger than 2 * overlap * scale = {2 * overlap * scale}); use larger tiles or a smaller overlap"
        )
    return {"tilesize": [tw, th], "overlap": [ox, oy]}


def _ov_config(backend: "OvBackend") -> dict[str, str]:
    # OpenVINO on CPUs with AVX512_BF16/AMX silently computes in bf16 unless told; an
    # fp32 backend means fp32 (bf16 is an explicit option).
    cfg = {"PERFORMANCE_HINT": backend.performance_hint}
    if backend.bf16:
        cfg["INFERENCE_PRECISION_HINT"] = "bf16"
    elif not backend.fp16:
        cfg["INFERENCE_PRECISION_HINT"] = "f32"
    if backend.num_streams != 1 or backend.performance_hint == "THROUGHPUT":
        cfg["NUM_STREAMS"] = str(backend.num_streams)
    return cfg


def mlrt_infer(
    clips: "Sequence[vs.VideoNode]",
    spec: "ModelSpec",
    backend: "OrtBackend | OvBackend | TrtBackend",
    *,
    tile: tuple[int, int] | None,
    overlap: int,
    stats: "InferenceStats | None",
    network_path: "str | os.PathLike[str] | None" = None,
) -> "vs.VideoNode":
    """Build the vs-mlrt graph for validated ``clips`` (see :func:`ainimotion_vs.backends.infer`).

    ``network_path`` replaces ``export_onnx(spec)`` (tests use exports of small networks).
    """
    import vapoursynth as vs

    ns = plugin(backend.name, func="infer")
    if backend.name == "ort" and backend.device not in ("cpu", "cuda"):
        raise SettingsError(f"infer: OrtBackend device must be 'cpu' or 'cuda'; got {backend.device!r}")
    if network_path is None:
        from .export import export_onnx

        network_path = export_onnx(spec)
    path = str(network_path)
    if not os.path.isfile(path):
        raise BackendError(f"infer: ONNX file {path} does not exist")
    core = vs.core
    first = clips[0]
    m, s = spec.size_multiple, spec.scale
    pw, ph = pad_amount(first.width, m), pad_amount(first.height, m)
    padded_size = (first.width + pw, first.height + ph)
    padded = [pad_clip(c, pw, ph) for c in clips]
    tiling = _tiling(tile, overlap, padded_size, m, s)

    try:
        if backend.name == "ort":
            out = ns.Model(
                padded, network_path=path, provider="" if backend.device == "cpu" else "CUDA",
                device_id=backend.device_id, num_streams=backend.num_streams, fp16=backend.fp16, verbosity=1, **tiling,
            )
        elif backend.name == "ov":
            config = _ov_config(backend)
            out = ns.Model(padded, network_path=path, device=backend.device, fp16=backend.fp16, config=lambda: config, **tiling)
        elif backend.name == "trt":
            shape = tuple(tiling["tilesize"]) if tiling else padded_size
            engine = trt_engine(
                path, in_channels=spec.in_channels, shape=shape, fp16=backend.fp16,
                device_id=backend.device_id, workspace_mib=backend.workspace_mib,
            )
            out = ns.Model(
                padded, engine_path=str(engine), device_id=backend.device_id, num_streams=backend.num_streams,
                use_cuda_graph=backend.use_cuda_graph, verbosity=1, **tiling,
            )
        else:  # pragma: no cover - resolve() only makes the three above
            raise SettingsError(f"infer: {backend.name!r} is not a vs-mlrt backend")
    except vs.Error as exc:
        raise BackendError(f"infer: core.{backend.name}.Model could not load {spec.name} ({path}): {exc}") from exc

    if (out.width, out.height) != (padded_size[0] * s, padded_size[1] * s):
        raise BackendError(
            f"infer: {spec.name} on {backend.name} gives {out.width}x{out.height} frames for "
            f"{padded_size[0]}x{padded_size[1]} input; spec.scale is {s}"
        )
    if pw or ph:
        out = core.std.Crop(out, right=pw * s, bottom=ph * s)
    out = core.std.Expr(out, "x 0 max 1 min")
    out = core.std.CopyFrameProps(out, first)
    if stats is not None:
        counter = stats

        def _count(n: int, f: "vs.VideoFrame") -> "vs.VideoFrame":
            counter.add()
            return f

        out = core.std.ModifyFrame(out, out, _count)
    return out


# -- TensorRT engines ---------------------------------------------------------------

def find_trtexec(plugin_path: str) -> Path:
    """``trtexec`` beside the trt plugin (vs-mlrt wheels ship it) or on ``PATH``."""
    plugin_dir = Path(plugin_path).parent
    for cand in (
        plugin_dir / "trtexec",
        plugin_dir / "vsmlrt-cuda" / "trtexec",
        plugin_dir.parent / "vsmlrt-cuda" / "trtexec",
    ):
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    found = shutil.which("trtexec")
    if found:
        return Path(found)
    raise MissingPluginError(
        f"infer: trtexec (the TensorRT engine builder) was not found beside {plugin_dir} or on PATH; "
        f"reinstall it with: {PLUGINS['trt'].install}"
    )



def trt_engine(
    onnx_path: "str | os.PathLike[str]",
    *,
    in_channels: int,
    shape: tuple[int, int],
    fp16: bool,
    device_id: int = 0,
    workspace_mib: int | None = None,
) -> Path:
    """A TensorRT engine for ``onnx_path`` at input ``shape`` (w, h), built once with
    ``trtexec`` and cached by content (ONNX hash, shape, precision, TensorRT version, GPU)."""
    ns = plugin("trt", func="infer")
    version = ns.Version()
    trt_version = _text(version.get("tensorrt_version", "unknown"))
    try:
        gpu = _text(ns.DeviceProperties(device_id)["name"])
    except (AttributeError, KeyError):
        gpu = f"device{device_id}"
    onnx_hash = file_sha256(onnx_path)
    w, h = shape
    key_parts = {"onnx": onnx_hash, "shape": [in_channels, h, w], "fp16": fp16, "trt": trt_version, "gpu": gpu}
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True).encode()).hexdigest()
    engine = cache_dir("trt") / f"{Path(onnx_path).stem}-{w}x{h}-{'fp16' if fp16 else 'fp32'}-{key[:16]}.engine"
    if engine.is_file() and engine.stat().st_size > 0:
        return engine
    trtexec = find_trtexec(_text(version["path"]))
    log.info("trt: building a %dx%d %s engine for %s on %s (once; minutes)", w, h, "fp16" if fp16 else "fp32", Path(onnx_path).name, gpu)
    with atomic_write(engine) as tmp:
        args = [
            str(trtexec), f"--onnx={onnx_path}", f"--saveEngine={tmp}", f"--shapes=input:1x{in_channels}x{h}x{w}",
            f"--device={device_id}", "--skipInference", f"--timingCacheFile={cache_dir('trt') / 'timing.cache'}",
        ]
        if fp16:
            args.append("--fp16")
        if workspace_mib is not None:
            args.append(f"--memPoolSize=workspace:{int(workspace_mib)}M")
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        text = proc.stdout.decode(errors="replace")
        log.debug("trtexec output:\n%s", text)
        if proc.returncode != 0:
            tail = "\n".join(text.splitlines()[-15:])
            raise BackendError(f"infer: trtexec failed (exit {proc.returncode}) building {engine.name}:\n{tail}")
    return engine
