"""``train()``: fine-tune RIFE or the upscaler from its shipped weights on a curated dataset.

- Start: the shipped weights of ``base`` (``rife-4.25``, ``realesr-animevideov3``), all
  parameters trainable, train mode (the networks have no batch norm or dropout).
- Loss: interp ``charbonnier(pred, B) + line_weight * line_loss(pred, B)`` with ``pred`` the
  network's frame at the triplet's ``t``; upscale ``charbonnier(net(lr), hq)``
  (:mod:`.losses`). No perceptual term: its weights (VGG) come from no package we depend on.
- AdamW (betas 0.9/0.999), a linear warm-up over ``warmup`` steps then a cosine decay to
  ``min_lr_ratio`` of the rate at ``steps``; gradients clipped to norm 1 (a fine-tune must
  not be thrown off by one bad batch); ``accum`` micro-batches per step.
- Mixed precision (fp16 autocast + GradScaler) on CUDA only; fp32 on the CPU.
- Data: every step draws ``batch`` samples, a random ``crop`` window, random flips and (interp)
  time reversal (A<->C, t -> 1 - t) from one ``torch.Generator`` seeded with ``seed``; its
  state is saved, so a resumed run draws what the uninterrupted one would have.
- Every ``val_every`` steps (and at step 0, the base model): the loss on the held-back split
  (centre crops); the lowest writes ``best.pth``. Without a val split ``best.pth`` is the last.
- ``RUN/log.csv`` (one row per step), ``RUN/loss.png`` (matplotlib, when installed),
  ``RUN/last.pth`` every ``save_every`` steps, at the end and when ``time_limit`` runs out.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SettingsError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["TrainSettings", "TrainResult", "BASE_MODELS", "train"]

log = logging.getLogger("ainimotion_vs")

BASE_MODELS = {"interp": "rife-4.25", "upscale": "realesr-animevideov3"}
"""The shipped model each task fine-tunes by default."""
_TASKS = {"interp": "interpolate", "upscale": "upscale"}
_LOG_FIELDS = ("step", "lr", "loss", "rec", "line", "val_loss", "seconds")


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """One training run. A resumed run keeps its settings except ``time_limit``/``stop_after``/``device``."""

    steps: int = 2000
    """Optimizer steps in the whole run (the cosine schedule ends here)."""
    crop: int = 128
    """Training crop side in output pixels (interp: a multiple of 64, RIFE's size multiple)."""
    batch: int = 4
    accum: int = 1
    """Micro-batches per optimizer step (gradient accumulation)."""
    lr: float = 3e-5
    """Peak learning rate (fine-tuning: ~1/10 of the rate these models were trained with)."""
    min_lr_ratio: float = 0.05
    weight_decay: float = 1e-4
    warmup: int = -1
    """Warm-up steps; -1: 5 % of ``steps``, at most 100."""
    line_weight: float = 0.5
    """Weight of the line-stability term (interp)."""
    spacing: str = "even"
    """Interp: ``"even"`` trains on triplets with equal gaps only (B is halfway in time, as far
    as the frame grid tells); ``"all"`` adds uneven ones at ``t = (B - A) / (C - A)``, which
    assumes even motion over an uneven hold: eased timing breaks it."""
    seed: int = 0
    val_every: int = 0
    """Validate every this many steps; 0: 20 times per run (at least every 50 steps)."""
    val_max: int = 64
    """At most this many held-back samples in the validation loss."""
    save_every: int = 0
    """Write ``last.pth`` every this many steps; 0: as often as validation."""
    augment: bool = True
    fixed_batch: bool = False
    """Every step trains on the same first ``batch`` samples, centre crop, no augmentation
    (the overfit check: the loss must fall)."""
    base: str = ""
    """Model to start from; "" for the task's shipped model (:data:`BASE_MODELS`)."""
    device: str = "auto"
    """``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``..."""
    amp: bool = True
    """fp16 autocast with a GradScaler on CUDA (ignored on the CPU)."""
    time_limit: float = 0.0
    """Stop (with a checkpoint) after this many seconds of this session; 0: no limit."""
    stop_after: int = 0
    """Stop after this many steps of this session (to split a run); 0: no limit."""

    def validate(self, func: str) -> None:
        """Raise SettingsError naming the bad field and how to fix it."""
        for name in ("steps", "crop", "batch", "accum"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{func}: {name} must be at least 1; got {getattr(self, name)}.")
        if not self.lr > 0 or not 0 <= self.min_lr_ratio <= 1 or self.weight_decay < 0 or self.line_weight < 0:
            raise SettingsError(f"{func}: lr must be > 0, min_lr_ratio in [0, 1], weight_decay and line_weight >= 0.")
        if min(self.val_every, self.save_every, self.stop_after) < 0 or self.time_limit < 0:
            raise SettingsError(f"{func}: val_every, save_every, stop_after and time_limit must be >= 0.")


@dataclass(frozen=True)
class TrainResult:
    """What a run left: its folder, the last step reached, whether it finished, losses."""

    run: Path
    step: int
    finished: bool
    best_val: float
    base_val: float
    losses: list[float]
    """Training loss of every step of this session."""


def _device(name: str) -> "torch.device":
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SettingsError(f"train: device {name!r} asked for but CUDA is not available; use --device cpu.")
    return dev


class _Data:
    """Training and validation tensors and the seeded batch sampler."""

    def __init__(self, data: Path, task: str, s: TrainSettings, scale: int, multiple: int, func: str) -> None:
        import torch

        from .datasets import load_manifest, load_samples

        self.task, self.scale = task, scale
        manifest = load_manifest(data, kind=task, func=func)
        self.manifest = manifest
        roles = ("a", "b", "c") if task == "interp" else ("lr", "hq")
        train, imgs = load_samples(data, manifest, split="train", roles=roles, spacing=s.spacing, func=func)
        if not train:
            raise UnsupportedFormatError(f"{func}: {data} has no training samples; curate more sources (or a smaller val_fraction).")
        val, vimgs = load_samples(data, manifest, split="val", roles=roles, spacing=s.spacing, func=func)
        stored = imgs[roles[-1]].shape[1]
        if s.crop % multiple or s.crop > stored:
            raise SettingsError(
                f"{func}: crop must be a multiple of {multiple} and at most the stored crop {stored}; got {s.crop}."
            )

        def tens(a: np.ndarray) -> "torch.Tensor":
            return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))

        self.x = {r: tens(imgs[r]) for r in roles}
        self.t = torch.tensor([x.get("t", 0.5) for x in train], dtype=torch.float32)
        n_val = min(len(val), s.val_max)
        self.val = {r: tens(vimgs[r][:n_val]) for r in roles} if n_val else None
        self.val_t = torch.tensor([x.get("t", 0.5) for x in val[:n_val]], dtype=torch.float32)
        self.n = len(train)
        self.crop = s.crop
        self.stored = stored

    def _cut(self, x: "torch.Tensor", ys: "torch.Tensor", xs: "torch.Tensor", size: int) -> "torch.Tensor":
        import torch

        return torch.stack([x[i, :, int(y):int(y) + size, int(xx):int(xx) + size] for i, (y, xx) in enumerate(zip(ys, xs))])

    def batch(self, g: "torch.Generator", batch: int, s: TrainSettings) -> dict[str, "torch.Tensor"]:
        """One batch: float tensors in [0, 1] and (interp) ``t``."""
        import torch

        crop, scale = self.crop, self.scale
        if s.fixed_batch:
            idx = torch.arange(batch) % self.n
            off = torch.full((batch,), (self.stored - crop) // 2 // scale * scale)
            ys = xs = off
            flips = torch.zeros((batch, 3), dtype=torch.bool)
        else:
            idx = torch.randint(self.n, (batch,), generator=g)
            span = (self.stored - crop) // scale + 1
            ys = torch.randint(span, (batch,), generator=g) * scale
            xs = torch.randint(span, (batch,), generator=g) * scale
            flips = torch.rand((batch, 3), generator=g) < 0.5
            if not s.augment:
                flips[:] = False
        out: dict[str, torch.Tensor] = {}
        for r, x in self.x.items():
            if r == "lr":
                out[r] = self._cut(x[idx], ys // scale, xs // scale, crop // scale)
            else:
                out[r] = self._cut(x[idx], ys, xs, crop)
        t = self.t[idx].clone()
        for i in range(batch):
            for r in out:
                if flips[i, 0]:
                    out[r][i] = out[r][i].flip(-1)
                if flips[i, 1]:
                    out[r][i] = out[r][i].flip(-2)
            if self.task == "interp" and flips[i, 2]:
                out["a"][i], out["c"][i] = out["c"][i].clone(), out["a"][i].clone()
                t[i] = 1.0 - t[i]
        res = {r: v.float() / 255.0 for r, v in out.items()}
        res["t"] = t
        return res

    def val_batches(self, size: int) -> list[dict[str, "torch.Tensor"]]:
        """Centre crops of the held-back samples, in batches of ``size``."""
        if self.val is None:
            return []
        crop, scale = self.crop, self.scale
        o = (self.stored - crop) // 2 // scale * scale
        out = []
        n = next(iter(self.val.values())).shape[0]
        for i in range(0, n, size):
            b: dict[str, Any] = {}
            for r, x in self.val.items():
                if r == "lr":
                    b[r] = x[i:i + size, :, o // scale:(o + crop) // scale, o // scale:(o + crop) // scale].float() / 255.0
                else:
                    b[r] = x[i:i + size, :, o:o + crop, o:o + crop].float() / 255.0
            b["t"] = self.val_t[i:i + size]
            out.append(b)
        return out


def _losses(net: "torch.nn.Module", b: dict, task: str, s: TrainSettings, device: "torch.device") -> tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"]:
    import torch

    from .losses import charbonnier, line_loss

    if task == "interp":
        a, c, target = b["a"].to(device), b["c"].to(device), b["b"].to(device)
        t = b["t"].to(device).view(-1, 1, 1, 1) * torch.ones_like(a[:, :1])
        pred = net(torch.cat((a, c, t), 1))
        rec = charbonnier(pred, target)
        line = line_loss(pred, target)
        return rec + s.line_weight * line, rec, line
    pred = net(b["lr"].to(device))
    rec = charbonnier(pred, b["hq"].to(device))
    return rec, rec, torch.zeros((), device=device)


def _lr_factor(step: int, s: TrainSettings) -> float:
    warm = s.warmup if s.warmup >= 0 else min(100, s.steps // 20)
    if step < warm:
        return (step + 1) / warm
    p = (step - warm) / max(1, s.steps - warm)
    return s.min_lr_ratio + (1 - s.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, p)))


def _validate_loss(net: "torch.nn.Module", data: _Data, s: TrainSettings, device: "torch.device", amp: bool) -> float:
    import torch

    batches = data.val_batches(max(1, s.batch))
    if not batches:
        return float("nan")
    net.eval()
    total, count = 0.0, 0
    with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
        for b in batches:
            loss, _, _ = _losses(net, b, data.task, s, device)
            n = b["t"].shape[0]
            total += float(loss) * n
            count += n
    net.train()
    return total / count


def _write_log(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=_LOG_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in _LOG_FIELDS})
    tmp.replace(path)


def _read_log(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [dict(r) for r in csv.DictReader(f)]


def _plot(run: Path, rows: list[dict]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("train: matplotlib is not installed; no loss.png (`pip install matplotlib`)")
        return
    steps = [int(r["step"]) for r in rows if r.get("loss") not in ("", None)]
    loss = [float(r["loss"]) for r in rows if r.get("loss") not in ("", None)]
    vs_ = [(int(r["step"]), float(r["val_loss"])) for r in rows if r.get("val_loss") not in ("", None) and r["val_loss"] != "nan"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if loss:
        ax.plot(steps, loss, lw=0.6, alpha=0.5, label="train (per step)")
        k = max(1, len(loss) // 50)
        if k > 1:
            sm = np.convolve(loss, np.ones(k) / k, mode="valid")
            ax.plot(steps[k - 1:], sm, lw=1.5, label=f"train (mean of {k})")
    if vs_:
        ax.plot(*zip(*vs_), "o-", label="held-back")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = run / ".loss.png.part"
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(run / "loss.png")


def train(task: str, data: "Path | str", run: "Path | str", *, settings: TrainSettings | None = None, resume: bool = False) -> TrainResult:
    """Fine-tune the ``task`` model (``"interp"`` or ``"upscale"``) on dataset ``data`` into folder ``run``.

    ``resume=True`` continues from ``run/last.pth`` with the run's own settings; only
    ``time_limit``, ``stop_after`` and ``device`` are taken from ``settings``.
    """
    import torch

    from ..models.load import load_network
    from ..models.spec import spec_for_task
    from .checkpoints import load_state, save_model, save_state

    func = "train"
    if task not in BASE_MODELS:
        raise SettingsError(f"{func}: task must be 'interp' or 'upscale'; got {task!r}.")
    s = settings or TrainSettings()
    run = Path(run)
    data = Path(data)
    state = None
    if resume:
        state = load_state(run / "last.pth", func=func)
        saved = TrainSettings(**state["settings"])
        # the run's own settings (a changed step count would change the schedule): only the
        # session limits and the device come from this call
        s = replace(saved, time_limit=s.time_limit, stop_after=s.stop_after, device=s.device)
        if state["task"] != task:
            raise SettingsError(f"{func}: {run} is a {state['task']} run; resume it with `ainimotion train {state['task']}`.")
    elif (run / "last.pth").exists():
        raise SettingsError(f"{func}: {run} already holds a run; pass --resume to continue it, or choose another --out.")
    s.validate(func)
    base = spec_for_task(s.base or BASE_MODELS[task], task=_TASKS[task], func=func)
    device = _device(s.device)
    amp = s.amp and device.type == "cuda"
    data_ = _Data(data, task, s, base.scale if task == "upscale" else 1, base.size_multiple if task == "interp" else 2 * base.scale, func)
    if task == "upscale" and data_.manifest.get("scale") != base.scale:
        raise SettingsError(f"{func}: the dataset is x{data_.manifest.get('scale')} but {base.name} is x{base.scale}; curate with --scale {base.scale}.")

    net = load_network(base, device=device)
    for p in net.parameters():
        p.requires_grad_(True)
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=s.lr, betas=(0.9, 0.999), weight_decay=s.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: _lr_factor(i, s))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    g = torch.Generator().manual_seed(s.seed)
    start, best_val, base_val = 0, float("inf"), float("nan")
    run.mkdir(parents=True, exist_ok=True)
    rows = []
    if state is not None:
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        g.set_state(state["generator"])
        start, best_val, base_val = int(state["step"]), float(state["best_val"]), float(state["base_val"])
        rows = [r for r in _read_log(run / "log.csv") if int(r["step"]) <= start]
    data_sha = _manifest_sha(data)
    meta = {"base": base.name, "task": base.task, "arch": base.arch, "data": str(data.resolve()), "data_manifest_sha256": data_sha}

    def checkpoint(step: int) -> None:
        save_state(run / "last.pth", {
            "task": task, "step": step, "settings": asdict(s), "model": net.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "scaler": scaler.state_dict(), "generator": g.get_state(),
            "best_val": best_val, "base_val": base_val,
        })
        _write_log(run / "log.csv", rows)
        _plot(run, rows)

    has_val = data_.val is not None
    if start == 0:
        base_val = _validate_loss(net, data_, s, device, amp)
        rows = [{"step": 0, "val_loss": base_val}]
        (run / "settings.json").write_text(json.dumps({"task": task, **asdict(s), **meta}, indent=1) + "\n")
        if not has_val:
            log.warning("train: %s has no held-back samples; best.pth will be the last step", data)
    val_every = s.val_every or max(1, min(50, s.steps // 20))
    save_every = s.save_every or val_every
    t0 = time.monotonic()
    losses: list[float] = []
    step = start
    finished = start >= s.steps
    while step < s.steps:
        opt.zero_grad(set_to_none=True)
        tot = rec_t = line_t = 0.0
        for _ in range(s.accum):
            b = data_.batch(g, s.batch, s)
            # enable_grad: a caller (or a library it used) may have turned autograd off globally
            with torch.enable_grad(), torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
                loss, rec, line = _losses(net, b, task, s, device)
            scaler.scale(loss / s.accum).backward()
            tot += loss.item() / s.accum
            rec_t += rec.item() / s.accum
            line_t += line.item() / s.accum
        if not math.isfinite(tot):
            raise UnsupportedFormatError(f"{func}: the loss became {tot} at step {step + 1}; lower --lr (now {s.lr}).")
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        lr_now = opt.param_groups[0]["lr"]
        scaler.step(opt)
        scaler.update()
        sched.step()
        step += 1
        losses.append(tot)
        row: dict[str, Any] = {"step": step, "lr": f"{lr_now:.4e}", "loss": f"{tot:.6f}", "rec": f"{rec_t:.6f}",
                               "line": f"{line_t:.6f}", "seconds": f"{time.monotonic() - t0:.2f}"}
        finished = step >= s.steps
        stop = (s.stop_after and step - start >= s.stop_after) or (s.time_limit and time.monotonic() - t0 >= s.time_limit)
        if step % val_every == 0 or finished or stop:
            v = _validate_loss(net, data_, s, device, amp)
            row["val_loss"] = f"{v:.6f}"
            if (has_val and v < best_val) or (not has_val and (finished or stop)):
                best_val = v if has_val else best_val
                save_model(run / "best.pth", net.state_dict(), {**meta, "step": step, "val_loss": v, "base_val_loss": base_val})
            log.info("train: step %d/%d loss %.5f held-back %.5f (base %.5f)", step, s.steps, tot, v, base_val)
        rows.append(row)
        if step % save_every == 0 or finished or stop:
            checkpoint(step)
        if stop and not finished:
            log.info("train: stopped at step %d of %d; continue with --resume", step, s.steps)
            break
    if finished and not (run / "best.pth").exists():
        save_model(run / "best.pth", net.state_dict(), {**meta, "step": step, "val_loss": float("nan"), "base_val_loss": base_val})
    if not losses:
        _write_log(run / "log.csv", rows)
    return TrainResult(run=run, step=step, finished=finished, best_val=best_val, base_val=base_val, losses=losses)


def _manifest_sha(data: Path) -> str:
    import hashlib

    from .datasets import MANIFEST

    return hashlib.sha256((data / MANIFEST).read_bytes()).hexdigest()
