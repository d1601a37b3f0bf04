"""RIFE IFNet of the Practical-RIFE 4.25/4.26 family, written from the published
architecture and the state-dict shapes.

Structure (names match the released ``flownet.pkl`` keys):

- ``encode``: a small feature head, RGB -> 4 channels at full resolution
  (conv s2, two convs, transposed conv x2; LeakyReLU 0.2).
- ``block0`` .. ``block4``: IFBlocks with 192, 128, 96, 64, 32 channels run at
  1/16, 1/8, 1/4, 1/2, 1/1 of the frame. Each downsamples its input 4x more with two
  stride-2 convs, so frame sizes must be multiples of 64. Every block predicts two
  flows (t->0, t->1), a blend mask and 8 feature channels; later blocks refine the flow
  from frames and features warped with the current flow.
- the result blends the two warped frames with ``sigmoid(mask)``.

Inference matches Practical-RIFE's defaults for this family: ``scale_list`` (16, 8, 4, 2, 1),
no ensemble, no refinement net. The module is pure: no globals or caches; the sampling
grid is built inside ``forward`` from the input shape with ``torch.arange``, so the
network exports to ONNX with dynamic height and width.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["IFNet", "warp"]

_SCALES = (16.0, 8.0, 4.0, 2.0, 1.0)
_BLOCK_CHANNELS = (192, 128, 96, 64, 32)


def warp(img: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward-warp ``img`` (N, C, H, W) by ``flow`` (N, 2, H, W) in pixels (x, y), border padding.

    Same sampling as RIFE's warp (bilinear, ``align_corners=True``), with the grid made
    from ``arange`` over the flow's own size.
    """
    n, _, h, w = flow.shape
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype).view(1, 1, 1, w)
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype).view(1, 1, h, 1)
    # Normalised coordinate of pixel i with align_corners=True: i * 2 / (size - 1) - 1.
    gx = (xs + flow[:, 0:1]) * (2.0 / (w - 1.0)) - 1.0
    gy = (ys + flow[:, 1:2]) * (2.0 / (h - 1.0)) - 1.0
    grid = torch.cat((gx, gy), 1).permute(0, 2, 3, 1)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=True)


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2))


class _Head(nn.Module):
    """Feature encoder: RGB -> 4 channels, same size (H, W even)."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn0 = nn.Conv2d(3, 16, 3, 2, 1)
        self.cnn1 = nn.Conv2d(16, 16, 3, 1, 1)
        self.cnn2 = nn.Conv2d(16, 16, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(16, 4, 4, 2, 1)
        self.relu = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class _ResConv(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, c, 1, 1)))
        self.relu = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x) * self.beta + x)


class _IFBlock(nn.Module):
    """One coarse-to-fine level: returns (flow 4ch, mask 1ch, features 8ch) at input size."""

    def __init__(self, cin: int, c: int) -> None:
        super().__init__()
        self.conv0 = nn.Sequential(_conv(cin, c // 2, 2), _conv(c // 2, c, 2))
        self.convblock = nn.Sequential(*(_ResConv(c) for _ in range(8)))
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * 13, 4, 2, 1), nn.PixelShuffle(2))

    def forward(
        self, x: torch.Tensor, flow: torch.Tensor | None, scale: float
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear", align_corners=False) * (1.0 / scale)
            x = torch.cat((x, flow), 1)
        feat = self.convblock(self.conv0(x))
        tmp = self.lastconv(feat)
        tmp = F.interpolate(tmp, scale_factor=scale, mode="bilinear", align_corners=False)
        return tmp[:, :4] * scale, tmp[:, 4:5], tmp[:, 5:]


class IFNet(nn.Module):
    """RIFE 4.25-family IFNet.

    ``forward(x)``: ``x`` is ``(N, 7, H, W)`` float in [0, 1] (channels 0-2 frame 0 RGB,
    3-5 frame 1 RGB, 6 the timestep plane), H and W multiples of 64; returns the frame at
    that time, ``(N, 3, H, W)``, not clamped. :meth:`interpolate` is the raw
    ``(img0, img1, timestep)`` call.
    """

    in_channels = 7
    size_multiple = 64

    def __init__(self) -> None:
        super().__init__()
        c = _BLOCK_CHANNELS
        self.block0 = _IFBlock(7 + 8, c[0])
        self.block1 = _IFBlock(8 + 4 + 8 + 8, c[1])
        self.block2 = _IFBlock(8 + 4 + 8 + 8, c[2])
        self.block3 = _IFBlock(8 + 4 + 8 + 8, c[3])
        self.block4 = _IFBlock(8 + 4 + 8 + 8, c[4])
        self.encode = _Head()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run(x[:, 0:3], x[:, 3:6], x[:, 6:7])

    def interpolate(self, img0: torch.Tensor, img1: torch.Tensor, timestep: "float | torch.Tensor" = 0.5) -> torch.Tensor:
        """The frame between ``img0`` and ``img1`` (each ``(N, 3, H, W)`` in [0, 1]) at
        ``timestep`` (a float in [0, 1], or a tensor broadcastable to ``(N, 1, H, W)``)."""
        plane = torch.ones_like(img0[:, :1])
        t = plane * timestep if not torch.is_tensor(timestep) else plane * timestep.to(plane)
        return self._run(img0, img1, t)

    def _run(self, img0: torch.Tensor, img1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        f0 = self.encode(img0)
        f1 = self.encode(img1)
        blocks = (self.block0, self.block1, self.block2, self.block3, self.block4)
        flow, mask, feat = blocks[0](torch.cat((img0, img1, f0, f1, t), 1), None, _SCALES[0])
        warped0 = warp(img0, flow[:, :2])
        warped1 = warp(img1, flow[:, 2:4])
        for block, scale in zip(blocks[1:], _SCALES[1:]):
            wf0 = warp(f0, flow[:, :2])
            wf1 = warp(f1, flow[:, 2:4])
            fd, mask, feat = block(torch.cat((warped0, warped1, wf0, wf1, t, mask, feat), 1), flow, scale)
            flow = flow + fd
            warped0 = warp(img0, flow[:, :2])
            warped1 = warp(img1, flow[:, 2:4])
        m = torch.sigmoid(mask)
        return warped0 * m + warped1 * (1.0 - m)
