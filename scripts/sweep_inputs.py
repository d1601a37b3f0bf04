#!/usr/bin/env python3
"""Every input a user has, every way a run can end: build each case with ffmpeg in a temp
folder, run ``ainimotion enhance`` on it, and print one table.

    .venv/bin/python scripts/sweep_inputs.py [--only NAME,...] [--keep DIR] [--no-models]

Columns: the case, the exit code, the first line of what the CLI said that matters (the
error, or the note a conversion prints; ``-`` when it only reported success), what was left
in the output folder besides the input and the output, and the verdict: ``ok`` when the exit
code and the message are the expected ones, nothing is left behind, and (where it rendered
a sync source) the white frame and the beep are within one frame of each other as in the
source. ``--no-models`` skips the cases that run the models (a few seconds each on a CPU).
Exit status: 0 when every case is ok.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ainimotion_vs.ffmpeg import find_ffmpeg
from ainimotion_vs.media import probe

RATE = 24
FF = ""  # set in main


def ff(*args: str) -> None:
    done = subprocess.run([FF, "-hide_banner", "-nostdin", "-loglevel", "error", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg {' '.join(args)}: {done.stderr.strip()}")


def testsrc(
    path: Path, *, seconds: float = 1, size: str = "320x180", audio: bool = True, inputs: tuple[str, ...] = (), extra: tuple[str, ...] = ()
) -> Path:
    """A test pattern (and a tone) of ``seconds``; ``inputs`` are more ``-i`` files, ``extra`` output options."""
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={RATE}"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=r=48000"]
    ff(*args, *inputs, "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", *(["-c:a", "aac"] if audio else []), *extra,
       "-y", str(path))
    return path


def sync_source(path: Path) -> Path:
    """A white frame at 1.5 s and a 1 kHz beep starting at 1.5 s."""
    ff("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE},drawbox=c=white:t=fill:enable='eq(n,36)'",
       "-f", "lavfi", "-i", "aevalsrc='if(gte(t,1.5)*lt(t,1.6),0.8*sin(2*PI*1000*t),0)':s=48000",
       "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-c:a", "aac", "-y", str(path))
    return path


def av_offset(path: Path) -> float:
    """Seconds from the brightest frame to the first loud audio sample."""
    import av
    import numpy as np

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        flash = max(((float(f.pts * v.time_base), float(f.to_ndarray(format="gray").mean())) for f in c.decode(v)), key=lambda t: t[1])[0]
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        for f in c.decode(a):
            hit = np.flatnonzero(np.abs(f.to_ndarray()[0]) > 0.4)
            if hit.size:
                return float(f.pts * a.time_base) + hit[0] / f.sample_rate - flash
    return float("nan")


# ---------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]
    args: list[str] = field(default_factory=list)
    rc: int = 0
    says: str = ""
    """Text that must appear in stderr ('' = none required)."""
    out: str = "o.mkv"
    sync: bool = False
    """Compare the white frame and the beep in the output with the source."""
    signal: int | None = None
    """Send this signal once the render runs (SIGKILL: then run again and expect a clean folder)."""
    models: bool = False
    check: Callable[[Path], str] | None = None
    """Extra check on the output: returns '' or what is wrong."""


NONE = ["--preset", "none", "--x-preset", "ultrafast"]


def _copy_cut(d: Path) -> Path:
    base = sync_source(d / "base.mp4")
    ff("-ss", "0.3", "-i", str(base), "-c", "copy", "-y", str(d / "cut.mp4"))
    base.unlink()
    return d / "cut.mp4"


def _offset(d: Path) -> Path:
    base = sync_source(d / "base.mp4")
    ff("-i", str(base), "-itsoffset", "-0.5", "-i", str(base), "-map", "0:v", "-map", "1:a", "-c", "copy", "-y", str(d / "off.mp4"))
    base.unlink()
    return d / "off.mp4"


def _rgb(codec: list[str], name: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        ff("-f", "lavfi", "-i", f"testsrc2=s=320x180:r={RATE}", "-frames:v", "6", *codec, "-y", str(d / name))
        return d / name
    return build


def _damaged(ext: str, keep: float | None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        src = testsrc(d / f"whole.{ext}", seconds=3)
        data = bytearray(src.read_bytes())
        src.unlink()
        if keep is not None:
            data = data[: int(len(data) * keep)]
        else:
            for k in range(20):
                pos = int(len(data) * (0.25 + 0.5 * k / 20))
                data[pos : pos + 200] = bytes((37 * i + k) % 256 for i in range(200))
        (d / f"bad.{ext}").write_bytes(bytes(data))
        return d / f"bad.{ext}"
    return build


def _vfr(d: Path) -> Path:
    ff("-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-frames:v", "54", "-vf",
       "settb=1/1000,setpts='if(lt(N,24),N/24,1+(N-24)/30)/TB'", "-fps_mode", "passthrough", "-enc_time_base", "1/1000",
       "-c:v", "libx264", "-preset", "ultrafast", "-y", str(d / "vfr.mkv"))
    return d / "vfr.mkv"


ASS = """[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,Already on screen
"""


def _ass(d: Path) -> Path:
    (d / "s.ass").write_text(ASS)
    (d / "c.txt").write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=One\n"
                             "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1500\nEND=3000\ntitle=Two\n")
    testsrc(d / "ass.mkv", seconds=3, inputs=("-i", str(d / "s.ass"), "-i", str(d / "c.txt")),
            extra=("-map", "0:v", "-map", "1:a", "-map", "2:s", "-map_chapters", "3", "-c:s", "copy"))
    for p in ("s.ass", "c.txt"):
        (d / p).unlink()
    return d / "ass.mkv"


def _clip_check(out: Path) -> str:
    import av

    with av.open(str(out)) as c:
        marks = [(round(float(ch["end"] * ch["time_base"]), 3)) for ch in c.chapters()]
        subs = sum(1 for s in c.streams if s.type == "subtitle")
    return "" if marks == [0.5, 1.5] and subs == 1 else f"chapters end at {marks}, {subs} subtitle streams"


def _cover(d: Path) -> Path:
    ff("-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", "-y", str(d / "cover.jpg"))
    testsrc(d / "cover.mp4", inputs=("-i", str(d / "cover.jpg")),
            extra=("-map", "0:v", "-map", "1:a", "-map", "2:v", "-c:v:1", "mjpeg", "-disposition:v:1", "attached_pic"))
    (d / "cover.jpg").unlink()
    return d / "cover.mp4"


def _protocol_name(d: Path) -> Path:
    return testsrc(d / "file:x.mkv")


def _rate_check(want: Fraction) -> Callable[[Path], str]:
    return lambda out: "" if probe(out).fps == want else f"rate {probe(out).fps}, want {want}"


def _mode_check(out: Path) -> str:
    mode = out.stat().st_mode & 0o777
    return "" if mode == 0o644 else f"mode {mode:o}, want 644 (umask 022)"


CASES = [
    # the rows
    Case("rgb x264rgb", _rgb(["-c:v", "libx264rgb", "-pix_fmt", "rgb24", "-preset", "ultrafast"], "rgb.mkv"), NONE, 0, "written as YUV 4:2:0"),
    Case("rgb ffv1 bgr0", _rgb(["-c:v", "ffv1", "-pix_fmt", "bgr0"], "bgr0.mkv"), NONE, 0, "written as YUV 4:2:0"),
    Case("rgb png", _rgb(["-frames:v", "1"], "still.png"), NONE, 0, "written as YUV 4:2:0"),
    Case("rgb + preset fast", _rgb(["-c:v", "libx264rgb", "-pix_fmt", "rgb24", "-preset", "ultrafast", "-s", "64x48"], "rgbs.mkv"),
         ["--preset", "fast", "--backend", "torch"], 0, models=True),
    Case("audio before video (copy cut)", _copy_cut, NONE, 0, "re-encoded from the first frame", "o.mp4", sync=True),
    Case("audio -0.5 s (itsoffset)", _offset, NONE, 0, "re-encoded from the first frame", "o.mp4", sync=True),
    Case("SIGTERM", lambda d: testsrc(d / "long.mkv", seconds=60), ["--preset", "none", "--x-preset", "veryslow"], 143,
         "stopped by SIGTERM; no output was left behind", signal=signal.SIGTERM),
    Case("SIGHUP", lambda d: testsrc(d / "long.mkv", seconds=60), ["--preset", "none", "--x-preset", "veryslow"], 129,
         "stopped by SIGHUP", signal=signal.SIGHUP),
    Case("SIGKILL, then again", lambda d: testsrc(d / "long.mkv", seconds=60), ["--preset", "none", "--x-preset", "veryslow"], 0,
         "left by an interrupted run", signal=signal.SIGKILL),
    Case("--fps 1e9", lambda d: testsrc(d / "s.mkv"), ["--fps", "1e9"], 2, "above the limit of 10000 fps"),
    Case("--fps 2000 into mkv", lambda d: testsrc(d / "s.mkv", size="64x48"), ["--preset", "fast", "--fps", "2000"], 1,
         "does not fit Matroska", models=True),
    Case("--height 100000", lambda d: testsrc(d / "s.mkv"), ["--height", "100000"], 1, "the limit is 8192 on a side"),
    Case("--cfr 59.940 (VFR)", _vfr, ["--cfr", "59.940", *NONE], 0, check=_rate_check(Fraction(60000, 1001))),
    Case("corrupt packets mp4", _damaged("mp4", None), NONE, 1, "is damaged"),
    Case("garbage inside mkv", _damaged("mkv", None), NONE, 1, "is damaged"),
    Case("90%-cut mkv", _damaged("mkv", 0.9), NONE, 1, "is truncated"),
    Case("VFR message", _vfr, NONE, 1, "true average 26.9"),
    Case("--clip ASS + chapters", _ass, ["--clip", "24-60", *NONE], 0, check=_clip_check),
    Case("umask 022", lambda d: testsrc(d / "s.mkv"), NONE, 0, check=_mode_check),
    Case("--factor 0", lambda d: testsrc(d / "s.mkv"), ["--factor", "0"], 2, "must be a whole number >= 1"),
    Case("--preset none --fps 48", lambda d: testsrc(d / "s.mkv"), ["--preset", "none", "--fps", "48"], 1, "has no effect with --preset none"),
    Case("--fps 48 --no-interpolate", lambda d: testsrc(d / "s.mkv"), ["--fps", "48", "--no-interpolate"], 1, "has no effect with --no-interpolate"),
    Case("--height with --preset none", lambda d: testsrc(d / "s.mkv"), ["--preset", "none", "--height", "720"], 1, "has no effect"),
    Case("--preset fast --encoder ffv1", lambda d: testsrc(d / "s.mkv", size="64x48"), ["--preset", "fast", "--encoder", "ffv1"], 0, models=True),
    Case("--fps below the source", lambda d: testsrc(d / "s.mkv"), ["--fps", "12"], 1, "use --cfr 12 --no-interpolate"),
    Case("ASS into mp4", _ass, NONE, 0, "becomes MP4 text (mov_text)", "o.mp4"),
    Case("cover art in mp4", _cover, NONE, 0, "cover art (stream #2, mjpeg) is not carried", "o.mp4"),
    Case("mov timecode track", lambda d: testsrc(d / "t.mov", extra=("-timecode", "01:00:00:00")), NONE, 0, "timecode track) is not carried", "o.mov"),
    Case("input named file:x.mkv", _protocol_name, NONE, 0),
    Case("2-frame mkv", lambda d: testsrc(d / "two.mkv", seconds=2 / RATE, audio=False), NONE, 0, check=_rate_check(Fraction(RATE))),
    # what already held: kept in the sweep so that it keeps holding
    Case("missing file", lambda d: d / "nope.mkv", NONE, 1, "input file not found"),
    Case("audio only", lambda d: (ff("-f", "lavfi", "-i", "sine=d=1", "-y", str(d / "a.m4a")), d / "a.m4a")[1], NONE, 1, "has no video stream"),
    Case("odd size 4:2:0", lambda d: (ff("-f", "lavfi", "-i", "color=s=65x37", "-frames:v", "3", "-c:v", "ffv1", "-pix_fmt", "yuv420p",
                                         "-y", str(d / "odd.mkv")), d / "odd.mkv")[1], NONE, 1, "needs even dimensions"),
    Case("10-bit 4:4:4", lambda d: testsrc(d / "p.mkv", extra=("-pix_fmt", "yuv444p10le")), NONE, 0),
    Case("A/V sync, whole file", lambda d: sync_source(d / "s.mkv"), NONE, 0, sync=True),
    Case("A/V sync, --clip", lambda d: sync_source(d / "s.mkv"), ["--clip", "20-60", *NONE], 0, sync=True),
]


# ---------------------------------------------------------------- running


def _cli(src: Path, out: Path, args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ainimotion_vs", "enhance", str(src), "-o", str(out), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=out.parent)


def _signal_run(case: Case, src: Path, out: Path) -> tuple[int, str]:
    proc = _cli(src, out, case.args)
    deadline = time.monotonic() + 120
    while not any(".ainimotion-part" in p.name for p in out.parent.iterdir()):
        if proc.poll() is not None or time.monotonic() > deadline:
            return proc.wait(), proc.communicate()[1]
        time.sleep(0.05)
    time.sleep(0.5)
    if case.signal == signal.SIGKILL:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        short = src.with_name("short.mkv")
        ff("-i", str(src), "-t", "0.5", "-c", "copy", "-y", str(short))
        again = _cli(short, out, NONE)
        _, err = again.communicate(timeout=300)
        short.unlink()
        return again.returncode, err
    proc.send_signal(case.signal)
    _, err = proc.communicate(timeout=120)
    time.sleep(0.2)
    return proc.returncode, err


def _first_line(err: str, case: Case) -> str:
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    if case.says:
        hit = [ln for ln in lines if case.says in ln]
        if hit:
            return hit[0]
    for ln in lines:
        if "error" in ln.lower() or "stopped by" in ln or "interrupted" in ln:
            return ln
    return "-"


def run_case(case: Case, folder: Path) -> list[str]:
    folder.mkdir(parents=True)
    src = case.build(folder)
    out = folder / case.out
    umask = os.umask(0o022)
    try:
        if case.signal is not None:
            rc, err = _signal_run(case, src, out)
        else:
            proc = _cli(src, out, case.args)
            _, err = proc.communicate(timeout=600)
            rc = proc.returncode
    finally:
        os.umask(umask)
    left = sorted(p.name for p in folder.iterdir() if p not in (src, out))
    problems = []
    if rc != case.rc:
        problems.append(f"exit {rc}, want {case.rc}")
    if case.says and case.says not in err:
        problems.append("message")
    if left:
        problems.append("leftovers")
    if rc == 0 and case.rc == 0 and case.sync:
        drift = abs(av_offset(out) - av_offset(src))
        if not drift < 1 / RATE:
            problems.append(f"A/V moved {drift * 1000:.0f} ms")
    if rc == 0 and case.check is not None:
        extra = case.check(out)
        if extra:
            problems.append(extra)
    msg = _first_line(err, case)
    if len(msg) > 90:
        msg = msg[:87] + "..."
    return [case.name, str(rc), msg, ", ".join(left) or "-", "ok" if not problems else "FAIL: " + "; ".join(problems)]


def main(argv: list[str] | None = None) -> int:
    global FF
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="comma-separated case names (substrings)")
    parser.add_argument("--keep", default=None, help="build the cases in this folder and keep it")
    parser.add_argument("--no-models", action="store_true", help="skip the cases that run the models")
    args = parser.parse_args(argv)
    FF = find_ffmpeg().path
    cases = [c for c in CASES if not (args.no_models and c.models)]
    if args.only:
        words = [w.strip() for w in args.only.split(",")]
        cases = [c for c in cases if any(w in c.name for w in words)]
    with tempfile.TemporaryDirectory(prefix="ainimotion-sweep-") as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        rows = []
        for k, case in enumerate(cases):
            try:
                rows.append(run_case(case, root / f"{k:02d}"))
            except Exception as exc:  # a case that cannot be built is a failed row, not a crashed sweep
                rows.append([case.name, "-", f"{type(exc).__name__}: {exc}"[:90], "-", "FAIL: could not run"])
            print(f"  {rows[-1][0]}: {rows[-1][-1]}", file=sys.stderr, flush=True)
    head = ["case", "exit", "message", "leftovers", "verdict"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    bad = sum(not r[-1] == "ok" for r in rows)
    print(f"\n{len(rows) - bad} of {len(rows)} cases ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
