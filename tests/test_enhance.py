"""The whole chain: enhance(), presets, CLI with a preset, preview, and every template under vspipe.

Real models at small sizes, real ffmpeg, real VapourSynth."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import vapoursynth as vs

from ainimotion_vs import enhance
from ainimotion_vs.cli import main
from ainimotion_vs.enhance import EnhanceStats
from ainimotion_vs.errors import UnsupportedFormatError
from ainimotion_vs.presets import PRESETS, get_preset

from _media import make_video
from _weights import require

REPO = Path(__file__).resolve().parents[1]
core = vs.core


@pytest.fixture(scope="module", autouse=True)
def _weights():
    for name in ("rife-4.25", "realesr-animevideov3"):
        require(name)


def _probe(path: Path) -> dict:
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(video=0))
        return {
            "fps": Fraction(v.average_rate), "w": v.codec_context.width, "h": v.codec_context.height,
            "frames": frames, "audio": len(c.streams.audio), "subs": len(c.streams.subtitles),
            "pix_fmt": v.codec_context.pix_fmt,
        }




def test_presets_are_complete_and_overridable():
    assert set(PRESETS) >= {"anime-clean", "anime-strong", "fast"}
    clean = get_preset("anime-clean")
    assert (clean.interp_model, clean.upscale_model, clean.factor, clean.height, clean.bit_depth) == (
        "rife-4.25", "realesr-animevideov3", 2, 1440, 10)
    assert get_preset("anime-strong").upscale_model == "realesrgan-x4plus-anime"
    assert get_preset("fast").with_overrides(height=720).height == 720
    with pytest.raises(UnsupportedFormatError, match="unknown setting"):
        get_preset("fast").with_overrides(heigth=720)
    with pytest.raises(UnsupportedFormatError, match="unknown preset 'nope'; presets: anime-clean"):
        get_preset("nope")


def test_enhance_doubles_rate_upscales_and_reuses_work(shared_data):
    src = core.bs.VideoSource(str(shared_data / "clips" / "konobi07_shot_24fps.mp4"))
    src = src.resize.Bicubic(96, 72)[:12]  # on threes: 4 drawings, 4 motion intervals
    stats = EnhanceStats()
    out = enhance(src, preset="fast", stats=stats)
    assert (out.width, out.height, out.num_frames) == (192, 144, 24)
    assert out.fps == Fraction(48, 1) and out.format.id == vs.YUV420P8
    sources = [out.get_frame(j).props["AinimotionSource"] for j in range(out.num_frames)]
    labels = stats.label_counts()
    assert labels.get("cut") == 1 and labels.get("hold", 0) >= 6
    # the upscaler ran once per drawing, the interpolator once per motion interval
    assert stats.upscale.calls == 12 - labels["hold"]
    assert stats.interpolate.calls == labels.get("motion", 0) == sum(s in ("model", "fallback") for s in sources)
    assert sources[0] == "source" and sources[-1] == "duplicate"


def test_enhance_rejects_bad_overrides_and_clips():
    clip = core.std.BlankClip(width=64, height=64, format=vs.YUV420P8, length=4)
    with pytest.raises(UnsupportedFormatError, match="enhance: unknown setting"):
        enhance(clip, preset="fast", colour=True)
    with pytest.raises(UnsupportedFormatError, match="enhance: clip must have a constant frame rate"):
        vfr = core.std.Splice([clip, clip.std.AssumeFPS(fpsnum=30)], mismatch=True)
        enhance(vfr, preset="fast")


def test_cli_fast_preset_on_a_real_clip_keeps_streams_and_sync(shared_data, tmp_path):
    src = shared_data / "clips" / "onepiece_demo.mp4"
    out = tmp_path / "op fast é.mkv"
    rc = main(["enhance", str(src), "--preset", "fast", "--clip", "96-106", "--out", str(out), "-q"])
    assert rc == 0 and out.is_file()
    facts = _probe(out)
    assert facts["frames"] == 20 and facts["fps"] == Fraction(1199, 50) * 2
    assert (facts["w"], facts["h"]) == (1280, 960) and facts["audio"] == 1
    import av

    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        v = c.streams.video[0]
        a_end = float(a.duration * a.time_base) if a.duration else float(c.duration / 1e6)
        v_end = float(v.duration * v.time_base) if v.duration else float(c.duration / 1e6)
    assert abs(a_end - v_end) < 1 / 47.96 + 1e-3


def test_preview_writes_side_by_side(shared_data, tmp_path):
    src = tmp_path / "src.mkv"
    # a short real excerpt around the One Piece cut keeps this quick
    subprocess.run([sys.executable, "-m", "ainimotion_vs", "enhance", str(shared_data / "clips" / "onepiece_demo.mp4"),
                    "--preset", "none", "--clip", "90-112", "--out", str(src), "-q"], check=True)
    out = tmp_path / "preview.mkv"
    assert main(["preview", str(src), "--preset", "fast", "--no-upscale", "--seconds", "0.25", "--out", str(out), "-q"]) == 0
    facts = _probe(out)
    assert facts["w"] == 2 * 640 and facts["h"] == 480 and facts["frames"] >= 12


@pytest.mark.parametrize("template", ["fast", "anime-clean", "anime-strong"])
def test_template_runs_under_vspipe(template, tmp_path):
    vspipe = shutil.which("vspipe", path=str(Path(sys.executable).parent))
    assert vspipe, "vspipe is installed with the vapoursynth wheel"
    src = make_video(tmp_path / "t.mkv", size="64x48", frames=8, subtitles=False, chapters=False, attachment=False)
    args = [vspipe, "-c", "y4m", str(REPO / "templates" / f"{template}.vpy"), "-a", f"src={src}", "-a", "clip=0-3",
            "-a", "height=96", "-a", "tile=none", "-"]
    done = subprocess.run(args, capture_output=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    header = done.stdout[:80].split(b"\n")[0].decode()
    assert header.startswith("YUV4MPEG2") and " W128 H96 " in header and " F48000:1001 " in header
    frames = done.stdout.count(b"FRAME\n")
    assert frames == 6
