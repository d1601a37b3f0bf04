""":func:`render_script`: ``vspipe -c y4m script.vpy -`` into ffmpeg, both exit codes checked."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EncodeError, MediaError, MissingPluginError
from ..ffmpeg import FFmpeg
from ..media import MediaInfo, SourceSpan
from . import output, pipes
from .encode import prepare
from .plan import VideoFacts, pix_fmt_from_name

if TYPE_CHECKING:  # pragma: no cover
    from .output import RenderResult

__all__ = ["render_script"]

PathLike = str | os.PathLike[str]


def _vspipe_path() -> str:
    import shutil
    import sys

    here = Path(sys.executable).with_name("vspipe")
    found = str(here) if here.exists() else shutil.which("vspipe")
    if not found:
        raise MissingPluginError("render_script: vspipe not found beside Python or on PATH; `pip install vapoursynth`.")
    return found


def _script_facts(vspipe: str, script: Path, args: Sequence[str], func: str) -> VideoFacts:
    """Clip facts from ``vspipe --info`` (colour tags come from the y4m-free props: none)."""
    done = subprocess.run([vspipe, "--info", str(script), *args, "-"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EncodeError(f"{func}: vspipe --info {script.name} failed (exit {done.returncode}): {_vspipe_error(done.stderr)}")
    fields = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    try:
        num, den = (int(v) for v in fields["fps"].split()[0].split("/"))
        fmt = fields["format name"]
        bits = int(fields["bits"])
        facts = VideoFacts(width=int(fields["width"]), height=int(fields["height"]), num_frames=int(fields["frames"]),
                           fps=Fraction(num, den), bits=bits, pix_fmt=pix_fmt_from_name(fmt, bits, func))
    except (KeyError, ValueError) as exc:
        raise EncodeError(f"{func}: cannot read vspipe --info output ({exc}): {done.stdout.strip()[:300]}") from exc
    return facts


def _vspipe_error(text: str) -> str:
    """One line from vspipe's stderr: the Python exception when there is one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Information:")]
    if any("couldn't be determined" in ln or "Failed to initialize VSScript" in ln for ln in lines):
        raise MissingPluginError(
            "render_script: vspipe cannot find Python (VSScript is not configured); run `vapoursynth config` once "
            "with this environment's Python (e.g. .venv/bin/vapoursynth config)."
        )
    for ln in reversed(lines):
        if ln.startswith("Python exception:"):
            return ln
    return lines[-1] if lines else "(no message)"


def render_script(
    script: PathLike,
    out_path: PathLike,
    *,
    script_args: dict[str, str] | None = None,
    source: SourceSpan | MediaInfo | PathLike | None = None,
    encoder: str = "x264",
    crf: float | None = None,
    encoder_preset: str | None = None,
    overwrite: bool = False,
    progress: pipes.ProgressFn | None = None,
    ffmpeg: FFmpeg | None = None,
) -> RenderResult:
    """Like :func:`~ainimotion_vs.render.render`, for a ``.vpy`` script run by ``vspipe -c y4m SCRIPT -``.

    ``script_args`` become ``-a key=value``. Both vspipe's and ffmpeg's exit codes are
    checked. Colour tags come from the y4m header only (set them in the script's output).
    """
    func = "render_script"
    path = Path(script)
    if not path.is_file():
        raise MediaError(f"{func}: script not found: {path}")
    vspipe = _vspipe_path()
    args: list[str] = []
    for k, v in (script_args or {}).items():
        args += ["-a", f"{k}={v}"]
    facts = _script_facts(vspipe, path, args, func)
    spec, span, out, ff, tmp, plan, side_dir = prepare(
        facts, out_path, source, encoder=encoder, crf=crf, encoder_preset=encoder_preset, overwrite=overwrite, ffmpeg=ffmpeg, func=func,
    )
    started = time.monotonic()
    producer = consumer = None
    try:
        producer = pipes.start([vspipe, "-c", "y4m", "-p", str(path), *args, "-"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        consumer = pipes.start(plan.argv, stdin=producer.stdout, stdout=subprocess.DEVNULL)
        producer.stdout.close()  # ffmpeg holds the read end now
        vs_tail = pipes.ProgressTail(producer.stderr, facts.num_frames, progress)
        ff_tail = pipes.StderrTail(consumer.stderr)
        vs_tail.start()
        ff_tail.start()
        while producer.poll() is None:
            time.sleep(0.2)
        vs_rc = producer.returncode
        # ffmpeg exiting first (bad options, a full disk) ends vspipe with a broken pipe: then
        # ffmpeg's message is the one that says why
        ff_first = consumer.poll() is not None and consumer.returncode != 0
        if vs_rc != 0:
            pipes.stop(consumer)
        ff_rc = consumer.wait()
        vs_tail.join(5)
        ff_tail.join(5)
        if ff_first:
            raise EncodeError(f"{func}: ffmpeg failed (exit {ff_rc}): {ff_tail.text()}")
        if vs_rc != 0:
            raise EncodeError(f"{func}: vspipe failed (exit {vs_rc}): {_vspipe_error(chr(10).join(vs_tail.lines))}")
        if ff_rc != 0:
            raise EncodeError(f"{func}: ffmpeg failed (exit {ff_rc}): {ff_tail.text()}")
        return output.finish(tmp, out, facts, span, plan, overwrite=overwrite, started=started, ff=ff, spec=spec, func=func)
    finally:
        pipes.clean_up(
            lambda: pipes.stop(producer), lambda: pipes.stop(consumer), lambda: output.remove(tmp),
            lambda: side_dir is not None and side_dir.cleanup(),
        )
