"""The fine-tuning proof, end to end on the CPU at toy scale: a 50-step run on a fixed batch
lowers the loss and writes its checkpoints; a run stopped and resumed gives the same losses as
one that never stopped; the checkpoint installs as a model under the user's name and renders
through interpolate() and upscale() on torch and on ort (a fresh ONNX export of the new weights).

Sizes: 64-pixel crops, batch 2. Torch runs single-threaded here: on a shared 2-core machine
OpenMP's spin-waiting made a RIFE training step ~30x slower with 2 threads than with 1 (10 s
against 0.35 s measured for batch 4 at 64 px with a load average of 13); results do not depend on it.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

import _synth
import _weights
from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.train.datasets import CurateSettings, curate_interp, curate_upscale
from ainimotion_vs.train.loop import TrainSettings, train

STEPS = 50


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A private cache home holding the shipped base weights (linked from the real cache)."""
    src = {name: _weights.require(name) for name in ("rife-4.25", "realesr-animevideov3")}
    root = tmp_path / "home"
    (root / "weights").mkdir(parents=True)
    for name, path in src.items():
        os.symlink(path, root / "weights" / name)
    monkeypatch.setenv("AINIMOTION_HOME", str(root))
    return root


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    scene = _synth.shot(1, 8, on=2) + _synth.shot(11, 7, on=3)
    clip = _synth.to_clip(scene.frames)
    s = CurateSettings(crop=64, val_fraction=0.5, seed=1)
    curate_interp([("synth", clip)], d / "interp", settings=s)
    curate_upscale([("synth", clip)], d / "upscale", settings=CurateSettings(crop=64, val_fraction=0.5, seed=1, max_per_shot=4))
    return d


def _losses_from_csv(run: Path) -> list[float]:
    with open(run / "log.csv", newline="") as f:
        return [float(r["loss"]) for r in csv.DictReader(f) if r["loss"]]


def _render_frames(clip, n: int = 3) -> list[np.ndarray]:
    return [np.stack([np.asarray(f[p]) for p in range(f.format.num_planes)]) for f in (clip.get_frame(i) for i in range(n))]


@pytest.mark.parametrize("task", ["interp", "upscale"])
def test_fifty_steps_lower_the_loss_then_install_and_render(task, datasets, home, tmp_path):
    import vapoursynth as vs

    from ainimotion_vs import interpolate, upscale
    from ainimotion_vs.cli import main
    from ainimotion_vs.models.spec import get_spec

    run = tmp_path / "run"
    s = TrainSettings(steps=STEPS, crop=64, batch=2, lr=1e-4, fixed_batch=True, val_every=25, seed=0)
    r = train(task, datasets / task, run, settings=s)
    assert r.finished and r.step == STEPS and len(r.losses) == STEPS
    # Rule: mean of the last 10 steps < mean of the first 10. On a fixed batch with no
    # augmentation the loss is a function of the weights alone; a 10-step mean smooths the
    # warm-up and any single overshooting step, so it only fails if the optimiser does not descend.
    first, last = float(np.mean(r.losses[:10])), float(np.mean(r.losses[-10:]))
    assert last < first, (first, last)
    for name in ("last.pth", "best.pth", "log.csv", "loss.png", "settings.json"):
        assert (run / name).is_file(), name
    assert _losses_from_csv(run) == pytest.approx(r.losses, abs=5.01e-7)  # written with 6 decimals: half a unit of the last

    # resume: nothing left to do at step 50, but the state loads and the run reports finished
    again = train(task, datasets / task, run, settings=s, resume=True)
    assert again.finished and again.step == STEPS and again.losses == []

    # install under the user's name through the CLI, then render with it on torch and ort
    name = f"my-{task}"
    assert main(["weights", "install", name, str(run / "best.pth")]) == 0
    spec = get_spec(name)
    base = get_spec("rife-4.25" if task == "interp" else "realesr-animevideov3")
    assert (spec.arch, spec.task, spec.scale) == (base.arch, base.task, base.scale)
    frames = _synth.shot(3, 3, on=1).frames[:, 40:104, 100:196]  # 3 drawings, 96x64
    clip = _synth.to_clip(frames).resize.Bicubic(format=vs.RGBS, matrix_in_s="709")
    out = {}
    for backend in ("torch", "ort"):
        if task == "interp":
            node = interpolate(clip, factor=2, model=name, backend=backend)
            out[backend] = _render_frames(node, 4)[1]  # frame 1: the in-between of 0 and 1
        else:
            node = upscale(clip, model=name, backend=backend, tile=None)
            out[backend] = _render_frames(node, 1)[0]
    # ONNX Runtime and PyTorch run the same fp32 graph; their sums differ in order only, a
    # few float32 ulps per layer, far under 1e-3 of the [0, 1] range after ~20 layers.
    np.testing.assert_allclose(out["ort"], out["torch"], atol=1e-3)
    if task == "interp":
        ref = _render_frames(interpolate(clip, factor=2, model="rife-4.25", backend="torch"), 4)[1]
    else:
        ref = _render_frames(upscale(clip, model="realesr-animevideov3", backend="torch", tile=None), 1)[0]
    # the tuned weights are the ones used: 50 steps at lr 1e-4 move the output by far more
    # than the 1e-3 the two runtimes differ by
    assert np.abs(out["torch"] - ref).max() > 1e-2


def test_resume_repeats_the_uninterrupted_run(datasets, home, tmp_path):
    s = TrainSettings(steps=12, crop=64, batch=2, lr=1e-4, val_every=4, seed=5)
    whole = train("interp", datasets / "interp", tmp_path / "whole", settings=s)
    part = train("interp", datasets / "interp", tmp_path / "split", settings=TrainSettings(**{**s.__dict__, "stop_after": 5}))
    assert not part.finished and part.step == 5
    rest = train("interp", datasets / "interp", tmp_path / "split", settings=s, resume=True)
    assert rest.finished and rest.step == 12
    # Same process, same thread count, same seed and restored sampler/optimizer state: the CPU
    # kernels are deterministic, so the losses are equal bit for bit.
    assert part.losses + rest.losses == whole.losses
    assert _losses_from_csv(tmp_path / "split") == _losses_from_csv(tmp_path / "whole")


def test_training_errors_say_how_to_fix(datasets, home, tmp_path):
    from ainimotion_vs.train.checkpoints import install_checkpoint

    with pytest.raises(SettingsError, match=r"train: crop must be a multiple of 64 and at most the stored crop 64; got 96"):
        train("interp", datasets / "interp", tmp_path / "r", settings=TrainSettings(steps=1, crop=96))
    with pytest.raises(SettingsError, match=r"train: task must be 'interp' or 'upscale'; got 'denoise'"):
        train("denoise", datasets / "interp", tmp_path / "r")
    with pytest.raises(UnsupportedFormatError, match=r"is a 'interp' dataset \(format 1\); this needs a 'upscale' dataset"):
        train("upscale", datasets / "interp", tmp_path / "r", settings=TrainSettings(steps=1, crop=64))
    with pytest.raises(UnsupportedFormatError, match=r"no training state at .*last.pth; start without --resume"):
        train("interp", datasets / "interp", tmp_path / "none", resume=True)
    r = train("interp", datasets / "interp", tmp_path / "one", settings=TrainSettings(steps=1, crop=64, batch=1))
    with pytest.raises(SettingsError, match=r"already holds a run; pass --resume"):
        train("interp", datasets / "interp", tmp_path / "one", settings=TrainSettings(steps=1, crop=64, batch=1))
    with pytest.raises(SettingsError, match=r"'rife-4.25' is a shipped model; install the fine-tuned weights under a new name"):
        install_checkpoint("rife-4.25", r.run / "best.pth")
    with pytest.raises(SettingsError, match=r"model name 'a b' must be 1-64 letters"):
        install_checkpoint("a b", r.run / "best.pth")
    with pytest.raises(UnsupportedFormatError, match=r"is not a fine-tuned checkpoint of `ainimotion train`"):
        install_checkpoint("x", r.run / "last.pth")
    install_checkpoint("x", r.run / "best.pth")
    with pytest.raises(SettingsError, match=r"a fine-tuned model 'x' is installed already; pass --force"):
        install_checkpoint("x", r.run / "best.pth")
    install_checkpoint("x", r.run / "best.pth", force=True)
