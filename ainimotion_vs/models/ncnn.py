"""Read ncnn ``.param``/``.bin`` models and convert them into our PyTorch state dicts;
run the ncnn runtime itself as the reference.

Format (ncnn's documented param/bin layout):

- ``.param`` (text): magic ``7767517``; ``layer_count blob_count``; then one line per
  layer: ``type name n_bottom n_top bottoms... tops... k=v...``. A key ``-233xx``
  holds an array (``-23310=1,2.0e-01`` is param 10 = [0.2], the first number a count).
- ``.bin``: the weights of the layers, in layer order, no header. A "tagged" blob starts
  with a 4-byte flag: ``0x01306B47`` fp16 (padded to 4 bytes), ``0`` fp32,
  ``0x000D4B38`` int8 (refused), other non-zero flags a 256-entry fp32 table + uint8
  indices. Biases and PReLU slopes are untagged fp32.

Supported layers: Convolution (weights), PReLU (slopes) and the weightless layers the
Real-ESRGAN exports use. The converters check the layer pattern and hyperparameters and
raise :class:`~ainimotion_vs.errors.UnsupportedFormatError` naming what does not fit.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import MissingPluginError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "NcnnLayer",
    "read_param",
    "read_model",
    "srvgg_state_dict",
    "rrdb_state_dict",
    "convert",
    "run_ncnn",
]

_MAGIC = 7767517
_TAG_FP16 = 0x01306B47
_TAG_INT8 = 0x000D4B38
_TAG_FP32_ALT = 0x0002C056
_WEIGHTLESS = frozenset(
    {"Input", "Split", "Concat", "BinaryOp", "Eltwise", "Interp", "PixelShuffle", "ReLU", "Sigmoid", "Crop", "Padding", "Noop"}
)


@dataclass(frozen=True)
class NcnnLayer:
    """One layer of an ncnn graph."""

    type: str
    name: str
    bottoms: tuple[str, ...]
    tops: tuple[str, ...]
    params: dict[int, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def _value(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def read_param(path: str | Path) -> list[NcnnLayer]:
    """Parse a ``.param`` file into layers (without weights)."""
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    func = "read_param"
    if not lines or lines[0] != [str(_MAGIC)]:
        raise UnsupportedFormatError(f"{func}: {path} is not an ncnn .param file (first line must be {_MAGIC}).")
    try:
        layer_count = int(lines[1][0])
    except (IndexError, ValueError):
        raise UnsupportedFormatError(f"{func}: {path}: line 2 must be 'layer_count blob_count'.") from None
    layers: list[NcnnLayer] = []
    for lineno, parts in enumerate(lines[2:], start=3):
        try:
            ltype, name, nb, nt = parts[0], parts[1], int(parts[2]), int(parts[3])
            bottoms = tuple(parts[4 : 4 + nb])
            tops = tuple(parts[4 + nb : 4 + nb + nt])
            params: dict[int, Any] = {}
            for item in parts[4 + nb + nt :]:
                key_s, val_s = item.split("=", 1)
                key = int(key_s)
                if key <= -23300:
                    vals = [_value(v) for v in val_s.split(",")]
                    params[-key - 23300] = vals[1:]
                else:
                    params[key] = _value(val_s)
        except (IndexError, ValueError):
            raise UnsupportedFormatError(f"{func}: {path}:{lineno}: cannot parse layer line {' '.join(parts)!r}.") from None
        if len(bottoms) != nb or len(tops) != nt:
            raise UnsupportedFormatError(f"{func}: {path}:{lineno}: layer {name} lists fewer blobs than it declares.")
        layers.append(NcnnLayer(ltype, name, bottoms, tops, params))
    if len(layers) != layer_count:
        raise UnsupportedFormatError(f"{func}: {path}: header says {layer_count} layers, found {len(layers)}.")
    return layers


class _BinReader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def _take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise UnsupportedFormatError(
                f"read_model: {self.path} ends early while reading {what} (need {n} bytes at offset {self.pos}, "
                f"file has {len(self.data)}); the .bin does not belong to this .param."
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def raw_fp32(self, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self._take(4 * count, what), dtype="<f4").astype(np.float32)

    def tagged(self, count: int, what: str) -> np.ndarray:
        (tag,) = struct.unpack("<I", self._take(4, what))
        if tag == _TAG_FP16:
            raw = self._take((2 * count + 3) // 4 * 4, what)
            return np.frombuffer(raw[: 2 * count], dtype="<f2").astype(np.float32)
        if tag == 0 or tag == _TAG_FP32_ALT:
            return self.raw_fp32(count, what)
        if tag == _TAG_INT8:
            raise UnsupportedFormatError(f"read_model: {self.path}: {what} is int8-quantised; only fp16/fp32 models convert.")
        table = self.raw_fp32(256, what)
        idx = np.frombuffer(self._take((count + 3) // 4 * 4, what)[:count], dtype=np.uint8)
        return table[idx]


def read_model(param: str | Path, bin: str | Path) -> list[NcnnLayer]:
    """Parse ``.param`` and read every layer's weights from ``.bin`` (as float32 arrays)."""
    layers = read_param(param)
    reader = _BinReader(Path(bin).read_bytes(), Path(bin))
    out: list[NcnnLayer] = []
    for layer in layers:
        p = layer.params
        weights: dict[str, np.ndarray] = {}
        if layer.type == "Convolution":
            if p.get(8, 0) or p.get(19, 0):
                raise UnsupportedFormatError(f"read_model: layer {layer.name}: int8 or dynamic-weight convolutions are not supported.")
            cout, kw = int(p.get(0, 0)), int(p.get(1, 0))
            kh = int(p.get(11, kw))
            size = int(p.get(6, 0))
            if cout <= 0 or kw <= 0 or size % (cout * kw * kh):
                raise UnsupportedFormatError(f"read_model: layer {layer.name}: weight size {size} does not fit {cout}x?x{kh}x{kw}.")
            w = reader.tagged(size, f"{layer.name} weights")
            weights["weight"] = w.reshape(cout, size // (cout * kw * kh), kh, kw)
            if p.get(5, 0):
                weights["bias"] = reader.raw_fp32(cout, f"{layer.name} bias")
        elif layer.type == "PReLU":
            weights["weight"] = reader.raw_fp32(int(p.get(0, 1)), f"{layer.name} slopes")
        elif layer.type not in _WEIGHTLESS:
            raise UnsupportedFormatError(
                f"read_model: layer type {layer.type} ({layer.name}) is not supported by the converter "
                f"(supported: Convolution, PReLU, {', '.join(sorted(_WEIGHTLESS))})."
            )
        out.append(NcnnLayer(layer.type, layer.name, layer.bottoms, layer.tops, p, weights))
    if reader.pos != len(reader.data):
        raise UnsupportedFormatError(
            f"read_model: {bin}: {len(reader.data) - reader.pos} bytes left after the last layer; "
            "the .bin does not belong to this .param."
        )
    return out


def _tensors(sd: dict[str, np.ndarray]) -> "dict[str, torch.Tensor]":
    import torch

    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


def _hyper_mismatch(func: str, what: str, got: object, want: object) -> UnsupportedFormatError:
    return UnsupportedFormatError(f"{func}: the ncnn model has {what}={got}; the spec expects {want}. Wrong model files?")


def srvgg_state_dict(layers: list[NcnnLayer], *, num_feat: int = 64, num_conv: int = 16, upscale: int = 4) -> "dict[str, torch.Tensor]":
    """State dict of :class:`~ainimotion_vs.models.srvgg.SRVGGNetCompact` from an SRVGG ncnn graph.

    Checks the pattern conv, PReLU, ``num_conv`` x (conv, PReLU), conv, PixelShuffle(``upscale``),
    nearest Interp(``upscale``) of the input, add.
    """
    func = "srvgg_state_dict"
    weighted = [ly for ly in layers if ly.weights]
    pattern = ["Convolution", "PReLU"] * (num_conv + 1) + ["Convolution"]
    got = [ly.type for ly in weighted]
    if got != pattern:
        raise UnsupportedFormatError(
            f"{func}: weighted layers are {len(got)} ({got.count('Convolution')} conv, {got.count('PReLU')} PReLU); "
            f"SRVGGNetCompact with num_conv={num_conv} needs {num_conv + 2} conv and {num_conv + 1} PReLU in alternation."
        )
    feat = int(weighted[0].params.get(0, 0))
    if feat != num_feat:
        raise _hyper_mismatch(func, "num_feat", feat, num_feat)
    shuffles = [ly for ly in layers if ly.type == "PixelShuffle"]
    if len(shuffles) != 1 or int(shuffles[0].params.get(0, 1)) != upscale or int(shuffles[0].params.get(1, 0)) != 0:
        raise _hyper_mismatch(func, "PixelShuffle", [ly.params for ly in shuffles], f"one PixelShuffle 0={upscale}")
    interps = [ly for ly in layers if ly.type == "Interp"]
    if not interps or int(interps[0].params.get(0, 0)) != 1 or float(interps[0].params.get(1, 0)) != float(upscale):
        raise _hyper_mismatch(func, "input Interp", [ly.params for ly in interps], f"nearest x{upscale}")
    sd: dict[str, np.ndarray] = {}
    for i, ly in enumerate(weighted):
        for k, v in ly.weights.items():
            sd[f"body.{i}.{k}"] = v
    return _tensors(sd)


def rrdb_state_dict(layers: list[NcnnLayer], *, num_feat: int = 64, num_block: int = 6, num_grow_ch: int = 32, scale: int = 4) -> "dict[str, torch.Tensor]":
    """State dict of :class:`~ainimotion_vs.models.rrdb.RRDBNet` from an RRDBNet ncnn graph
    (convolutions in graph order: first, 15 per RRDB, body, up1, up2, hr, last)."""
    func = "rrdb_state_dict"
    if scale != 4:
        raise _hyper_mismatch(func, "scale", scale, 4)
    convs = [ly for ly in layers if ly.type == "Convolution"]
    others = sorted({ly.type for ly in layers if ly.weights and ly.type != "Convolution"})
    if others:
        raise UnsupportedFormatError(f"{func}: unexpected weighted layers {others}; RRDBNet has only convolutions.")
    if len(convs) != 6 + 15 * num_block:
        raise _hyper_mismatch(func, "convolutions", len(convs), f"{6 + 15 * num_block} (num_block={num_block})")
    names = ["conv_first"]
    names += [f"body.{b}.rdb{r}.conv{c}" for b in range(num_block) for r in (1, 2, 3) for c in range(1, 6)]
    names += ["conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]
    if int(convs[0].params.get(0, 0)) != num_feat:
        raise _hyper_mismatch(func, "num_feat", convs[0].params.get(0), num_feat)
    if int(convs[1].params.get(0, 0)) != num_grow_ch:
        raise _hyper_mismatch(func, "num_grow_ch", convs[1].params.get(0), num_grow_ch)
    sums = [ly for ly in layers if ly.type == "Eltwise"]
    for ly in sums:
        if ly.params.get(1) != [0.2, 1.0]:
            raise _hyper_mismatch(func, f"Eltwise {ly.name} coefficients", ly.params.get(1), [0.2, 1.0])
    sd: dict[str, np.ndarray] = {}
    for name, ly in zip(names, convs):
        for k, v in ly.weights.items():
            sd[f"{name}.{k}"] = v
    return _tensors(sd)


def convert(param: str | Path, bin: str | Path, arch: str, **arch_options: int) -> "dict[str, torch.Tensor]":
    """Convert an ncnn model to the state dict of ``arch`` (``"srvgg"`` or ``"rrdb"``)."""
    layers = read_model(param, bin)
    if arch == "srvgg":
        return srvgg_state_dict(layers, **arch_options)
    if arch == "rrdb":
        return rrdb_state_dict(layers, **arch_options)
    raise UnsupportedFormatError(f"convert: no ncnn converter for architecture {arch!r}; known: srvgg, rrdb.")


def run_ncnn(param: str | Path, bin: str | Path, image: np.ndarray, *, threads: int = 1) -> np.ndarray:
    """Run the model with the ncnn runtime on the CPU in fp32 (the conversion reference).

    ``image`` is ``(H, W, 3)`` float RGB in [0, 1]; returns ``(H', W', 3)`` float32, not clamped.
    Needs ``pip install ncnn`` (in the ``ncnn`` and ``dev`` extras).
    """
    try:
        import ncnn
    except ImportError:
        raise MissingPluginError("run_ncnn: the ncnn Python package is missing; install it with `pip install ncnn`.") from None
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.use_fp16_packed = False
    net.opt.use_fp16_storage = False
    net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.opt.num_threads = threads
    if net.load_param(str(param)) != 0 or net.load_model(str(bin)) != 0:
        raise UnsupportedFormatError(f"run_ncnn: ncnn could not load {param} / {bin}.")
    layers = read_param(param)
    in_name = layers[0].tops[0]
    out_name = layers[-1].tops[0]
    chw = np.ascontiguousarray(np.asarray(image, dtype=np.float32).transpose(2, 0, 1))
    mat_in = ncnn.Mat(chw)
    ex = net.create_extractor()
    ex.input(in_name, mat_in)
    ret, out = ex.extract(out_name)
    result = np.array(out, dtype=np.float32, copy=True).transpose(1, 2, 0).copy() if ret == 0 else None
    # ncnn's blobs live in the net's pool allocator: drop them before the net.
    del out, ex, mat_in
    net.clear()
    if result is None:
        raise UnsupportedFormatError(f"run_ncnn: ncnn failed to run {param} (code {ret}).")
    return result
