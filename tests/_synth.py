"""Synthetic anime-like clips for tests: flat colours, dark outlines, drawings held on twos and
threes, cuts, flashes, fades, pans, credits, lip flap, grain and a real x264 round trip.

Every scenario returns a :class:`Scene`: the luma frames (uint8, N x H x W) and the true label of
every interval n -> n+1 ("cut" | "hold" | "motion", the last frame "cut"), known by
construction. :func:`to_clip` turns frames into a YUV420P8 VapourSynth clip (neutral chroma);
:func:`x264_roundtrip` encodes them with the real ffmpeg/libx264 and opens the result.

Other engineers may import this module; it depends only on numpy, VapourSynth and imageio-ffmpeg.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vapoursynth as vs

__all__ = [
    "Scene",
    "W",
    "H",
    "to_clip",
    "x264_roundtrip",
    "background",
    "draw_character",
    "shot",
    "scene_twos",
    "scene_cut",
    "scene_dark_cut",
    "scene_flash",
    "scene_fade",
    "scene_lip_flap",
    "scene_pan",
    "scene_slow_pan",
    "scene_credits",
    "scene_grain_hold",
    "scene_whip_pan",
    "SCENES",
    "line_art_still",
    "still_luma",
    "camera",
    "grain",
    "scene_slow_camera",
    "scene_streaks",
]

W, H = 320, 180


@dataclass(frozen=True)
class Scene:
    """Frames (N x H x W uint8 luma) and the true label of each interval (len N)."""

    frames: np.ndarray
    labels: tuple[str, ...]

    def __add__(self, other: Scene) -> Scene:
        """Concatenate two scenes with a cut between them."""
        labels = self.labels[:-1] + ("cut",) + other.labels
        return Scene(np.concatenate([self.frames, other.frames]), labels)


def to_clip(frames: np.ndarray, *, fps: int = 24) -> vs.VideoNode:
    """A YUV420P8 clip whose luma is ``frames`` (N x H x W uint8) and chroma neutral grey."""
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    n, h, w = frames.shape
    blank = vs.core.std.BlankClip(
        format=vs.YUV420P8, width=w, height=h, length=n, fpsnum=fps, fpsden=1, color=[0, 128, 128], keep=False
    )

    def _fill(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        out = f.copy()
        np.copyto(np.asarray(out[0]), frames[n])
        return out

    return vs.core.std.ModifyFrame(blank, blank, _fill)


def x264_roundtrip(frames: np.ndarray, path: Path, *, bitrate: str = "120k", fps: int = 24) -> vs.VideoNode:
    """Encode ``frames`` with the real ffmpeg/libx264 at a low bitrate to ``path`` (.mkv) and
    open it with BestSource: holds come back with real compression noise."""
    import imageio_ffmpeg

    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    n, h, w = frames.shape
    chroma = np.full((n, h // 2, w // 2), 128, np.uint8)
    raw = b"".join(frames[i].tobytes() + chroma[i].tobytes() * 2 for i in range(n))
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", bitrate, "-g", "12", "-bf", "2", str(path),
    ]  # fmt: skip
    proc = subprocess.run(cmd, input=raw, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return vs.core.bs.VideoSource(str(path), cachemode=0)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:h, 0:w].astype(np.float32)


def background(seed: int, *, width: int = W, height: int = H, dark: bool = False) -> np.ndarray:
    """A painted background: sky gradient, ground, buildings with outlines (float32 luma)."""
    rng = np.random.default_rng(seed)
    yy, xx = _grid(height, width)
    lo, hi = (14.0, 40.0) if dark else (90.0, 220.0)
    sky0, sky1 = rng.uniform(lo, hi, 2)
    img = sky0 + (sky1 - sky0) * yy / height
    ground = height * rng.uniform(0.6, 0.8)
    img[yy > ground] = rng.uniform(lo, hi)
    for _ in range(max(3, width // 40)):
        x0 = rng.uniform(0, width - 20)
        bw, bh = rng.uniform(15, 45), rng.uniform(20, height * 0.6)
        inside = (xx >= x0) & (xx < x0 + bw) & (yy > ground - bh) & (yy <= ground)
        edge = inside & ~((xx >= x0 + 2) & (xx < x0 + bw - 2) & (yy > ground - bh + 2))
        img[inside] = rng.uniform(lo, hi)
        img[edge] = lo * 0.5
        for _ in range(3):  # windows
            wx, wy = x0 + rng.uniform(3, max(4, bw - 8)), ground - rng.uniform(5, bh - 5)
            img[(abs(xx - wx) < 2.5) & (abs(yy - wy) < 2.5)] = hi * 0.95 if not dark else lo * 1.6
    return img.astype(np.float32)


def draw_character(
    img: np.ndarray, cx: float, cy: float, *, pose: float = 0.0, mouth: float = 0.0, scale: float = 1.0, dark: bool = False
) -> np.ndarray:
    """Draw a flat-coloured character with dark outlines; ``pose`` moves the arm, ``mouth`` opens
    the mouth (0..1). Returns a new array."""
    out = img.copy()
    h, w = out.shape
    yy, xx = _grid(h, w)
    ink = 4.0 if dark else 20.0
    skin, cloth = (52.0, 34.0) if dark else (225.0, 120.0)

    def ellipse(x: float, y: float, rx: float, ry: float, value: float) -> None:
        r = ((xx - x) / rx) ** 2 + ((yy - y) / ry) ** 2
        out[r <= (1 + 2.5 / min(rx, ry)) ** 2] = ink
        out[r <= 1] = value

    s = scale
    ellipse(cx, cy + 30 * s, 22 * s, 32 * s, cloth)  # body
    ax, ay = cx + 26 * s * np.cos(pose), cy + 20 * s - 26 * s * np.sin(pose)
    ellipse(ax, ay, 7 * s, 7 * s, skin)  # hand
    ellipse(cx, cy - 12 * s, 18 * s, 18 * s, skin)  # head
    ellipse(cx - 6 * s, cy - 15 * s, 2.5 * s, 3.5 * s, ink)  # eyes
    ellipse(cx + 6 * s, cy - 15 * s, 2.5 * s, 3.5 * s, ink)
    if mouth > 0:
        ellipse(cx, cy - 4 * s, 5 * s, max(1.0, 4 * s * mouth), ink)
    else:
        out[(abs(yy - (cy - 4 * s)) < 1) & (abs(xx - cx) < 4 * s)] = ink
    return out


def _u8(frames: list[np.ndarray]) -> np.ndarray:
    return np.clip(np.rint(np.stack(frames)), 0, 255).astype(np.uint8)


def shot(
    seed: int, drawings: int, *, on: int = 2, dark: bool = False, step: float = 4.0, last_label: str = "cut"
) -> Scene:
    """One shot: a character walking across a still background, each drawing held ``on`` frames."""
    bg = background(seed, dark=dark)
    frames, labels = [], []
    for d in range(drawings):
        drawing = draw_character(bg, 90 + d * step, 80, pose=0.3 * d, dark=dark)
        for k in range(on):
            frames.append(drawing)
            labels.append("hold" if k < on - 1 else "motion")
    labels[-1] = last_label
    return Scene(_u8(frames), tuple(labels))


def scene_twos(seed: int = 1) -> Scene:
    """A character animated on twos over a still background."""
    return shot(seed, 6, on=2)


def scene_cut(seed: int = 2) -> Scene:
    """Two shots on threes with a cut between them."""
    return shot(seed, 4, on=3) + shot(seed + 10, 4, on=3)


def scene_dark_cut(seed: int = 3) -> Scene:
    """A cut between two dark night shots of similar brightness and colour."""
    return shot(seed, 4, on=3, dark=True, step=3) + shot(seed + 10, 4, on=3, dark=True, step=3)


def scene_flash(seed: int = 4, *, length: int = 1) -> Scene:
    """Animation on twos with a white flash of ``length`` frames (an explosion/lightning) in it."""
    s = shot(seed, 7, on=2)
    frames = s.frames.astype(np.float32).copy()
    labels = list(s.labels)
    at = 6
    for i in range(at, at + length):
        frames[i] = np.clip(frames[i] * 0.3 + 200, 0, 255)  # a bright wash that keeps a trace of the picture
    labels[at - 1] = labels[at + length - 1] = "motion"  # into and out of the flash
    return Scene(_u8(list(frames)), tuple(labels))


def scene_fade(seed: int = 5, *, steps: int = 8) -> Scene:
    """Shot A held, dissolve into shot B over ``steps`` frames, shot B held: no cut."""
    a = draw_character(background(seed), 110, 80)
    b = draw_character(background(seed + 10), 200, 90, pose=1.0)
    frames = [a] * 3 + [a + (b - a) * (i / steps) for i in range(1, steps)] + [b] * 3
    labels = ["hold", "hold"] + ["motion"] * steps + ["hold", "hold", "cut"]
    return Scene(_u8(frames), tuple(labels))


def scene_lip_flap(seed: int = 6) -> Scene:
    """A still frame where only the mouth moves (on threes): the mouth intervals are motion."""
    bg = background(seed)
    frames, labels = [], []
    for d in range(5):
        drawing = draw_character(bg, 160, 80, mouth=(0.0, 1.0, 0.4, 1.0, 0.0)[d], scale=0.6)
        frames += [drawing] * 3
        labels += ["hold", "hold", "motion"]
    labels[-1] = "cut"
    return Scene(_u8(frames), tuple(labels))


def _pan(seed: int, n: int, speed: float, *, on: int) -> Scene:
    wide = background(seed, width=W + int(abs(speed) * n) + 8)
    frames = []
    for i in range(n):
        x = speed * i
        x0 = int(np.floor(x))
        frac = x - x0
        view = wide[:, x0 : x0 + W] * (1 - frac) + wide[:, x0 + 1 : x0 + 1 + W] * frac  # sub-pixel pan
        d = i // on
        frames.append(draw_character(view, 140 + 3 * d, 80, pose=0.6 * d))
    return Scene(_u8(frames), tuple(["motion"] * (n - 1) + ["cut"]))


def scene_pan(seed: int = 7) -> Scene:
    """A character on twos over a background panning 4 px/frame: every interval is motion."""
    return _pan(seed, 12, 4.0, on=2)


def scene_slow_pan(seed: int = 8) -> Scene:
    """A slow pan, 1.5 px/frame at 320 wide (~8 px/frame at 1080p), character held still: motion."""
    return _pan(seed, 12, 1.5, on=100)


def scene_credits(seed: int = 9, *, speed: int = 1) -> Scene:
    """White text-like strokes on black scrolling up ``speed`` px/frame: every interval is motion."""
    rng = np.random.default_rng(seed)
    n = 12
    tall = np.zeros((H + n * speed + 8, W), np.float32)
    y = 6
    while y < tall.shape[0] - 10:
        x = rng.integers(60, 100)
        for _ in range(rng.integers(4, 9)):  # "letters": small stroke boxes
            lw = rng.integers(3, 7)
            tall[y : y + 7, x : x + lw] = 235
            tall[y + 2 : y + 5, x + 1 : x + lw - 1] = 0 if lw > 3 else 235
            x += lw + 2
        y += 14
    frames = [tall[i * speed : i * speed + H] for i in range(n)]
    return Scene(_u8(frames), tuple(["motion"] * (n - 1) + ["cut"]))


def scene_grain_hold(seed: int = 10, *, sigma: float = 6.0) -> Scene:
    """Animation on threes with heavy film grain (fresh noise every frame): holds stay holds."""
    s = shot(seed, 4, on=3)
    rng = np.random.default_rng(seed)
    noisy = s.frames.astype(np.float32) + rng.normal(0, sigma, s.frames.shape).astype(np.float32)
    return Scene(_u8(list(noisy)), s.labels)


def scene_whip_pan(seed: int = 11) -> Scene:
    """A held shot, then a very fast camera move (25 px/frame) inside the same shot: not a cut."""
    wide = background(seed, width=W + 25 * 6 + 8)
    frames = []
    xs = [0, 0, 0, 25, 50, 75, 100, 125, 125, 125]
    for x in xs:
        frames.append(draw_character(wide[:, x : x + W], 160, 80))
    labels = ["hold" if a == b else "motion" for a, b in zip(xs, xs[1:], strict=False)] + ["cut"]
    return Scene(_u8(frames), tuple(labels))


SCENES = {
    "twos": scene_twos,
    "cut": scene_cut,
    "dark_cut": scene_dark_cut,
    "flash1": lambda: scene_flash(length=1),
    "flash2": lambda: scene_flash(length=2),
    "fade": scene_fade,
    "lip_flap": scene_lip_flap,
    "pan": scene_pan,
    "slow_pan": scene_slow_pan,
    "credits": scene_credits,
    "grain_hold": scene_grain_hold,
    "whip_pan": scene_whip_pan,
}
"""Name -> scenario builder (no arguments), for parametrised tests with readable ids."""


# ---- slow camera moves and thin streaks (the hold test must see accumulated drift) ----------


def line_art_still(width: int, height: int, seed: int = 12) -> np.ndarray:
    """A synthetic line-art still (float32 luma) at ``width x height``: a painted background and
    two characters with 1-2 px anti-aliased outlines (for machines without the shared stills)."""
    import cv2

    small = draw_character(background(seed), 110, 80)
    small = draw_character(small, 220, 90, pose=1.0)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)


def still_luma(path: Path, width: int, height: int) -> np.ndarray:
    """A real still (PNG/JPEG) as float32 BT.709 luma, cropped to ``width:height`` and resized."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(path)
    luma = (0.0722 * img[..., 0] + 0.7152 * img[..., 1] + 0.2126 * img[..., 2]).astype(np.float32)
    h, w = luma.shape
    if w * height > h * width:  # too wide: crop the sides
        cw = h * width // height
        luma = luma[:, (w - cw) // 2 : (w - cw) // 2 + cw]
    else:
        ch = w * height // width
        luma = luma[(h - ch) // 2 : (h - ch) // 2 + ch]
    return cv2.resize(luma, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def camera(still: np.ndarray, n: int, *, speed: float, zoom: bool = False) -> list[np.ndarray]:
    """``n`` views of ``still`` under a slow camera move of ``speed`` px a frame: a diagonal pan,
    or a push-in whose frame edges move ``speed`` px a frame (sub-pixel bilinear warps of a 10%
    larger copy, so no border enters the view)."""
    import cv2

    h, w = still.shape
    big = cv2.resize(still, (int(w * 1.1), int(h * 1.1)), interpolation=cv2.INTER_CUBIC)
    cx, cy = big.shape[1] / 2, big.shape[0] / 2
    views = []
    for i in range(n):
        if zoom:
            s = 1.0 / 1.1 * (1.0 - 2.0 * speed * i / w)  # source pixels per output pixel
            m = np.float32([[s, 0, cx - s * w / 2], [0, s, cy - s * h / 2]])
        else:
            m = np.float32([[1, 0, 0.04 * w + speed * i * 0.8], [0, 1, 0.04 * h + speed * i * 0.6]])
        views.append(cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP))
    return views


def grain(frames: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """``frames`` (float) plus fresh film grain each frame (Gaussian, ``sigma`` code values, 2 px)."""
    rng = np.random.default_rng(seed)
    g = rng.normal(0, sigma, frames.shape).astype(np.float32)
    return frames + (g + np.roll(g, 1, axis=2)) / np.sqrt(2)


def scene_slow_camera(still: np.ndarray, *, speed: float, zoom: bool = False, n: int = 24, twos: bool = False) -> Scene:
    """A still under a slow pan or push-in (``speed`` px a frame), optionally with a character on
    twos over it: every interval is motion (the picture never repeats)."""
    views = camera(still, n, speed=speed, zoom=zoom)
    if twos:
        h, w = still.shape
        s = h / 180
        views = [draw_character(v, w * 0.4 + (i // 2) * 3 * s, h * 0.45, pose=0.4 * (i // 2), scale=s) for i, v in enumerate(views)]
    return Scene(_u8(views), tuple(["motion"] * (n - 1) + ["cut"]))


def scene_streaks(still: np.ndarray, *, n: int = 16, count: int = 60, width: int = 1, contrast: float = 40.0,
                  on: int = 1, seed: int = 13) -> Scene:
    """Thin streaks (rain: lines ``width`` px wide, 3-8% of the frame height long, ``contrast``
    levels brighter) falling over a held drawing, drawn anew every ``on`` frames: those
    intervals are motion, the others (the streak drawing held) holds."""
    rng = np.random.default_rng(seed)
    h, w = still.shape
    length = (0.03 * h, 0.08 * h)
    drops = np.column_stack([rng.uniform(0, w, count), rng.uniform(0, h, count), rng.uniform(*length, count)])
    fall = 0.06 * h
    frames, labels = [], []
    for i in range(n):
        k = i // on
        img = still.copy()
        for x, y, ln in drops:
            y0 = int((y + fall * k) % h)
            x0 = (x + 0.2 * fall * k) % w
            # a line x = x0 + 0.2 (y - y0), y0 <= y <= y0 + ln, ``width`` px wide, anti-aliased
            y1 = min(h, y0 + int(ln))
            xa, xb = max(0, int(x0) - width - 2), min(w, int(x0 + 0.2 * ln) + width + 3)
            if y1 <= y0 or xb <= xa:
                continue
            yy, xx = np.mgrid[y0:y1, xa:xb].astype(np.float32)
            alpha = np.clip(width / 2 + 0.5 - np.abs(xx - x0 - 0.2 * (yy - y0)), 0, 1)
            img[y0:y1, xa:xb] += contrast * alpha
        frames.append(img)
        labels.append("hold" if (i + 1) % on else "motion")
    labels[-1] = "cut"
    return Scene(_u8(frames), tuple(labels))
