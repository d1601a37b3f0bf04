"""SRVGGNetCompact (Real-ESRGAN's compact video model, e.g. realesr-animevideov3),
written from the published architecture and the state-dict shapes.

``body`` is a flat list whose indices match the released ``.pth`` keys:
conv(3 -> F), PReLU, then ``num_conv`` x (conv(F -> F), PReLU), then conv(F -> 3*s*s);
the result is pixel-shuffled by ``s`` and added to the nearest-upsampled input.
Works at any input size.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SRVGGNetCompact"]


class SRVGGNetCompact(nn.Module):
    """``forward(x)``: ``(N, 3, H, W)`` in [0, 1] -> ``(N, 3, H*upscale, W*upscale)`` (not clamped)."""

    in_channels = 3
    size_multiple = 1

    def __init__(self, *, num_feat: int = 64, num_conv: int = 16, upscale: int = 4, in_ch: int = 3, out_ch: int = 3) -> None:
        super().__init__()
        self.upscale = upscale
        layers: list[nn.Module] = [nn.Conv2d(in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers.append(nn.Conv2d(num_feat, out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        out = F.pixel_shuffle(out, self.upscale)
        return out + F.interpolate(x, scale_factor=float(self.upscale), mode="nearest")
