"""Test helper: numeric bounds derived from float arithmetic, not fitted to one machine.

Two float32 runs of the same network that differ only in the order of their sums (thread
count, SIMD width, memory layout, tiling, another runtime's kernels) do not give the same
bits. How far apart they may be follows from the arithmetic:

- one dot product of ``K`` terms rounds ``K`` times, each by at most ``eps`` (float32 unit
  roundoff ``2**-24``, about 6e-8) of the partial sum: the worst case is ``K * eps``
  relative to the sum of the terms' magnitudes;
- a relative L2 distance is an RMS over thousands of outputs, and the rounding errors of
  different orders are independent, so it grows like a random walk, ``sqrt(K) * eps``;
- ``L`` layers in series each add their own error (each layer passes on the error of its
  input about unchanged: weights of trained and default-initialised layers keep the scale);
- each of the two runs is that far from the exact result, so they may differ by twice that.

``layers`` and ``fan_in`` are counted from the network itself (:func:`depth_and_fan_in`):
every convolution or linear layer counts as a layer in series (parallel branches are
counted too, which only makes the bound looser), ``fan_in`` is the largest
``in_channels / groups * kernel area``.
"""
from __future__ import annotations

import math

__all__ = ["EPS32", "EPS16", "depth_and_fan_in", "reorder_rel_l2", "reorder_max_abs", "reduced_precision_rel_l2"]

EPS32 = 2.0**-24
"""float32 unit roundoff (half an ulp of 1.0)."""
EPS16 = 2.0**-11
"""float16 unit roundoff."""


def depth_and_fan_in(net) -> tuple[int, int]:
    """``(layers, largest fan-in)`` of a torch module: its convolutions and linear layers."""
    import torch

    layers, fan_in = 0, 1
    for m in net.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            k = m.kernel_size[0] * m.kernel_size[1]
            # a transposed convolution sums in_channels * k / stride^2 terms per output; k is an upper bound
            fan = (m.in_channels if isinstance(m, torch.nn.ConvTranspose2d) else m.in_channels // m.groups) * k
        elif isinstance(m, torch.nn.Linear):
            fan = m.in_features
        else:
            continue
        layers += 1
        fan_in = max(fan_in, fan)
    return max(layers, 1), fan_in


def reorder_rel_l2(layers: int, fan_in: int, *, eps: float = EPS32) -> float:
    """Relative L2 distance two runs may have when only the summation order differs:
    ``2 * layers * sqrt(fan_in) * eps`` (see the module docstring)."""
    return 2.0 * layers * math.sqrt(fan_in) * eps


def reorder_max_abs(layers: int, fan_in: int, *, magnitude: float = 1.0, eps: float = EPS32) -> float:
    """Largest absolute difference of one output when only the summation order differs,
    for values and partial sums of at most ``magnitude``: the worst case
    ``2 * layers * fan_in * eps * magnitude``."""
    return 2.0 * layers * fan_in * eps * magnitude


def reduced_precision_rel_l2(layers: int, *, eps: float = EPS16) -> float:
    """Relative L2 distance of a run that stores weights and values in fp16 (or computes in
    TF32: the same 10-bit mantissa) but accumulates in fp32, from an fp32 run: each layer
    rounds its weights and its input values once by at most ``eps``, ``layers`` layers in
    series: ``2 * layers * eps``."""
    return 2.0 * layers * eps
