"""The one PSNR and SSIM against values worked out by hand from their formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
from ainimotion_vs.evaluation import luma, psnr, ssim

# All arithmetic is float64 over at most a few thousand terms: relative rounding error is
# below ~1e3 * 2.2e-16 ~ 2e-13, so 1e-12 leaves a margin and still catches any wrong constant.
REL = 1e-12


def test_psnr_of_a_uniform_error_is_the_formula():
    # every sample off by 3 levels: MSE = 9, PSNR = 10 log10(255^2 / 9) = 20 log10(85)
    a = np.zeros((7, 9, 3), np.uint8)
    b = np.full((7, 9, 3), 3, np.uint8)  # uint8 would wrap in a - b; the metric must not
    assert psnr(a, b, data_range=255) == pytest.approx(20 * math.log10(85), rel=REL)
    assert psnr(b, a, data_range=255) == pytest.approx(38.58837851428586, rel=REL)


def test_psnr_scales_with_the_data_range_and_is_inf_when_equal():
    a = np.zeros((4, 4), np.float32)
    b = np.full((4, 4), 0.5, np.float32)  # 0.5 is exact in float32: MSE = 0.25 exactly
    assert psnr(a, b, data_range=1.0) == pytest.approx(10 * math.log10(1 / 0.25), rel=REL)
    assert psnr(a.astype(np.uint16), a.astype(np.uint16) + 4, data_range=1023) == pytest.approx(
        10 * math.log10(1023**2 / 16), rel=REL)
    assert psnr(b, b, data_range=1.0) == math.inf


def test_ssim_of_identical_images_is_one():
    img = np.random.default_rng(1).integers(0, 256, (30, 41, 3), dtype=np.uint8)
    assert ssim(img, img, data_range=255) == pytest.approx(1.0, rel=REL)


def test_ssim_of_a_constant_shift_is_the_luminance_term():
    # flat 100 vs flat 110: all variances are 0, so SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1)
    # with C1 = (0.01 * 255)^2 = 6.5025: (22000 + 6.5025) / (10000 + 12100 + 6.5025)
    x = np.full((20, 30), 100, np.uint8)
    assert ssim(x, x + 10, data_range=255) == pytest.approx(22006.5025 / 22106.5025, rel=REL)
    # the same in [0, 1] floats: the constants scale with L, so the index is the same
    assert ssim(x / 255.0, (x + 10) / 255.0, data_range=1.0) == pytest.approx(22006.5025 / 22106.5025, rel=REL)


def _ssim_by_windows(x: np.ndarray, y: np.ndarray, L: float) -> float:
    """The paper's definition computed window by window with the 2-D Gaussian (a second,
    independent reading of 'valid' region, 11x11, sigma 1.5, K1 0.01, K2 0.03)."""
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    vals = []
    for i in range(x.shape[0] - 10):
        for j in range(x.shape[1] - 10):
            px, py = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
            mx, my = (w * px).sum(), (w * py).sum()
            vx, vy = (w * (px - mx) ** 2).sum(), (w * (py - my) ** 2).sum()
            cxy = (w * (px - mx) * (py - my)).sum()
            vals.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(vals))


# (14, 17): one block of rows; (75, 16): 65 output rows, more than one block of the filter
@pytest.mark.parametrize("shape", [(14, 17), (75, 16)])
def test_ssim_matches_the_window_by_window_definition_on_the_valid_region(shape):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, shape).astype(np.float64)
    y = np.clip(x + rng.normal(0, 60, x.shape), 0, 255)
    want = _ssim_by_windows(x, y, 255.0)
    # the separable filter computes E[x^2] - E[x]^2 instead of E[(x - E x)^2]: with values up to
    # 255^2 ~ 6.5e4 and variances ~ 4e2, cancellation costs ~ 6.5e4 / 4e2 * 2.2e-16 ~ 4e-14
    # relative per term: 1e-10 is far above that and far below any edge-handling difference.
    assert ssim(x, y, data_range=255) == pytest.approx(want, rel=1e-10)
    assert 0.2 < want < 0.95  # a real, non-trivial case


def test_ssim_of_rgb_is_the_ssim_of_its_bt709_luma():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert ssim(a, b, data_range=255) == ssim(luma(a), luma(b), data_range=255)
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    assert luma(px)[0].tolist() == pytest.approx([0.2126 * 255, 0.7152 * 255, 0.0722 * 255], rel=REL)


def test_metrics_reject_bad_inputs():
    a = np.zeros((12, 12))
    with pytest.raises(UnsupportedFormatError, match=r"psnr: the two arrays must have the same shape"):
        psnr(a, np.zeros((12, 13)), data_range=255)
    with pytest.raises(SettingsError, match=r"psnr: data_range must be a finite positive number"):
        psnr(a, a, data_range=0)
    with pytest.raises(SettingsError, match=r"ssim: data_range must be a number"):
        ssim(a, a, data_range="255")
    with pytest.raises(UnsupportedFormatError, match=r"ssim: images must be at least 11x11"):
        ssim(np.zeros((10, 40)), np.zeros((10, 40)), data_range=255)
    with pytest.raises(UnsupportedFormatError, match=r"ssim: expected 2-D arrays or \(H, W, 3\)"):
        ssim(np.zeros((12, 12, 4)), np.zeros((12, 12, 4)), data_range=255)
    with pytest.raises(UnsupportedFormatError, match=r"psnr: the arrays are empty"):
        psnr(np.zeros((0, 3)), np.zeros((0, 3)), data_range=1.0)
    with pytest.raises(UnsupportedFormatError, match=r"luma: expected an \(H, W, 3\) RGB array"):
        luma(np.zeros((4, 4)))
