"""ncnn -> PyTorch conversion: parser and blob formats, and parity with the ncnn runtime on real frames."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from ainimotion_vs.errors import UnsupportedFormatError
from ainimotion_vs.models import MODELS, build_network
from ainimotion_vs.models.ncnn import convert, read_model, read_param, run_ncnn
from tests._weights import require

from _tolerance import depth_and_fan_in, reorder_max_abs, reorder_rel_l2

pytest.importorskip("ncnn", reason="the ncnn runtime (pip install ncnn) is the conversion reference")


@pytest.fixture(autouse=True)
def _no_autograd():
    """Inference only: no autograd graphs (scoped to this module's tests, not the whole session)."""
    with torch.no_grad():
        yield


def _ncnn_files(name: str) -> tuple[Path, Path]:
    d = require(name, group="ncnn")
    by = {wf.format: d / wf.name for wf in MODELS[name].files_of("ncnn")}
    return by["ncnn-param"], by["ncnn-bin"]


def _crop(shared_data: Path, h: int, w: int) -> np.ndarray:
    import av

    with av.open(str(shared_data / "stills" / "anime4k_720p_7.png")) as c:
        img = next(c.decode(video=0)).to_ndarray(format="rgb24")
    return img[300 : 300 + h, 500 : 500 + w].astype(np.float32) / 255.0


@pytest.mark.parametrize(
    "name,hw", [("realesr-animevideov3", (64, 64)), ("realesr-animevideov3", (96, 128)), ("realesrgan-x4plus-anime", (64, 48))]
)
def test_parity_with_ncnn_runtime(name, hw, shared_data):
    param, binf = _ncnn_files(name)
    spec = MODELS[name]
    net = build_network(spec)
    net.load_state_dict(convert(param, binf, spec.arch, **dict(spec.arch_options)), strict=True)
    net.eval()
    img = _crop(shared_data, *hw)
    ref = run_ncnn(param, binf, img)
    ours = net(torch.from_numpy(img).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    assert ours.shape == ref.shape == (hw[0] * 4, hw[1] * 4, 3)
    # both fp32; ncnn's kernels (Winograd, packed layouts) sum in another order than torch's
    rel = np.linalg.norm(ours - ref) / np.linalg.norm(ref)
    assert rel <= reorder_rel_l2(*depth_and_fan_in(net))  # animevideov3 5.1e-5, x4plus-anime 4.8e-4
    assert np.abs(ours - img.repeat(4, 0).repeat(4, 1)).mean() > 1e-3  # not trivially the input


def _write_tiny(tmp_path: Path, *, fp16: bool, extra: bytes = b"") -> tuple[Path, Path, np.ndarray, np.ndarray, np.ndarray]:
    """Input -> Convolution(3->1, 1x1, bias) -> PReLU(1): 3 weights, an odd count (fp16 needs padding)."""
    w = np.array([0.5, -0.25, 0.125], dtype=np.float32)
    b = np.array([0.1], dtype=np.float32)
    slope = np.array([0.3], dtype=np.float32)
    param = tmp_path / "tiny.param"
    param.write_text(
        "7767517\n3 3\n"
        "Input in 0 1 data 0=4 1=4 2=3\n"
        "Convolution conv 1 1 data c 0=1 1=1 5=1 6=3\n"
        "PReLU act 1 1 c out 0=1\n"
    )
    if fp16:
        blob = struct.pack("<I", 0x01306B47) + w.astype("<f2").tobytes() + b"\0\0"
    else:
        blob = struct.pack("<I", 0) + w.astype("<f4").tobytes()
    binf = tmp_path / "tiny.bin"
    binf.write_bytes(blob + b.tobytes() + slope.tobytes() + extra)
    return param, binf, w, b, slope


@pytest.mark.parametrize("fp16", [False, True], ids=["fp32-flag-0", "fp16-flag-0x01306B47"])
def test_blob_storage_flags(tmp_path, fp16):
    param, binf, w, b, slope = _write_tiny(tmp_path, fp16=fp16)
    layers = read_model(param, binf)
    assert [ly.type for ly in layers] == ["Input", "Convolution", "PReLU"]
    np.testing.assert_array_equal(layers[1].weights["weight"].ravel(), w)
    np.testing.assert_array_equal(layers[1].weights["bias"], b)
    np.testing.assert_array_equal(layers[2].weights["weight"], slope)
    # and ncnn reads the same numbers
    img = np.random.default_rng(0).random((4, 4, 3), dtype=np.float32) - 0.5
    pre = img @ w + b[0]
    expect = np.where(pre > 0, pre, pre * slope[0])[..., None]
    # a 3-term sum and one PReLU product on values below 1
    np.testing.assert_allclose(run_ncnn(param, binf, img), expect, rtol=0, atol=reorder_max_abs(2, 3))


def test_param_array_values(tmp_path):
    p = tmp_path / "a.param"
    p.write_text("7767517\n1 1\nEltwise add 2 1 a b c 0=1 -23301=2,2.000000e-01,1.000000e+00\n")
    (layer,) = read_param(p)
    assert layer.params == {0: 1, 1: [0.2, 1.0]} and layer.bottoms == ("a", "b") and layer.tops == ("c",)


def test_parser_errors(tmp_path):
    bad = tmp_path / "bad.param"
    bad.write_text("123\n")
    with pytest.raises(UnsupportedFormatError, match="not an ncnn .param file"):
        read_param(bad)
    bad.write_text("7767517\n2 2\nInput in 0 1 data\n")
    with pytest.raises(UnsupportedFormatError, match="header says 2 layers, found 1"):
        read_param(bad)
    bad.write_text("7767517\n1 1\nInput in 0 x data\n")
    with pytest.raises(UnsupportedFormatError, match="cannot parse layer line"):
        read_param(bad)
    bad.write_text("7767517\n2 2\nInput in 0 1 data\nInnerProduct fc 1 1 data out 0=4 1=1 2=12\n")
    with pytest.raises(UnsupportedFormatError, match="layer type InnerProduct .* is not supported"):
        read_model(bad, bad)  # refused before any weight is read


def test_bin_size_errors(tmp_path):
    param, binf, *_ = _write_tiny(tmp_path, fp16=False, extra=b"\0\0\0\0")
    with pytest.raises(UnsupportedFormatError, match="4 bytes left after the last layer"):
        read_model(param, binf)
    binf.write_bytes(binf.read_bytes()[:10])
    with pytest.raises(UnsupportedFormatError, match="ends early while reading conv weights"):
        read_model(param, binf)
    binf.write_bytes(struct.pack("<I", 0x000D4B38) + b"\0" * 20)
    with pytest.raises(UnsupportedFormatError, match="int8-quantised"):
        read_model(param, binf)


def test_wrong_architecture_is_named(tmp_path):
    param, binf = _ncnn_files("realesrgan-x4plus-anime")
    with pytest.raises(UnsupportedFormatError, match="SRVGGNetCompact with num_conv=16 needs 18 conv and 17 PReLU"):
        convert(param, binf, "srvgg", num_feat=64, num_conv=16, upscale=4)
    with pytest.raises(UnsupportedFormatError, match="convolutions=96; the spec expects 51"):
        convert(param, binf, "rrdb", num_block=3)
    with pytest.raises(UnsupportedFormatError, match="no ncnn converter for architecture 'ifnet'"):
        convert(param, binf, "ifnet")
