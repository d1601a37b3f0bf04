"""Inference backends: torch / ort / ov (trt on GPU), tiling, memory recovery, stats,
validation. Real VapourSynth, real vs-mlrt plugins, real models on crops of real frames;
small self-made networks for the plumbing."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
import vapoursynth as vs

from ainimotion_vs.backends import (
    InferenceStats,
    OrtBackend,
    OvBackend,
    TorchBackend,
    TrtBackend,
    infer,
    resolve_backend,
)
from ainimotion_vs.backends._frames import clip_to_array, clips_from_array
from ainimotion_vs.backends._tiles import auto_tile, axis_tiles, plan_tiles, shrink_tile
from ainimotion_vs.backends.export import export_module
from ainimotion_vs._vs import plugin
from ainimotion_vs.backends.mlrt import mlrt_infer, pad_clip
from ainimotion_vs.backends.torch import torch_infer
from ainimotion_vs.errors import BackendError, MissingPluginError, SettingsError, UnsupportedFormatError
from ainimotion_vs.models.spec import ModelSpec
from tests._weights import require

from _tolerance import depth_and_fan_in, reduced_precision_rel_l2, reorder_max_abs, reorder_rel_l2

core = vs.core


@pytest.fixture(autouse=True)
def _no_autograd():
    """Inference only: no autograd graphs (scoped to this module's tests, not the whole session)."""
    with torch.no_grad():
        yield


# ---------------------------------------------------------------- helpers
class TinyUp(torch.nn.Module):
    """3 -> 3 channels, x2, receptive field radius 3."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.c3 = torch.nn.Conv2d(8, 12, 3, padding=1)
        self.ps = torch.nn.PixelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ps(self.c3(torch.relu(self.c2(torch.relu(self.c1(x)))))) + 0.1


class TinyMix(torch.nn.Module):
    """7 -> 3 channels at scale 1 with a /4 stage (needs H, W multiples of 4)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.down = torch.nn.Conv2d(7, 8, 4, stride=4)
        self.up = torch.nn.ConvTranspose2d(8, 3, 4, stride=4)
        self.skip = torch.nn.Conv2d(7, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.up(torch.relu(self.down(x)))


class OomAbove(TinyUp):
    """TinyUp that fails like the CPU allocator above ``limit`` input pixels."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.sizes: list[tuple[int, int]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.sizes.append((x.shape[3], x.shape[2]))
        if x.shape[2] * x.shape[3] > self.limit:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 123456789 bytes.")
        return super().forward(x)


def _spec(name: str = "tiny", *, scale: int = 2, multiple: int = 4, channels: int = 3, arch: str = "tiny") -> ModelSpec:
    return ModelSpec(
        name=name, arch=arch, task="upscale", files=(), scale=scale, size_multiple=multiple,
        in_channels=channels, license="MIT", authors="tests",
    )


NEEDS_OV = pytest.mark.skipif(not hasattr(core, "ov"), reason="vs-mlrt ov not installed (pip install 'ainimotion_vs[ov]')")

TINY = _spec()
TINY_MIX = _spec("tinymix", scale=1, multiple=4, channels=7)


def _smooth(c: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = torch.from_numpy(rng.random((1, c, h // 4 + 1, w // 4 + 1), dtype=np.float32))
    return torch.nn.functional.interpolate(small, size=(h, w), mode="bilinear")[0].numpy()


def _reference(net: torch.nn.Module, x: np.ndarray, multiple: int, scale: int) -> np.ndarray:
    """Run ``net`` the obvious way: pad (replicate) to the multiple, crop, clamp."""
    c, h, w = x.shape
    ph, pw = -h % multiple, -w % multiple
    t = torch.nn.functional.pad(torch.from_numpy(x)[None], (0, pw, 0, ph), mode="replicate")
    return net(t)[0, :, : h * scale, : w * scale].clamp(0, 1).numpy()


def _rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# Bounds for two float32 runs that differ only in summation order (tests/_tolerance.py):
# torch with channels_last vs contiguous, tiles vs the whole frame, ort/ov kernels vs torch.
TINY_MAX_ABS = reorder_max_abs(*depth_and_fan_in(TinyUp()))  # 3 layers, fan-in 72: 2.6e-5
TINY_MIX_MAX_ABS = reorder_max_abs(*depth_and_fan_in(TinyMix()))  # 3 layers, fan-in 128: 4.6e-5


def _read(path: Path, box: tuple[int, int, int, int]) -> np.ndarray:
    """A crop (left, top, width, height) of an image file as (3, H, W) float32 in [0, 1]."""
    import av

    x0, y0, w, h = box
    with av.open(str(path)) as c:
        rgb = next(c.decode(video=0)).to_ndarray(format="rgb24")
    return np.ascontiguousarray(rgb[y0 : y0 + h, x0 : x0 + w].transpose(2, 0, 1), dtype=np.float32) / 255.0


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    export_module(TinyUp(), path, in_channels=3, size_multiple=4)
    return path


@pytest.fixture(scope="module")
def still(shared_data) -> np.ndarray:
    """A 96x72 crop of a real anime frame with line art."""
    return _read(shared_data / "stills" / "apisr_lr_41.png", (300, 200, 96, 72))


@pytest.fixture(scope="module")
def pair(shared_data) -> np.ndarray:
    """Two consecutive drawings (120x88 crop, not a multiple of 64) + a t=0.5 plane: RIFE's 7 channels."""
    d = shared_data / "triplets" / "eisai_konobi07_f0018_0021_0024"
    a = _read(d / "frame1.png", (180, 140, 120, 88))
    b = _read(d / "frame3.png", (180, 140, 120, 88))
    return np.concatenate([a, b, np.full((1, 88, 120), 0.5, np.float32)])


# ---------------------------------------------------------------- resolve_backend
def test_resolve_backend_names_and_objects():
    assert resolve_backend("torch") == TorchBackend()
    assert resolve_backend("ort") == OrtBackend()
    assert resolve_backend("ort-cuda") == OrtBackend(device="cuda")
    assert resolve_backend("OV") == OvBackend()
    assert resolve_backend("trt") == TrtBackend()
    assert resolve_backend("torch-cuda") == TorchBackend(device="cuda", fp16=True)
    b = OrtBackend(num_streams=2)
    assert resolve_backend(b) is b
    auto = resolve_backend(None)
    assert isinstance(auto, TorchBackend) and auto.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_backend("auto") == auto


def test_resolve_backend_errors():
    with pytest.raises(SettingsError, match=r"infer: unknown backend 'tensorflow'; choose one of auto, torch"):
        resolve_backend("tensorflow", func="infer")
    with pytest.raises(SettingsError, match=r"backend must be a name .* got int"):
        resolve_backend(3)


def test_settings_are_frozen_and_cache_irrelevant_fields_hidden():
    b = TrtBackend(num_streams=3, workspace_mib=512)
    with pytest.raises(AttributeError):
        b.fp16 = False  # type: ignore[misc]
    assert "num_streams" not in repr(b) and "workspace_mib" not in repr(b) and "fp16" in repr(b)
    assert "memory_budget_mib" not in repr(TorchBackend(memory_budget_mib=5))


# ---------------------------------------------------------------- validation
def test_infer_validation_errors():
    rgb = clips_from_array(_smooth(3, 16, 16))[0]
    yuv = core.std.BlankClip(format=vs.YUV420P8, width=16, height=16)
    with pytest.raises(SettingsError, match="infer: clips must be a non-empty list"):
        infer([], TINY)
    with pytest.raises(UnsupportedFormatError, match=r"infer: clips\[0\] is YUV420P8; the model takes RGBS"):
        infer([yuv], TINY)
    with pytest.raises(UnsupportedFormatError, match="infer: clip must have a constant format"):
        infer([core.std.Splice([rgb, yuv], mismatch=True)], TINY)
    with pytest.raises(UnsupportedFormatError, match=r"every clip must match clips\[0\] \(16x16, 1 frames\); clips\[1\] is 8x16"):
        infer([rgb, core.std.Crop(rgb, right=8)], TINY_MIX)
    with pytest.raises(UnsupportedFormatError, match="infer: tiny takes 3 input planes; the clips have 6"):
        infer([rgb, rgb], TINY)
    with pytest.raises(SettingsError, match=r"tile must be None or \(width, height\) positive ints"):
        infer([rgb], TINY, tile=(0, 8))
    with pytest.raises(SettingsError, match="overlap must be an int >= 0"):
        infer([rgb], TINY, overlap=-1)
    with pytest.raises(SettingsError, match="tile 16x16 is too small for overlap 8"):
        infer([rgb], TINY, tile=(16, 16), overlap=8)
    with pytest.raises(SettingsError, match="stats must be an InferenceStats"):
        infer([rgb], TINY, stats=3)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="unknown model 'no-such-model'"):
        infer([rgb], "no-such-model")


def test_torch_fp16_on_cpu_refused_and_cuda_without_gpu():
    rgb = clips_from_array(_smooth(3, 16, 16))[0]
    with pytest.raises(SettingsError, match="infer: fp16 needs a CUDA device"):
        infer([rgb], TINY, backend=TorchBackend(fp16=True))
    with pytest.raises(SettingsError, match="device must be 'cpu', 'cuda' or 'cuda:N'; got 'tpu'"):
        infer([rgb], TINY, backend=TorchBackend(device="tpu"))
    if not torch.cuda.is_available():
        with pytest.raises(BackendError, match="PyTorch sees no CUDA GPU"):
            infer([rgb], TINY, backend="torch-cuda")


# ---------------------------------------------------------------- torch backend plumbing
def test_torch_matches_direct_run_pads_and_keeps_props():
    x = _smooth(3, 30, 45)  # neither a multiple of 4
    net = TinyUp()
    src = core.std.SetFrameProps(clips_from_array(x, length=2)[0], AinimotionTest=7, _Matrix=0)
    stats = InferenceStats()
    out = torch_infer([src], TINY, TorchBackend(), tile=None, overlap=0, stats=stats, network_factory=lambda: net)
    assert (out.format.id, out.width, out.height, out.num_frames) == (vs.RGBS, 90, 60, 2)
    got = clip_to_array(out)
    assert np.abs(got - _reference(net, x, 4, 2)).max() <= TINY_MAX_ABS
    assert got.min() >= 0.0 and got.max() <= 1.0
    props = out.get_frame(1).props
    assert props["AinimotionTest"] == 7 and props["_Matrix"] == 0


def test_torch_stats_count_model_runs_not_cached_frames():
    x = _smooth(3, 16, 20)
    stats = InferenceStats()
    out = torch_infer(clips_from_array(x, length=4), TINY, TorchBackend(), tile=None, overlap=0, stats=stats,
                      network_factory=TinyUp)
    for n in (0, 1, 2, 0, 1):
        out.get_frame(n)
    assert stats.calls == 3
    tiled_stats = InferenceStats()
    tiled = torch_infer(clips_from_array(x, length=2), TINY, TorchBackend(), tile=(8, 8), overlap=2, stats=tiled_stats,
                        network_factory=TinyUp)
    tiled.get_frame(0)
    assert tiled_stats.calls == 1  # tiles of one frame are one call


def test_torch_seven_channel_input_order():
    x = _smooth(7, 24, 20, seed=3)
    net = TinyMix()
    out = torch_infer(clips_from_array(x), TINY_MIX, TorchBackend(channels_last=False), tile=None, overlap=0, stats=None,
                      network_factory=lambda: net)
    assert np.abs(clip_to_array(out) - _reference(net, x, 4, 1)).max() <= TINY_MIX_MAX_ABS


@pytest.mark.parametrize(("tile", "overlap"), [((16, 12), 4), ((24, 40), 3), ((40, 16), 5)])
def test_torch_tiled_equals_untiled(tile, overlap):
    x = _smooth(3, 38, 50, seed=2)
    net = TinyUp()
    full = torch_infer(clips_from_array(x), TINY, TorchBackend(), tile=None, overlap=0, stats=None, network_factory=lambda: net)
    tiled = torch_infer(clips_from_array(x), TINY, TorchBackend(), tile=tile, overlap=overlap, stats=None, network_factory=lambda: net)
    # overlap >= TinyUp's receptive radius 3: the same sums, only in another order
    assert np.abs(clip_to_array(tiled) - clip_to_array(full)).max() <= TINY_MAX_ABS


def test_torch_out_of_memory_retries_with_smaller_tiles(caplog):
    x = _smooth(3, 120, 136, seed=4)
    net = OomAbove(limit=68 * 64)
    out = torch_infer(clips_from_array(x, length=2), TINY, TorchBackend(), tile=None, overlap=0, stats=None,
                      network_factory=lambda: net)
    with caplog.at_level(logging.WARNING, logger="ainimotion_vs"):
        got = clip_to_array(out)
    assert np.abs(got - _reference(TinyUp(), x, 4, 2)).max() <= TINY_MAX_ABS
    assert "out of memory on cpu with the whole frame; retrying with 68x64 tiles (overlap 16)" in caplog.text
    assert net.sizes[0] == (136, 120) and set(net.sizes[1:]) == {(68, 64)}
    net.sizes.clear()
    clip_to_array(out, 1)  # the next frame starts with the smaller tile: no failed run
    assert set(net.sizes) == {(68, 64)}


def test_torch_out_of_memory_gives_up_with_a_clear_error():
    out = torch_infer(clips_from_array(_smooth(3, 128, 160)), TINY, TorchBackend(), tile=None, overlap=0, stats=None,
                      network_factory=lambda: OomAbove(limit=10))
    with pytest.raises(vs.Error, match=r"tiny ran out of memory on cpu even with 64x64 tiles"):
        out.get_frame(0)


def test_torch_other_runtime_errors_propagate():
    class Broken(TinyUp):
        def forward(self, x):
            raise RuntimeError("shape mismatch in layer 3")

    out = torch_infer(clips_from_array(_smooth(3, 16, 16)), TINY, TorchBackend(), tile=None, overlap=0, stats=None,
                      network_factory=Broken)
    with pytest.raises(vs.Error, match="shape mismatch in layer 3"):
        out.get_frame(0)


def test_torch_memory_budget_forces_tiling(caplog):
    x = _smooth(3, 64, 96, seed=5)
    net = OomAbove(limit=10**9)
    spec = _spec(arch="srvgg")
    out = torch_infer(clips_from_array(x), spec, TorchBackend(memory_budget_mib=1), tile=None, overlap=0, stats=None,
                      network_factory=lambda: net)
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        got = clip_to_array(out)
    assert "exceeds the memory budget (1 MiB); running in" in caplog.text
    assert len(net.sizes) > 1 and max(w * h for w, h in net.sizes) < 64 * 96
    assert np.abs(got - _reference(TinyUp(), x, 4, 2)).max() <= TINY_MAX_ABS


def test_torch_backend_reads_the_one_budget_policy(monkeypatch, caplog):
    """tile=None on the torch backend reads the same budget as upscale(tile="auto"): the
    environment override tiles here too, and a bad value fails when the graph is built."""
    from ainimotion_vs.backends.memory import MEM_BUDGET_ENV, MIN_RAM_BUDGET, budget_bytes

    x = _smooth(3, 64, 96, seed=5)
    monkeypatch.setenv(MEM_BUDGET_ENV, "1")
    assert budget_bytes("cpu") == 1 << 20
    net = OomAbove(limit=10**9)
    out = torch_infer(clips_from_array(x), _spec(arch="srvgg"), TorchBackend(), tile=None, overlap=0, stats=None,
                      network_factory=lambda: net)
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        clip_to_array(out)
    assert "exceeds the memory budget (1 MiB); running in" in caplog.text and len(net.sizes) > 1
    monkeypatch.setenv(MEM_BUDGET_ENV, "0")
    with pytest.raises(SettingsError, match=rf"infer: {MEM_BUDGET_ENV} must be a positive number of MiB such as 2048; got '0'"):
        torch_infer(clips_from_array(x), TINY, TorchBackend(), tile=None, overlap=0, stats=None, network_factory=TinyUp)
    monkeypatch.delenv(MEM_BUDGET_ENV)
    assert budget_bytes("cpu") >= MIN_RAM_BUDGET
    if not torch.cuda.is_available():
        assert budget_bytes("cuda") is None  # unknown: upscale() warns and runs whole frames


# ---------------------------------------------------------------- pure tile planning
def test_plan_tiles_partition_the_frame():
    for (w, h, tile, ov, align) in [(100, 70, (32, 24), 4, 1), (256, 128, (128, 128), 16, 64), (50, 50, (64, 64), 8, 4), (96, 40, (40, 16), 4, 4)]:
        cover = np.zeros((h, w), np.int32)
        for b in plan_tiles(w, h, tile, ov, align):
            assert 0 <= b.x0 <= b.kx0 < b.kx1 <= b.x1 <= w and 0 <= b.y0 <= b.ky0 < b.ky1 <= b.y1 <= h
            assert b.x0 % align == 0 and b.y0 % align == 0
            for edge, inner in ((b.kx0, b.x0), (b.ky0, b.y0)):  # context before a kept edge
                assert edge == 0 or edge - inner >= ov
            for edge, inner, size in ((b.kx1, b.x1, w), (b.ky1, b.y1, h)):
                assert edge == size or inner - edge >= ov
            cover[b.ky0 : b.ky1, b.kx0 : b.kx1] += 1
        assert (cover == 1).all()
    with pytest.raises(ValueError, match="tile 16 is too small for overlap 8"):
        axis_tiles(100, 16, 8)
    with pytest.raises(ValueError, match=r"tile 64 is too small for overlap 16 \(alignment 64\): use a tile of at least 96"):
        axis_tiles(128, 64, 16, 64)


def test_torch_tile_checked_when_the_graph_is_built():
    spec = _spec(multiple=64)
    with pytest.raises(SettingsError, match=r"infer: tile 64 is too small for overlap 16 \(alignment 64\)"):
        torch_infer(clips_from_array(_smooth(3, 128, 128)), spec, TorchBackend(), tile=(64, 64), overlap=16, stats=None,
                    network_factory=TinyUp)


def test_auto_tile_and_shrink():
    spec = _spec(arch="srvgg", scale=4, multiple=4)
    assert auto_tile(480, 270, spec, 8 << 30) is None
    tile = auto_tile(480, 270, spec, 16 << 20, overlap=16)
    assert tile == (112, 112)
    unknown = auto_tile(480, 270, _spec(arch="unknown-arch", scale=4, multiple=4), 16 << 20, overlap=16)
    assert unknown is not None and unknown[0] * unknown[1] < tile[0] * tile[1]  # unknown nets: conservative
    assert auto_tile(*tile, spec, 16 << 20) is None  # the chosen tile fits the budget
    assert auto_tile(480, 270, spec, 1, overlap=16) == (64, 64)  # never below 4 * overlap
    assert shrink_tile((480, 272), multiple=4, overlap=16) == (240, 136)
    assert shrink_tile((100, 64), multiple=4, overlap=16) == (64, 64)
    assert shrink_tile((64, 64), multiple=4, overlap=16) is None


# ---------------------------------------------------------------- vs-mlrt plumbing
def test_missing_plugin_message():
    with pytest.raises(MissingPluginError, match=r"infer: the VapourSynth plugin core.nonexistent_mlrt is not installed; install it with"):
        plugin("nonexistent_mlrt", func="infer")
    assert isinstance(MissingPluginError("x"), ImportError)


@pytest.mark.skipif(hasattr(core, "trt"), reason="vs-mlrt trt is installed here")
def test_trt_missing_says_how_to_install(tiny_onnx):
    rgb = clips_from_array(_smooth(3, 16, 16))[0]
    with pytest.raises(MissingPluginError, match=r"core.trt is not installed; install it with: pip install 'ainimotion_vs\[trt\]'"):
        mlrt_infer([rgb], TINY, TrtBackend(), tile=None, overlap=0, stats=None, network_path=tiny_onnx)


def test_pad_clip_replicates_edges():
    x = _smooth(3, 10, 13)
    got = clip_to_array(pad_clip(clips_from_array(x)[0], 3, 2))
    want = np.pad(x, ((0, 0), (0, 2), (0, 3)), mode="edge")
    assert np.array_equal(got, want)


@pytest.mark.parametrize("backend", [OrtBackend(), pytest.param(OvBackend(), marks=NEEDS_OV)], ids=["ort", "ov"])
def test_mlrt_matches_torch_on_tiny_net(backend, tiny_onnx):
    x = _smooth(3, 30, 45, seed=6)
    src = core.std.SetFrameProps(clips_from_array(x, length=3)[0], AinimotionTest=3)
    stats = InferenceStats()
    out = mlrt_infer([src], TINY, backend, tile=None, overlap=0, stats=stats, network_path=tiny_onnx)
    assert (out.format.id, out.width, out.height, out.num_frames) == (vs.RGBS, 90, 60, 3)
    got = clip_to_array(out)
    assert np.abs(got - _reference(TinyUp(), x, 4, 2)).max() <= TINY_MAX_ABS
    assert got.min() >= 0 and got.max() <= 1
    assert out.get_frame(2).props["AinimotionTest"] == 3
    for n in (1, 2, 1):
        out.get_frame(n)
    assert stats.calls == 3
    # vs-mlrt gets overlap * scale: it discards output pixels at inner tile edges
    tiled = mlrt_infer([src], TINY, backend, tile=(24, 20), overlap=4, stats=None, network_path=tiny_onnx)
    assert np.abs(clip_to_array(tiled) - got).max() <= TINY_MAX_ABS
    with pytest.raises(SettingsError, match=r"tile 16x12 is too small for overlap 4 on a x2 model with vs-mlrt"):
        mlrt_infer([src], TINY, backend, tile=(16, 12), overlap=4, stats=None, network_path=tiny_onnx)


def test_mlrt_bad_model_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    rgb = clips_from_array(_smooth(3, 16, 16))[0]
    with pytest.raises(BackendError, match=r"infer: core.ort.Model could not load tiny"):
        mlrt_infer([rgb], TINY, OrtBackend(), tile=None, overlap=0, stats=None, network_path=bad)
    with pytest.raises(BackendError, match="does not exist"):
        mlrt_infer([rgb], TINY, OrtBackend(), tile=None, overlap=0, stats=None, network_path=tmp_path / "missing.onnx")
    with pytest.raises(SettingsError, match="OrtBackend device must be 'cpu' or 'cuda'"):
        mlrt_infer([rgb], TINY, OrtBackend(device="rocm"), tile=None, overlap=0, stats=None, network_path=bad)


# ---------------------------------------------------------------- real models, real frames
@pytest.fixture(scope="module")
def animev3():
    require("realesr-animevideov3")
    from ainimotion_vs.models import load_network

    return load_network("realesr-animevideov3")


@pytest.fixture(scope="module")
def rife():
    require("rife-4.25")
    from ainimotion_vs.models import load_network

    return load_network("rife-4.25")


@NEEDS_OV
def test_upscaler_parity_torch_ort_ov(still, animev3):
    ref = _reference(animev3, still, 1, 4)
    src = clips_from_array(still)
    results = {}
    for name in ("torch", "ort", "ov"):
        stats = InferenceStats()
        out = infer(src, "realesr-animevideov3", backend=name, stats=stats)
        assert (out.width, out.height) == (384, 288)
        results[name] = clip_to_array(out)
        assert stats.calls == 1
    bound = reorder_rel_l2(*depth_and_fan_in(animev3))  # 18 layers, fan-in 576: 5.1e-5
    assert _rel_l2(results["torch"], ref) <= bound
    assert _rel_l2(results["ort"], results["torch"]) <= bound
    assert _rel_l2(results["ov"], results["torch"]) <= bound


def test_upscaler_tiled_equals_untiled_on_real_frame(still, animev3):
    src = clips_from_array(still)
    full = clip_to_array(infer(src, "realesr-animevideov3", backend="torch"))
    tiled = clip_to_array(infer(src, "realesr-animevideov3", backend="torch", tile=(48, 40), overlap=16))
    # the contract (backends docstring): within one 8-bit level; the receptive radius (18
    # convolutions) exceeds the overlap 16, so the tile edges see slightly less context
    assert np.abs(tiled - full).max() <= 1 / 255


def test_upscaler_ort_tiled_equals_untiled_on_real_frame(shared_data, animev3):
    big = _read(shared_data / "stills" / "apisr_lr_41.png", (250, 150, 192, 144))
    src = clips_from_array(big)
    full = clip_to_array(infer(src, "realesr-animevideov3", backend="ort"))
    tiled = clip_to_array(infer(src, "realesr-animevideov3", backend="ort", tile=(160, 136), overlap=16))
    assert np.abs(tiled - full).max() <= 1 / 255  # the tiling contract: one 8-bit level (see above)


def test_upscaler_tiny_memory_budget_recovers_by_tiling(still, animev3, caplog):
    src = clips_from_array(still)
    full = clip_to_array(infer(src, "realesr-animevideov3", backend="torch"))
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        small = clip_to_array(infer(src, "realesr-animevideov3", backend=TorchBackend(memory_budget_mib=2)))
    assert "running in" in caplog.text
    assert np.abs(small - full).max() <= 1 / 255  # the tiling contract: one 8-bit level


@NEEDS_OV
def test_rife_parity_torch_ort_ov(pair, rife):
    ref = _reference(rife, pair, 64, 1)
    src = clips_from_array(pair)
    assert [c.format.id for c in src] == [vs.RGBS, vs.RGBS, vs.GRAYS]
    out = {name: clip_to_array(infer(src, "rife-4.25", backend=name)) for name in ("torch", "ort", "ov")}
    assert out["torch"].shape == (3, 88, 120)
    bound = reorder_rel_l2(*depth_and_fan_in(rife))  # 59 layers, fan-in 3072: 3.9e-4
    assert _rel_l2(out["torch"], ref) <= bound
    assert _rel_l2(out["ort"], out["torch"]) <= bound
    assert _rel_l2(out["ov"], out["torch"]) <= bound
    # the model did something: the middle frame is not one of the inputs (far above the bound)
    assert min(_rel_l2(out["torch"], pair[0:3]), _rel_l2(out["torch"], pair[3:6])) > 1e-3


# ---------------------------------------------------------------- GPU only
@pytest.mark.gpu
def test_gpu_torch_cuda_fp16_close_to_cpu(still, animev3):
    src = clips_from_array(still)
    cpu = clip_to_array(infer(src, "realesr-animevideov3", backend="torch"))
    gpu = clip_to_array(infer(src, "realesr-animevideov3", backend="torch-cuda"))
    assert _rel_l2(gpu, cpu) <= reduced_precision_rel_l2(depth_and_fan_in(animev3)[0])  # fp16: 1.8e-2


@pytest.mark.gpu
def test_gpu_trt_and_ort_cuda_close_to_torch(still, pair, animev3, rife):
    src = clips_from_array(still)
    ref = clip_to_array(infer(src, "realesr-animevideov3", backend="torch"))
    # fp16, and fp32 on GPUs (cuDNN and TensorRT use TF32 tensor cores: the same 10-bit
    # mantissa as fp16) round weights and values once per layer: 2 * layers * eps16
    up_bound = reduced_precision_rel_l2(depth_and_fan_in(animev3)[0])  # 1.8e-2
    for backend in (OrtBackend(device="cuda"), TrtBackend(fp16=False), TrtBackend(fp16=True)):
        got = clip_to_array(infer(src, "realesr-animevideov3", backend=backend))
        assert _rel_l2(got, ref) <= up_bound, backend
    rsrc = clips_from_array(pair)
    rref = clip_to_array(infer(rsrc, "rife-4.25", backend="torch"))
    rife_bound = reduced_precision_rel_l2(depth_and_fan_in(rife)[0])  # 59 layers: 5.8e-2
    assert _rel_l2(clip_to_array(infer(rsrc, "rife-4.25", backend=TrtBackend())), rref) <= rife_bound
