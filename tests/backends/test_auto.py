"""``backend="auto"`` by measurement: real backends timed on real models at small sizes, the
choice cached by content in the user cache dir, and only what is installed and ready chosen."""
from __future__ import annotations

import json
import logging

import pytest
import torch

from ainimotion_vs._vs import has_plugin
from ainimotion_vs.backends import OrtBackend, OvBackend, TorchBackend, resolve_backend
from ainimotion_vs.backends import auto
from ainimotion_vs.cache import cache_dir
from tests._weights import require

MODEL = "realesr-animevideov3"
BY_NAME = {"torch": TorchBackend, "ort": OrtBackend, "ov": OvBackend}
pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="with a CUDA GPU auto is PyTorch on CUDA, not timed")


@pytest.fixture(scope="module")
def real_onnx():
    """The folder of the real cache's ONNX export of the model (exported once per machine)."""
    require(MODEL)
    from ainimotion_vs.backends.export import export_onnx

    return export_onnx(MODEL).parent


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh AINIMOTION_HOME that sees the installed weights (and nothing else) of the real cache."""
    require(MODEL)
    real = cache_dir("weights")
    monkeypatch.setenv("AINIMOTION_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "weights").symlink_to(real, target_is_directory=True)
    return tmp_path / "home"


def test_without_an_onnx_export_only_torch_is_timed(home):
    """ort/ov need the model's ONNX export; auto does not start one (minutes): they are
    neither timed nor chosen, and the reason is kept."""
    choice = auto.measure(MODEL, size=(32, 24), runs=2)
    assert set(choice.seconds) == {"torch"} and choice.backend == "torch"
    assert choice.seconds["torch"] > 0
    for name in ("ort", "ov"):
        reason = "no ONNX export yet" if has_plugin(name) else "plugin not installed"
        assert reason in choice.skipped[name]
    path = auto.choice_path(MODEL, size=(32, 24))
    assert path.parent == home / "auto" and path.is_file()
    assert auto.cached_choice(MODEL, size=(32, 24)) == choice
    assert "torch" in choice.describe() and "32x24 frame" in choice.describe()


def test_auto_times_installed_backends_once_and_caches_the_choice(real_onnx, home, caplog):
    (home / "onnx").symlink_to(real_onnx, target_is_directory=True)
    assert auto.cached_choice(MODEL) is None
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        chosen = resolve_backend("auto", func="upscale", model=MODEL)
    assert "timing the installed backends for realesr-animevideov3" in caplog.text
    choice = auto.cached_choice(MODEL)
    installed = {"torch"} | {n for n in ("ort", "ov", "trt") if has_plugin(n)}
    # every installed CPU backend was timed, nothing else (trt: engines are chosen by name)
    assert set(choice.seconds) == installed - {"trt"}
    assert choice.backend == min(choice.seconds, key=choice.seconds.__getitem__)
    assert chosen == BY_NAME[choice.backend]()
    assert f"backend auto -> {choice.backend} (" in caplog.text and "(measured now)" in caplog.text

    # the second call reads the cache file: it returns what the file says, without timing
    path = auto.choice_path(MODEL)
    data = json.loads(path.read_text())
    slowest = max(choice.seconds, key=choice.seconds.__getitem__)
    data["backend"] = slowest
    path.write_text(json.dumps(data))
    mtime = path.stat().st_mtime_ns
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ainimotion_vs"):
        again = resolve_backend(None, func="upscale", model=MODEL)
    assert again == BY_NAME[slowest]()
    assert "timing the installed backends" not in caplog.text and "(cached)" in caplog.text
    assert path.stat().st_mtime_ns == mtime


def test_the_key_follows_the_machine_settings(home):
    """Timings depend on the thread count: another count is another measurement."""
    before = auto.choice_path(MODEL)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(threads + 1)
        assert auto.choice_path(MODEL) != before
    finally:
        torch.set_num_threads(threads)
    assert auto.choice_path(MODEL) == before


def test_unreadable_cache_is_measured_again(home, caplog):
    path = auto.choice_path(MODEL, size=(32, 24))
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="ainimotion_vs"):
        assert auto.cached_choice(MODEL, size=(32, 24)) is None
    assert "ignoring the unreadable measurement" in caplog.text
    caplog.clear()
    path.write_text(json.dumps({"model": MODEL, "backend": "trt", "seconds": {"torch": 0.1}, "size": [32, 24]}))
    with caplog.at_level(logging.WARNING, logger="ainimotion_vs"):
        assert auto.cached_choice(MODEL, size=(32, 24)) is None  # never a backend that was not timed
    assert "backend 'trt' was not timed" in caplog.text
