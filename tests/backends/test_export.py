"""ONNX export (dynamic sizes, checked against PyTorch, cached by content) and the cache dir."""
from __future__ import annotations

import os
import re

import numpy as np
import onnx
import pytest
import torch

from ainimotion_vs.backends.export import (
    DEFAULT_OPSET,
    check_onnx,
    export_module,
    export_onnx,
    onnx_cache_key,
    weights_sha256,
)
from ainimotion_vs.cache import atomic_write, atomic_write_bytes, cache_dir, file_sha256
from ainimotion_vs.errors import BackendError, SettingsError
from ainimotion_vs.models.spec import ModelSpec
from tests._weights import require

from _tolerance import EPS32, depth_and_fan_in, reduced_precision_rel_l2, reorder_rel_l2



@pytest.fixture(autouse=True)
def _no_autograd():
    """Inference only: no autograd graphs (scoped to this module's tests, not the whole session)."""
    with torch.no_grad():
        yield


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 12, 3, padding=1)
        self.ps = torch.nn.PixelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ps(self.c2(torch.relu(self.c1(x))))


class LinspaceGrid(torch.nn.Module):
    """The known trap: a coordinate ramp from torch.linspace over the width."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = x.shape[3]
        return x * 0.5 + torch.linspace(0.0, 1.0, w).view(1, 1, 1, w) * 0.5


class ArangeGrid(torch.nn.Module):
    """The same ramp from torch.arange, which exports with a dynamic width."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = x.shape[3]
        return x * 0.5 + (torch.arange(w, dtype=x.dtype) / (w - 1)).view(1, 1, 1, w) * 0.5


# Elementwise models: every output goes through at most 4 roundings (ramp, two products,
# the sum), in either runtime, so the two differ by at most 2 * 4 * eps32 relative.
ELEMENTWISE = 2 * 4 * EPS32


def _dims(path) -> list[list[str | int]]:
    model = onnx.load(str(path))
    return [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in (*model.graph.input, *model.graph.output)]


# ---------------------------------------------------------------- export_module
def test_export_tiny_is_dynamic_and_correct_at_three_sizes(tmp_path):
    path = tmp_path / "tiny.onnx"
    assert export_module(Tiny(), path, in_channels=3, size_multiple=4) == "dynamo"
    (inp, out) = _dims(path)
    assert inp[:2] == [1, 3] and all(isinstance(d, str) for d in inp[2:])  # symbolic H and W
    assert out[:2] == [1, 3] and all(isinstance(d, str) for d in out[2:])
    err = check_onnx(path, Tiny(), in_channels=3, sizes=[(20, 12), (64, 36), (8, 44)])
    assert err <= reorder_rel_l2(*depth_and_fan_in(Tiny()))  # 2 layers, fan-in 72: 2.0e-6
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.onnx"]  # no temp files left


def test_export_linspace_trap_is_caught_and_legacy_used(tmp_path):
    path = tmp_path / "lin.onnx"
    with pytest.raises(BackendError, match=r"every ONNX exporter failed: dynamo: BackendError: export: ONNX (Runtime could not run|output at)"):
        export_module(LinspaceGrid(), path, in_channels=3, size_multiple=8, exporter="dynamo")
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert export_module(LinspaceGrid(), path, in_channels=3, size_multiple=8) == "legacy"
    assert check_onnx(path, LinspaceGrid(), in_channels=3, sizes=[(16, 8), (40, 24), (24, 64)]) <= ELEMENTWISE


def test_export_arange_grid_stays_dynamic(tmp_path):
    path = tmp_path / "ar.onnx"
    assert export_module(ArangeGrid(), path, in_channels=3, size_multiple=8, exporter="dynamo") == "dynamo"
    assert check_onnx(path, ArangeGrid(), in_channels=3, sizes=[(16, 8), (72, 24)]) <= ELEMENTWISE


def test_export_fp16_has_fp32_io_and_fp16_weights(tmp_path):
    path = tmp_path / "tiny16.onnx"
    export_module(Tiny(), path, in_channels=3, size_multiple=4, fp16=True)
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert {i.data_type for i in model.graph.initializer if len(i.dims) == 4} == {onnx.TensorProto.FLOAT16}
    err = check_onnx(path, Tiny(), in_channels=3, sizes=[(32, 24)], fp16=True)
    # above what fp32 reordering gives (so it really computed in fp16), below fp16 rounding of 2 layers
    assert reorder_rel_l2(*depth_and_fan_in(Tiny())) < err <= reduced_precision_rel_l2(2)


def test_export_argument_errors(tmp_path):
    with pytest.raises(SettingsError, match="export_module: exporter must be 'auto', 'dynamo' or 'legacy'; got 'jit'"):
        export_module(Tiny(), tmp_path / "x.onnx", in_channels=3, size_multiple=4, exporter="jit")
    with pytest.raises(SettingsError, match="in_channels and size_multiple must be at least 1"):
        export_module(Tiny(), tmp_path / "x.onnx", in_channels=0, size_multiple=4)
    export_module(Tiny(), tmp_path / "x.onnx", in_channels=3, size_multiple=8)
    with pytest.raises(BackendError, match=r"ONNX output at 24x16 has shape \(3, 32, 48\); PyTorch gives \(3, 16, 24\)"):
        check_onnx(tmp_path / "x.onnx", ArangeGrid(), in_channels=3, sizes=[(24, 16)])
    with pytest.raises(SettingsError, match="export_onnx: opset must be an int >= 17; got 11"):
        export_onnx("realesr-animevideov3", opset=11)
    with pytest.raises(SettingsError, match="unknown model 'nope'"):
        export_onnx("nope")


def test_cache_key_covers_weights_precision_and_opset():
    spec = ModelSpec(name="tiny", arch="tiny", task="upscale", files=(), scale=2, size_multiple=4, in_channels=3, license="", authors="")
    net = Tiny()
    base = onnx_cache_key(spec, net, fp16=False, opset=DEFAULT_OPSET)
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert base == onnx_cache_key(spec, Tiny(), fp16=False, opset=DEFAULT_OPSET)
    assert base != onnx_cache_key(spec, net, fp16=True, opset=DEFAULT_OPSET)
    assert base != onnx_cache_key(spec, net, fp16=False, opset=DEFAULT_OPSET + 1)
    before = weights_sha256(net)
    net.c1.bias[0] += 1e-3
    assert weights_sha256(net) != before
    assert onnx_cache_key(spec, net, fp16=False, opset=DEFAULT_OPSET) != base


# ---------------------------------------------------------------- real models
def test_export_onnx_upscaler_cached_and_dynamic():
    require("realesr-animevideov3")
    from ainimotion_vs.models import load_network

    path = export_onnx("realesr-animevideov3")
    assert path.parent == cache_dir("onnx")
    assert re.fullmatch(r"realesr-animevideov3-fp32-op18-[0-9a-f]{16}\.onnx", path.name)
    mtime = path.stat().st_mtime_ns
    assert export_onnx("realesr-animevideov3") == path  # cached: no second export
    assert path.stat().st_mtime_ns == mtime
    assert all(isinstance(d, str) for d in _dims(path)[0][2:])
    net = load_network("realesr-animevideov3")
    assert check_onnx(path, net, in_channels=3, sizes=[(40, 24), (64, 48), (24, 56)]) <= reorder_rel_l2(*depth_and_fan_in(net))


def test_export_onnx_rife_at_three_sizes():
    require("rife-4.25")
    from ainimotion_vs.models import load_network

    path = export_onnx("rife-4.25")
    assert path.name.startswith("rife-4.25-fp32-op18-")
    net = load_network("rife-4.25")
    assert check_onnx(path, net, in_channels=7, sizes=[(64, 64), (192, 64), (128, 192)]) <= reorder_rel_l2(*depth_and_fan_in(net))


# ---------------------------------------------------------------- cache dir + atomic writes
def test_cache_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv("AINIMOTION_HOME", str(tmp_path / "home"))
    d = cache_dir("onnx")
    assert d == tmp_path / "home" / "onnx" and d.is_dir()
    assert cache_dir("trt", create=False) == tmp_path / "home" / "trt" and not (tmp_path / "home" / "trt").exists()
    monkeypatch.delenv("AINIMOTION_HOME")
    assert cache_dir(create=False).name == "ainimotion"


def test_atomic_write(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    atomic_write_bytes(target, b"hello")
    assert target.read_bytes() == b"hello"
    assert file_sha256(target) == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"hello" and sorted(os.listdir(target.parent)) == ["file.bin"]
    with pytest.raises(OSError, match="nothing was written"):
        with atomic_write(target):
            pass
    assert sorted(os.listdir(target.parent)) == ["file.bin"]
    assert np.frombuffer(target.read_bytes(), np.uint8).size == 5
