"""The whole chain: enhance(), presets, CLI with a preset, preview, and every template under vspipe.

Real models at small sizes, real ffmpeg, real VapourSynth."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
import vapoursynth as vs

from ainimotion_vs import enhance
from ainimotion_vs.cli import main
from ainimotion_vs.enhance import EnhanceStats
from ainimotion_vs.errors import SettingsError, UnsupportedFormatError
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
    assert set(PRESETS) >= {"anime-clean", "anime-smooth", "anime-strong", "fast"}
    clean = get_preset("anime-clean")
    assert (clean.interp_model, clean.upscale_model, clean.factor, clean.height, clean.bit_depth) == (
        "rife-4.25", "realesr-animevideov3", 2, 1440, 10)
    assert get_preset("anime-strong").upscale_model == "realesrgan-x4plus-anime"
    smooth = get_preset("anime-smooth")  # anime-clean with smooth timing, nothing else
    assert (smooth.timing, clean.timing) == ("smooth", "keep")
    assert replace(smooth, name=clean.name, description=clean.description, timing="keep") == clean
    assert get_preset("fast").with_overrides(height=720).height == 720
    with pytest.raises(SettingsError, match="unknown setting"):
        get_preset("fast").with_overrides(heigth=720)
    with pytest.raises(SettingsError, match="unknown preset 'nope'; presets: anime-clean"):
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


def test_enhance_smooth_timing_fills_holds_without_extra_upscaling(shared_data):
    """anime-smooth on a real clip on threes: every held frame becomes an in-between (model runs
    = model frames), while the upscaler still runs once per drawing: the timing plan reads its
    labels from the gate, not from the upscaled clip."""
    src = core.bs.VideoSource(str(shared_data / "clips" / "konobi07_shot_24fps.mp4"))
    src = src.resize.Bicubic(96, 72)[:12]
    stats = EnhanceStats()
    out = enhance(src, preset="fast", timing="smooth", stats=stats)
    assert (out.width, out.height, out.num_frames, out.fps) == (192, 144, 24, Fraction(48))
    frames = [out.get_frame(j) for j in range(out.num_frames)]
    sources = [stats.sources[j] for j in range(out.num_frames)]
    from ainimotion_vs.gate import gate

    labels = [f.props["AinimotionInterval"] for f in gate(src).frames()]
    labels = [v.decode() if isinstance(v, bytes) else v for v in labels]
    assert stats.upscale.calls == 12 - labels.count("hold")  # once per drawing, as with keep timing
    assert stats.interpolate.calls == sum(s in ("model", "fallback") for s in sources) > labels.count("motion")
    for j, f in enumerate(frames):  # in-betweens depict their own output time exactly
        if sources[j] in ("model", "fallback"):
            assert Fraction(f.props["AinimotionTimeNum"], f.props["AinimotionTimeDen"]) == Fraction(j, 48)


def test_smooth_span_view_choice():
    from ainimotion_vs.preview import choose_spans, retimed_intervals

    # ones (a pan), then threes, then a pause: the re-timed stretch is the one on threes
    labels = ["motion"] * 30 + ["hold", "hold", "motion"] * 10 + ["hold"] * 30 + ["cut"]
    flags = retimed_intervals(labels)
    assert not any(flags[:30]) and all(flags[30:60]) and not any(flags[60:])
    spans = choose_spans(labels, Fraction(24), 1.0, timing="smooth")
    retimed = [s for s in spans if s.reason.startswith("most retimed")]
    assert len(retimed) == 1 and 30 <= retimed[0].start and retimed[0].end <= 60 and "(100%)" in retimed[0].reason
    assert not any(s.reason.startswith("most retimed") for s in choose_spans(labels, Fraction(24), 1.0))


def test_cli_timing_options_reach_the_preset(tmp_path, capsys):
    from ainimotion_vs.cli import build_parser
    from ainimotion_vs.commands.enhance import preset_for

    parse = build_parser().parse_args
    p = preset_for(parse(["enhance", "in.mkv", "--timing", "smooth", "--max-cadence", "3"]))
    assert (p.name, p.timing, p.max_cadence) == ("anime-clean", "smooth", 3)
    assert preset_for(parse(["enhance", "in.mkv", "--preset", "anime-smooth"])).timing == "smooth"
    assert preset_for(parse(["enhance", "in.mkv", "--preset", "anime-smooth", "--timing", "keep"])).timing == "keep"
    with pytest.raises(SystemExit):
        parse(["enhance", "in.mkv", "--timing", "even"])
    capsys.readouterr()
    assert main(["enhance", str(tmp_path / "in.mkv"), "--no-interpolate", "--timing", "smooth"]) == 1
    assert "--timing has no effect with --no-interpolate" in capsys.readouterr().err


def test_enhance_rejects_bad_overrides_and_clips():
    clip = core.std.BlankClip(width=64, height=64, format=vs.YUV420P8, length=4)
    with pytest.raises(SettingsError, match="enhance: unknown setting"):
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


def test_preview_smooth_span_view(tmp_path, capsys):
    """With smooth timing the preview adds the most re-timed span, keep and smooth side by side
    (synthetic shots on threes with a cut, 160x90: quick)."""
    from _synth import scene_cut, x264_roundtrip

    src = tmp_path / "threes.mkv"
    x264_roundtrip(scene_cut().frames[:, ::2, ::2], src, bitrate="400k")
    out = tmp_path / "preview.mkv"
    args = ["preview", str(src), "--preset", "anime-smooth", "--no-upscale", "--seconds", "0.25", "--out", str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "(most retimed (100%))" in err and "(cut at 12)" in err
    facts = _probe(out)
    spans = err.count("preview: frames ")
    assert (facts["w"], facts["h"]) == (2 * 160, 90) and facts["frames"] == spans * 12 and spans >= 3


@pytest.mark.parametrize("template", ["fast", "anime-clean", "anime-smooth", "anime-strong"])
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
