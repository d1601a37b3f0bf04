"""Base vs tuned on held-back samples: one table (``ainimotion evaluate interp|upscale``).

Interpolation: every model predicts B from (A, C) at the triplet's ``t``; a plain blend
``(1 - t) A + t C`` is a row too (the baseline RIFE must beat). Columns: PSNR and SSIM
(:mod:`ainimotion_vs.evaluation.metrics`), the line-map F-score, and the worst decile (the
mean PSNR of the worst 10 % of triplets, at least one).

Line map (binary, for scoring): a pixel is line art when its BT.709 luma is more than
``LINE_LEVELS`` (10) levels darker than its Gaussian (sigma 2 px) neighbourhood: anime line
art is thin dark strokes on flat fills, and a difference of Gaussians finds strokes a few
pixels wide whatever the fill colour. F-score with a 1-pixel tolerance (each map dilated 3x3
when matched against the other): precision = predicted line pixels near a true one,
recall = true line pixels near a predicted one; 1.0 when neither frame has lines.

Upscaling: every model upscales the degraded input; a bicubic row is the baseline. Fidelity
(PSNR, SSIM against the high-quality crop, worst decile) and temporal stability on holds:
the flicker ``mean |up(lr) - up(lr_hold)|`` in 8-bit levels between the outputs of a drawing
and of its held copy (whose inputs differ only by codec noise), beside the same figure of the
high-quality frames (what the source itself shows).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SettingsError, UnsupportedFormatError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["LINE_LEVELS", "line_map", "line_fscore", "worst_decile", "EvalRow", "evaluate", "format_table"]

LINE_LEVELS = 10.0
_LINE_SIGMA = 2.0


def line_map(rgb: np.ndarray) -> np.ndarray:
    """Boolean (H, W) map of line-art pixels of an (H, W, 3) uint8 RGB frame."""
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    from ..evaluation.metrics import luma

    y = luma(rgb).astype(np.float32)
    local = cv2.GaussianBlur(y, (0, 0), _LINE_SIGMA, borderType=cv2.BORDER_REPLICATE)
    return (local - y) > LINE_LEVELS


def line_fscore(pred: np.ndarray, truth: np.ndarray) -> float:
    """F-score of the line map of ``pred`` against that of ``truth`` (1-pixel tolerance)."""
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    p, t = line_map(pred), line_map(truth)
    if not p.any() and not t.any():
        return 1.0
    if not p.any() or not t.any():
        return 0.0
    k = np.ones((3, 3), np.uint8)
    t_near = cv2.dilate(t.astype(np.uint8), k).astype(bool)
    p_near = cv2.dilate(p.astype(np.uint8), k).astype(bool)
    precision = float((p & t_near).sum() / p.sum())
    recall = float((t & p_near).sum() / t.sum())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def worst_decile(values: "list[float] | np.ndarray") -> float:
    """Mean of the lowest 10 % of ``values`` (at least one value)."""
    v = np.sort(np.asarray(values, np.float64))
    if v.size == 0:
        return float("nan")
    return float(v[: max(1, int(math.ceil(0.1 * v.size)))].mean())


@dataclass(frozen=True)
class EvalRow:
    """One model's figures on the held-back samples."""

    model: str
    samples: int
    psnr: float
    ssim: float
    worst_psnr: float
    line_f: float = float("nan")
    """Interp only."""
    flicker: float = float("nan")
    """Upscale only: levels between the outputs of a drawing and its held copy."""
    flicker_source: float = float("nan")


def _to_u8(x: "torch.Tensor") -> np.ndarray:
    return (x.clamp(0, 1) * 255.0).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def _pad(x: "torch.Tensor", multiple: int) -> "torch.Tensor":
    import torch.nn.functional as F

    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x


def _run_interp(name: str, a: np.ndarray, c: np.ndarray, t: np.ndarray, device: str, batch: int) -> np.ndarray:
    import torch

    from ..models.load import load_network
    from ..models.spec import spec_for_task

    spec = spec_for_task(name, task="interpolate", func="evaluate")
    net = load_network(spec, device=device)
    out = []
    h, w = a.shape[1:3]
    with torch.no_grad():
        for i in range(0, len(a), batch):
            ta = torch.from_numpy(a[i:i + batch]).permute(0, 3, 1, 2).float().div(255).to(device)
            tc = torch.from_numpy(c[i:i + batch]).permute(0, 3, 1, 2).float().div(255).to(device)
            tt = torch.from_numpy(t[i:i + batch]).float().view(-1, 1, 1, 1).to(device) * torch.ones_like(ta[:, :1])
            x = _pad(torch.cat((ta, tc, tt), 1), spec.size_multiple)
            out.append(_to_u8(net(x)[..., :h, :w]))
    return np.concatenate(out)


def _run_upscale(name: str, lr: np.ndarray, device: str, batch: int) -> np.ndarray:
    import torch

    from ..models.load import load_network
    from ..models.spec import spec_for_task

    spec = spec_for_task(name, task="upscale", func="evaluate")
    net = load_network(spec, device=device)
    out = []
    with torch.no_grad():
        for i in range(0, len(lr), batch):
            x = torch.from_numpy(lr[i:i + batch]).permute(0, 3, 1, 2).float().div(255).to(device)
            out.append(_to_u8(net(x)))
    return np.concatenate(out)


def _scores(pred: np.ndarray, truth: np.ndarray, *, lines: bool) -> tuple[list[float], list[float], list[float]]:
    from ..evaluation.metrics import psnr, ssim

    ps = [psnr(p, q, data_range=255) for p, q in zip(pred, truth)]
    ss = [ssim(p, q, data_range=255) for p, q in zip(pred, truth)]
    fs = [line_fscore(p, q) for p, q in zip(pred, truth)] if lines else []
    return ps, ss, fs


def _mean_finite(v: list[float]) -> float:
    # identical frames score inf dB; cap at 100 dB so one exact match does not make the mean inf
    return float(np.mean([min(x, 100.0) for x in v])) if v else float("nan")


def evaluate(
    task: str, data: "Path | str", models: "list[str]", *, split: str = "val", spacing: str = "even", device: str = "cpu", batch: int = 4
) -> list[EvalRow]:
    """Figures of each model (and the blend / bicubic baseline, first) on one split of a dataset
    (interp: triplets with equal gaps only unless ``spacing="all"``)."""
    from ._deps import cv2 as _cv2

    cv2 = _cv2("train")

    from .datasets import load_manifest, load_samples

    func = "evaluate"
    if task not in ("interp", "upscale"):
        raise SettingsError(f"{func}: task must be 'interp' or 'upscale'; got {task!r}.")
    if split not in ("val", "train", "all"):
        raise SettingsError(f"{func}: split must be 'val', 'train' or 'all'; got {split!r}.")
    manifest = load_manifest(data, kind=task, func=func)
    rows: list[EvalRow] = []
    if task == "interp":
        smp, img = load_samples(data, manifest, split=split, roles=("a", "b", "c"), spacing=spacing, func=func)
        if not smp:
            raise UnsupportedFormatError(f"{func}: {data} has no {split!r} triplets; curate more sources or use --split all.")
        t = np.array([x["t"] for x in smp], np.float32)
        blend = np.clip(np.rint((1 - t)[:, None, None, None] * img["a"] + t[:, None, None, None] * img["c"]), 0, 255).astype(np.uint8)
        preds = [("blend", blend)] + [(m, _run_interp(m, img["a"], img["c"], t, device, batch)) for m in models]
        for name, pred in preds:
            ps, ss, fs = _scores(pred, img["b"], lines=True)
            rows.append(EvalRow(name, len(smp), _mean_finite(ps), float(np.mean(ss)), worst_decile(ps), line_f=float(np.mean(fs))))
        return rows
    smp, img = load_samples(data, manifest, split=split, roles=("lr", "hq"), func=func)
    if not smp:
        raise UnsupportedFormatError(f"{func}: {data} has no {split!r} frames; curate more sources or use --split all.")
    held, himg = load_samples(data, manifest, split=split, roles=("lr", "hq", "lr_hold", "hq_hold"), func=func)
    h, w = img["hq"].shape[1:3]

    def bicubic(lr: np.ndarray) -> np.ndarray:
        return np.stack([cv2.resize(x, (w, h), interpolation=cv2.INTER_CUBIC) for x in lr]) if len(lr) else lr

    src_flicker = float(np.abs(himg["hq"].astype(np.float64) - himg["hq_hold"]).mean()) if held else float("nan")
    runs = [("bicubic", bicubic)] + [(m, (lambda lr, m=m: _run_upscale(m, lr, device, batch))) for m in models]
    for name, fn in runs:
        pred = fn(img["lr"])
        ps, ss, _ = _scores(pred, img["hq"], lines=False)
        flick = float("nan")
        if held:
            flick = float(np.abs(fn(himg["lr"]).astype(np.float64) - fn(himg["lr_hold"])).mean())
        rows.append(EvalRow(name, len(smp), _mean_finite(ps), float(np.mean(ss)), worst_decile(ps), flicker=flick, flicker_source=src_flicker))
    return rows


def format_table(task: str, rows: list[EvalRow]) -> str:
    """The rows as one Markdown table."""
    from ..evaluation.tables import fmt, markdown_table

    if task == "interp":
        head = ["model", "triplets", "PSNR dB", "SSIM", "line F", "worst 10% PSNR"]
        body = [[r.model, r.samples, fmt(r.psnr), fmt(r.ssim, 4), fmt(r.line_f, 3), fmt(r.worst_psnr)] for r in rows]
    else:
        head = ["model", "frames", "PSNR dB", "SSIM", "worst 10% PSNR", "flicker on holds (source)"]
        body = [[r.model, r.samples, fmt(r.psnr), fmt(r.ssim, 4), fmt(r.worst_psnr), f"{fmt(r.flicker, 3)} ({fmt(r.flicker_source, 3)})"] for r in rows]
    return markdown_table(head, body)
