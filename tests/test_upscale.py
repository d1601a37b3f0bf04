"""upscale(): target sizes, formats, seamless tiling, memory budget, once-per-drawing reuse,
backend parity and the ncnn reference, keep_colors. Real VapourSynth, real models on small
crops of real frames (``shared_data``), synthetic anime through the real x264."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import vapoursynth as vs

from ainimotion_vs import gate, upscale
from ainimotion_vs._graph import interval_label
from ainimotion_vs.backends import InferenceStats, TorchBackend
from ainimotion_vs.backends._frames import clip_to_array, clips_from_array
from ainimotion_vs.backends.memory import MEM_BUDGET_ENV
from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.upscale import ColorKeep, choose_tile, target_size
from tests._synth import scene_cut, x264_roundtrip
from tests._weights import require

from _tolerance import depth_and_fan_in, reorder_rel_l2

core = vs.core
MODEL = "realesr-animevideov3"


@pytest.fixture(scope="module", autouse=True)
def _weights():
    require(MODEL)


def _read(path: Path, box: tuple[int, int, int, int]) -> np.ndarray:
    """A crop (left, top, width, height) of an image file as (3, H, W) float32 in [0, 1]."""
    from PIL import Image

    x0, y0, w, h = box
    with Image.open(path) as im:
        a = np.asarray(im.convert("RGB").crop((x0, y0, x0 + w, y0 + h)), dtype=np.float32) / 255.0
    return np.ascontiguousarray(a.transpose(2, 0, 1))


@pytest.fixture(scope="module")
def still(shared_data) -> np.ndarray:
    """A 96x72 crop of a real anime frame with line art (RGB float)."""
    return _read(shared_data / "stills" / "apisr_lr_41.png", (300, 200, 96, 72))


@pytest.fixture(scope="module")
def still_rgbs(still) -> vs.VideoNode:
    return clips_from_array(still)[0]


@pytest.fixture(scope="module")
def untiled(still_rgbs) -> np.ndarray:
    return clip_to_array(upscale(still_rgbs, tile=None, backend="torch"))


def _yuv(rgbs: vs.VideoNode, fmt: int = vs.YUV420P8, *, rng: str = "limited") -> vs.VideoNode:
    return rgbs.resize.Bicubic(format=fmt, matrix_s="709", range_s=rng)


def _blank(w: int, h: int, fmt: int = vs.YUV420P8, length: int = 1) -> vs.VideoNode:
    return core.std.BlankClip(format=fmt, width=w, height=h, length=length, color=None, keep=True)


# ---------------------------------------------------------------- target size (graph only)
def test_1080p_to_1440p_in_one_call():
    clip = _blank(1920, 1080, vs.YUV420P10)
    for kwargs in ({"height": 1440}, {"width": 2560}, {"width": 2560, "height": 1440}, {"scale": 4 / 3}):
        out = upscale(clip, backend="torch", **kwargs)
        assert (out.width, out.height, out.format.id) == (2560, 1440, vs.YUV420P10), kwargs
        assert out.num_frames == clip.num_frames


def test_target_size_rules():
    yuv = _blank(100, 74)
    assert target_size(yuv, width=None, height=None, scale=None, model_scale=4) == (400, 296)
    assert target_size(yuv, width=150, height=None, scale=None, model_scale=4) == (150, 112)  # 111 -> even
    assert target_size(yuv, width=None, height=226, scale=None, model_scale=4) == (306, 226)  # 305.4 -> even
    assert target_size(yuv, width=None, height=None, scale=1.5, model_scale=4) == (150, 112)
    rgb = _blank(100, 75, vs.RGB24)
    assert target_size(rgb, width=150, height=None, scale=None, model_scale=4) == (150, 113)  # no subsampling
    assert target_size(rgb, width=151, height=99, scale=None, model_scale=4) == (151, 99)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scale": 2, "height": 720}, "give scale= or width=/height=, not both"),
        ({"width": 0}, r"width must be a positive whole number; got 0"),
        ({"height": 7.5}, r"height must be a positive whole number; got 7.5"),
        ({"width": True}, r"width must be a positive whole number"),
        ({"width": 1001}, r"width 1001 is not a multiple of 2, which YUV420P8 needs .*use 1000 or 1002"),
        ({"scale": -1}, r"scale must be a positive number"),
        ({"scale": "2"}, r"scale must be a positive number"),
        ({"tile": "big"}, r"tile must be 'auto', None or \(width, height\)"),
        ({"tile": (64,)}, r"tile must be 'auto', None or \(width, height\)"),
        ({"tile": (0, 64)}, r"tile must be 'auto', None or \(width, height\)"),
        ({"tile": (32, 32), "backend": "torch"}, r"tile 32x32 is too small for overlap 16 on the torch backend; use tiles larger than 32"),
        ({"tile": (128, 128), "backend": "ort"}, r"tile 128x128 is too small for overlap 16 on the ort backend; use tiles larger than 128"),
        ({"overlap": -1}, r"overlap must be a whole number >= 0; got -1"),
        ({"overlap": 2.0}, r"overlap must be a whole number >= 0"),
        ({"model": "rife-4.25"}, r"upscale: model 'rife-4.25' is an interpolate model; use an upscaling model"),
        ({"model": "nope"}, r"upscale: unknown model 'nope'; known models: .*realesr-animevideov3"),
        ({"model": None}, r"model must be a model name"),
        ({"keep_colors": "yes"}, r"keep_colors must be True, False or a ColorKeep"),
        ({"keep_colors": ColorKeep(radius_div=1)}, r"ColorKeep.radius_div must be a whole number >= 2; got 1"),
        ({"reuse": 1}, r"reuse must be True or False; got 1"),
        ({"backend": "cuda9"}, r"upscale: unknown backend 'cuda9'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(SettingsError, match=match):
        upscale(_blank(640, 360), **kwargs)


def test_bad_clips():
    with pytest.raises(UnsupportedFormatError, match="upscale: clip must be a vapoursynth.VideoNode; got ndarray"):
        upscale(np.zeros((4, 4)))
    varsize = core.std.Splice([_blank(64, 48), _blank(32, 32)], mismatch=True)
    with pytest.raises(UnsupportedFormatError, match="upscale: clip must have a constant frame size"):
        upscale(varsize)
    varfmt = core.std.Splice([_blank(64, 48), _blank(64, 48, vs.RGB24)], mismatch=True)
    with pytest.raises(UnsupportedFormatError, match="upscale: clip must have a constant format"):
        upscale(varfmt)


def test_bad_memory_budget_env(monkeypatch):
    monkeypatch.setenv(MEM_BUDGET_ENV, "lots")
    with pytest.raises(SettingsError, match=rf"upscale: {MEM_BUDGET_ENV} must be a positive number of MiB .*got 'lots'"):
        upscale(_blank(64, 48))
    monkeypatch.setenv(MEM_BUDGET_ENV, "-5")
    with pytest.raises(SettingsError, match=rf"{MEM_BUDGET_ENV} must be a positive number"):
        upscale(_blank(64, 48))


def test_auto_tile_from_budget(monkeypatch):
    from ainimotion_vs.backends import OrtBackend
    from ainimotion_vs.models.spec import get_spec

    spec = get_spec(MODEL)
    clip = _blank(1920, 1080)
    monkeypatch.setenv(MEM_BUDGET_ENV, "100000")
    assert choose_tile(clip, spec, TorchBackend(), "auto", 16) is None  # fits
    monkeypatch.setenv(MEM_BUDGET_ENV, "512")
    tw, th = choose_tile(clip, spec, TorchBackend(), "auto", 16)
    assert 64 <= tw < 1920 and 64 <= th < 1080
    monkeypatch.setenv(MEM_BUDGET_ENV, "1")
    assert choose_tile(clip, spec, TorchBackend(), "auto", 16) == (64, 64)  # the smallest useful tile
    assert choose_tile(clip, spec, OrtBackend(), "auto", 16) == (160, 160)  # vs-mlrt needs > 2*overlap*scale
    assert choose_tile(clip, spec, TorchBackend(), (4000, 4000), 16) is None  # a tile bigger than the frame
    assert choose_tile(clip, spec, TorchBackend(), None, 16) is None


# ---------------------------------------------------------------- formats
@pytest.mark.parametrize("fmt", [vs.YUV420P8, vs.YUV420P10, vs.YUV444P16, vs.YUV422P8, vs.RGB24, vs.RGBS, vs.GRAY8, vs.GRAYS])
def test_formats_keep_family_depth_and_levels(still_rgbs, fmt):
    small = still_rgbs.std.Crop(right=64, bottom=48)  # 32x24
    ff = core.get_video_format(fmt)
    src = _yuv(small, fmt) if ff.color_family == vs.YUV else (
        small.resize.Point(format=fmt) if ff.color_family == vs.RGB else _yuv(small, vs.YUV444PS).std.ShufflePlanes(0, vs.GRAY).resize.Point(format=fmt)
    )
    out = upscale(src, backend="torch", keep_colors=True)
    assert (out.format.id, out.width, out.height) == (fmt, 128, 96)
    # levels agree with a plain Bicubic upscale of the source (a range or matrix mistake is >= 10
    # levels; the model alone lifts this crop by ~4, keep_colors brings it back)
    ref = src.resize.Bicubic(128, 96)
    for p in range(ff.num_planes):
        scale = 1.0 if ff.sample_type == vs.FLOAT else 255.0 / ((1 << ff.bits_per_sample) - 1)
        a = np.asarray(out.get_frame(0)[p], dtype=np.float64) * scale
        b = np.asarray(ref.get_frame(0)[p], dtype=np.float64) * scale
        if ff.sample_type == vs.FLOAT:
            a, b = a * 255, b * 255
        assert abs(a.mean() - b.mean()) < 1.0, (p, a.mean(), b.mean())


@pytest.mark.parametrize("rng", ["limited", "full"])
def test_colour_props_carried(still_rgbs, rng):
    src = _yuv(still_rgbs.std.Crop(right=64, bottom=48), rng=rng).std.SetFrameProps(_Primaries=1, _Transfer=1, _Matrix=1)
    out = upscale(src, backend="torch", keep_colors=True)
    p_in, p_out = src.get_frame(0).props, out.get_frame(0).props
    for key in ("_Matrix", "_Primaries", "_Transfer", "_Range"):
        assert int(p_out[key]) == int(p_in[key]), key
    y_in = np.asarray(src.get_frame(0)[0], dtype=np.float64).mean()
    y_out = np.asarray(out.get_frame(0)[0], dtype=np.float64).mean()
    assert abs(y_out - y_in) < 1.0


def test_tiny_frames(still_rgbs):
    tiny = _yuv(still_rgbs.std.Crop(right=90, bottom=68))  # 6x4, smaller than any tile or overlap
    out = upscale(tiny, tile=(64, 64), backend="torch")
    assert (out.width, out.height) == (24, 16)
    assert np.asarray(out.get_frame(0)[0]).shape == (16, 24)
    one = upscale(_yuv(still_rgbs.std.Crop(right=94, bottom=70)), backend="torch", height=12)  # 2x2 -> 12x12
    assert (one.width, one.height, one.format.id) == (12, 12, vs.YUV420P8)
    one.get_frame(0)


# ---------------------------------------------------------------- tiling
# The tiling contract (upscale's docstring): within one 8-bit level of the untiled frame. The
# model's receptive radius (18 convolutions) is a little over the overlap of 16, so pixels at
# inner tile edges miss a little far context; the rest is summation order (~1e-5).
def test_tiled_equals_untiled_on_real_frame(still_rgbs, untiled):
    stats = InferenceStats()
    tiled = clip_to_array(upscale(still_rgbs, tile=(48, 40), overlap=16, backend="torch", stats=stats))
    assert stats.calls == 1
    assert tiled.shape == untiled.shape == (3, 288, 384)
    assert np.abs(tiled - untiled).max() <= 1 / 255


def test_forced_tiny_memory_budget_tiles_and_matches(still_rgbs, untiled, monkeypatch, caplog):
    monkeypatch.setenv(MEM_BUDGET_ENV, "1")
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        out = upscale(still_rgbs, backend="torch")
        got = clip_to_array(out)
    assert "96x72 frames exceed the 1 MiB budget of cpu; running 64x64 tiles (overlap 16)" in caplog.text
    assert np.abs(got - untiled).max() <= 1 / 255


@pytest.mark.slow  # a real address-space cap: depends on the allocator; the forced-budget test above runs in CI
def test_out_of_memory_recovers_by_tiling(shared_data, tmp_path):
    """A real allocation failure, not a simulated one: a child process caps its address space
    a few MiB above what it uses, raising the cap step by step. The first cap that lets the
    192x144 frame through must be one where the whole frame ran out of memory and the torch
    backend logged, shrank the tile and retried, with the untiled result within 1/255."""
    import json
    import os
    import subprocess
    import sys

    np.save(tmp_path / "still.npy", _read(shared_data / "stills" / "apisr_lr_41.png", (250, 150, 192, 144)))
    script = tmp_path / "oom.py"
    script.write_text(_OOM_CHILD)
    # large allocations straight from mmap (and back on free), so the cap measures real use
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_ARENA_MAX="1")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=400, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["failed_caps"], "the smallest cap did not make the model run out of memory"
    assert result["retried"], f"the whole frame fit at the first cap that worked: {result}"
    assert "out of memory on cpu with the whole frame; retrying with" in proc.stderr
    assert result["max_diff"] <= 1 / 255


_OOM_CHILD = r'''
import ctypes, io, json, logging, resource, sys
from pathlib import Path
import numpy as np
import torch
import vapoursynth as vs
from ainimotion_vs import upscale
from ainimotion_vs.backends import TorchBackend
from ainimotion_vs.backends._frames import clip_to_array, clips_from_array

torch.set_num_threads(1)
vs.core.num_threads = 1
log = logging.getLogger("ainimotion_vs")
log.setLevel(logging.INFO)
log.addHandler(logging.StreamHandler(sys.stderr))
seen = io.StringIO()
log.addHandler(logging.StreamHandler(seen))
clip = clips_from_array(np.load(Path(sys.argv[1]) / "still.npy"))[0]
ref = clip_to_array(upscale(clip, tile=None, backend="torch"))  # uncapped
failed, retried, got = [], False, None
for cap_mib in range(8, 81, 4):
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + cap_mib * 2**20, resource.RLIM_INFINITY))
    seen.truncate(0)
    try:
        got = clip_to_array(upscale(clip, tile=None, backend=TorchBackend(memory_budget_mib=10**6)))
    except (vs.Error, MemoryError) as exc:
        failed.append(cap_mib)
        continue
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    retried = "retrying with" in seen.getvalue()
    break
print(json.dumps({"failed_caps": failed, "cap": cap_mib, "retried": retried,
                  "max_diff": None if got is None else float(np.abs(got - ref).max())}))
'''


# ---------------------------------------------------------------- once per drawing
@pytest.fixture(scope="module")
def anime(tmp_path_factory):
    """Two shots on threes through the real x264 (holds carry compression noise), gated at
    full size, then shrunk so the model runs are cheap; with the true interval labels."""
    scene = scene_cut()
    clip = x264_roundtrip(scene.frames, tmp_path_factory.mktemp("x264") / "cut.mkv")
    gated = gate(clip)
    labels = tuple(interval_label(gated.get_frame(n).props) for n in range(gated.num_frames))
    # What these tests check is that reuse follows the labels, so they count against the gate's
    # own labels. The gate must still be safe here: every cut found, and no false hold (a false
    # hold would freeze motion; a missed one only costs an extra model run). At 320x180 x264
    # moves a held picture by up to ~4.4 levels over a run, so a few holds read as motion.
    assert [n for n, lab in enumerate(labels) if lab == "cut"] == [n for n, lab in enumerate(scene.labels) if lab == "cut"]
    assert all(truth == "hold" for lab, truth in zip(labels, scene.labels) if lab == "hold")
    assert "hold" in labels
    return gated.resize.Bicubic(64, 36), labels


def _planes(clip: vs.VideoNode, n: int) -> list[np.ndarray]:
    with clip.get_frame(n) as f:
        return [np.asarray(f[p]).copy() for p in range(f.format.num_planes)]


def test_holds_upscaled_once_and_identical(anime):
    small, labels = anime
    drawings = 1 + sum(lab != "hold" for lab in labels[:-1])
    stats = InferenceStats()
    out = upscale(small, backend="torch", stats=stats)
    frames = [_planes(out, n) for n in range(out.num_frames)]  # in order, like vspipe
    assert stats.calls == drawings < len(labels) - 4  # once per drawing; the scene holds most frames
    for n in range(1, len(frames)):
        same = all(np.array_equal(a, b) for a, b in zip(frames[n - 1], frames[n]))
        assert same == (labels[n - 1] == "hold"), n
    assert out.get_frame(1).props["AinimotionDrawing"] == 0 and out.get_frame(4).props["AinimotionDrawing"] == 3

    # without reuse every frame runs the model and compression noise makes held frames differ
    every = InferenceStats()
    plain = upscale(small, backend="torch", stats=every, reuse=False)
    flicker = [_planes(plain, n) for n in (0, 1)]
    assert every.calls == 2
    assert not np.array_equal(flicker[0][0], flicker[1][0])


def test_holds_upscaled_once_with_parallel_rendering(anime):
    small, labels = anime
    stats = InferenceStats()
    out = upscale(small, backend="torch", stats=stats)
    assert sum(1 for _ in out.frames()) == out.num_frames  # VapourSynth renders ahead on its threads
    assert stats.calls == 1 + sum(lab != "hold" for lab in labels[:-1])


def test_interpolation_duplicates_upscaled_once(anime):
    from ainimotion_vs import interpolate

    small, labels = anime
    rife = InferenceStats()
    doubled = interpolate(small, factor=2, gate=False, backend="torch", stats=rife)
    stats = InferenceStats()
    out = upscale(doubled, backend="torch", stats=stats)
    sources = [out.get_frame(n).props["AinimotionSource"] for n in range(out.num_frames)]
    sources = [s.decode() if isinstance(s, bytes) else s for s in sources]
    motion = sum(lab == "motion" for lab in labels)
    assert rife.calls == motion == sources.count("model") > 0
    assert "duplicate" in sources
    # every source drawing once, every model in-between once; duplicates and held frames reuse
    assert stats.calls == 1 + sum(lab != "hold" for lab in labels[:-1]) + motion < out.num_frames


# ---------------------------------------------------------------- backends and the ncnn reference
def test_backend_parity_torch_ort_ov(still_rgbs):
    src = _yuv(still_rgbs.std.Crop(right=32, bottom=24))  # 64x48 YUV420P8
    out = {}
    for name in ("torch", "ort", "ov"):
        stats = InferenceStats()
        clip = upscale(src, backend=name, stats=stats, height=144)
        out[name] = np.concatenate([p.ravel().astype(np.int32) for p in _planes(clip, 0)])
        assert stats.calls == 1 and clip.format.id == vs.YUV420P8 and (clip.width, clip.height) == (192, 144)
    # The float results differ by another summation order: at most reorder_rel_l2 = 5.1e-5 of
    # full scale, 0.013 of an 8-bit level. A pixel changes only where that straddles a rounding
    # threshold (a fraction of about 0.013), by one level; error diffusion passes less than one
    # level on to the next pixels, which may flip once more: at most one level, on about 2.6%.
    for name in ("ort", "ov"):
        diff = np.abs(out[name] - out["torch"])
        assert diff.max() <= 1 and diff.mean() < 0.05, (name, diff.max(), diff.mean())


def test_matches_ncnn_reference_on_real_frame(still, still_rgbs, untiled):
    from ainimotion_vs.models.ncnn import run_ncnn
    from ainimotion_vs.weights import installed_files

    found = installed_files(MODEL)
    if found is None or found[0] != "ncnn":
        pytest.skip(f"the ncnn files of {MODEL} are not the installed set")
    files = found[1]
    ref = run_ncnn(files["realesr-animevideov3-x4.param"], files["realesr-animevideov3-x4.bin"], still.transpose(1, 2, 0))
    ref = np.clip(ref, 0, 1).transpose(2, 0, 1)
    from ainimotion_vs.models import build_network

    # both fp32: only the summation order differs (ncnn's Winograd and packed kernels)
    rel = float(np.linalg.norm(untiled - ref) / np.linalg.norm(ref))
    assert rel <= reorder_rel_l2(*depth_and_fan_in(build_network(MODEL))), rel
    assert np.abs(untiled - np.repeat(np.repeat(still, 4, 1), 4, 2)).mean() > 5e-3  # the model did something


# ---------------------------------------------------------------- keep_colors
def test_keep_colors_removes_brightness_lift_keeps_detail(shared_data):
    hr = _read(shared_data / "stills" / "anime4k_720p_7.png", (480, 200, 128, 96))
    src = clips_from_array(hr)[0]

    def shift_and_detail(keep: bool) -> tuple[np.ndarray, float]:
        out = upscale(src, backend="torch", keep_colors=keep)
        back = clip_to_array(out.resize.Bilinear(128, 96))  # area-like: the low frequencies
        full = clip_to_array(out)
        blur = clip_to_array(out.resize.Bilinear(128, 96).resize.Bicubic(512, 384))
        return (back - hr).mean(axis=(1, 2)) * 255, float(np.mean((full - blur) ** 2))

    lift, hf_plain = shift_and_detail(False)
    kept, hf_kept = shift_and_detail(True)
    # in 8-bit levels: the model lifts the mean by more than half a level (measured 1-3);
    # kept, the mean is within half a level (it rounds to the source's level)
    assert np.abs(lift).max() > 0.5
    assert np.abs(kept).max() < 0.5, kept
    # detail is not blurred: the correction adds only content coarser than 1/32 of the
    # width, which the blur above mostly keeps; 3% leaves room for the part it does not
    assert hf_kept > 0.97 * hf_plain
