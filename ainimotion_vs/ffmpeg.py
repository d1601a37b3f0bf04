"""Finding ffmpeg, knowing its encoders, and the encoder argument table.

:func:`find_ffmpeg` picks ``$AINIMOTION_FFMPEG`` when set, else a system ``ffmpeg`` on
``PATH`` when it is new enough (:data:`MIN_FFMPEG_VERSION`), else the static build that
ships with ``imageio-ffmpeg``. Nothing here runs at import time.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from .errors import EncodeError, MissingPluginError, UnsupportedFormatError

__all__ = [
    "FFmpeg",
    "EncoderSpec",
    "ENCODERS",
    "MIN_FFMPEG_VERSION",
    "find_ffmpeg",
    "encoder_spec",
    "check_encoder",
    "probe_encoder",
    "summarize_errors",
    "ffmpeg_input",
    "VERBOSE",
]

log = logging.getLogger("ainimotion_vs")

MIN_FFMPEG_VERSION: tuple[int, int] = (6, 0)
"""Oldest system ffmpeg we use (``-map 1:t?``, ``setparams`` colour options, ``-fps_mode``)."""

ENV_FFMPEG = "AINIMOTION_FFMPEG"

VERBOSE = 15
"""Log level between INFO and DEBUG: details shown at ``-v`` (the CLI's default is INFO)."""

_said: set[str] = set()
"""Notices already logged in this process (each is said once)."""

_VERSION_RE = re.compile(r"ffmpeg version (?:n)?(\d+)\.(\d+)")
_GIT_RE = re.compile(r"ffmpeg version (?:N-|git-)")


@dataclass(frozen=True, kw_only=True)
class FFmpeg:
    """One ffmpeg executable and what it can do."""

    path: str
    """Absolute path of the executable."""
    version: str
    """The version word of ``ffmpeg -version`` (e.g. ``6.1.1-3ubuntu5`` or ``n9.0.2-17-g...``)."""
    version_tuple: tuple[int, int] | None
    """(major, minor), or None for a git build without a release number (treated as new)."""
    origin: str
    """Where it was found: ``env`` ($AINIMOTION_FFMPEG), ``system`` (PATH) or ``imageio-ffmpeg``."""
    encoders: frozenset[str] = field(repr=False)
    """Encoder names ffmpeg lists (``libx264``, ``hevc_nvenc``...)."""

    def has(self, codec: str) -> bool:
        """Whether this ffmpeg was built with the encoder ``codec`` (it may still fail to open)."""
        return codec in self.encoders


@dataclass(frozen=True, kw_only=True)
class EncoderSpec:
    """How one ``--encoder`` choice maps onto ffmpeg options."""

    name: str
    """Our name (``x264``, ``x265``, ``nvenc-h264``, ``nvenc-hevc``, ``ffv1``)."""
    codec: str
    """ffmpeg encoder name."""
    quality_args: tuple[str, ...]
    """Options taking the quality value via ``{q}`` (empty for lossless encoders)."""
    default_quality: float | None
    """Quality used when ``crf`` is None (None: the encoder has no quality knob)."""
    quality_range: tuple[float, float] | None
    """Allowed quality values (inclusive)."""
    presets: tuple[str, ...]
    """Allowed ``encoder_preset`` values (empty: the encoder has none)."""
    default_preset: str | None
    """Preset used when ``encoder_preset`` is None."""
    bit_depths: tuple[int, ...]
    """Integer sample bit depths the encoder takes."""
    extra_args: tuple[str, ...] = ()
    """Fixed options always passed."""
    containers: tuple[str, ...] = ("matroska", "mp4", "mov")
    """ffmpeg muxers that can hold this codec."""
    hardware: bool = False
    """True for encoders that need a GPU; probed with a 1-frame encode before use."""


_X26_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
_NVENC_PRESETS = ("p1", "p2", "p3", "p4", "p5", "p6", "p7")

ENCODERS: dict[str, EncoderSpec] = {
    spec.name: spec
    for spec in (
        EncoderSpec(
            name="x264", codec="libx264", quality_args=("-crf", "{q}"), default_quality=18, quality_range=(0, 51),
            presets=_X26_PRESETS, default_preset="slow", bit_depths=(8, 10),
        ),
        EncoderSpec(
            name="x265", codec="libx265", quality_args=("-crf", "{q}"), default_quality=18, quality_range=(0, 51),
            presets=_X26_PRESETS, default_preset="medium", bit_depths=(8, 10, 12),
            extra_args=("-x265-params", "log-level=error"),
        ),
        EncoderSpec(
            name="nvenc-h264", codec="h264_nvenc", quality_args=("-rc", "vbr", "-cq", "{q}", "-b:v", "0"),
            default_quality=19, quality_range=(0, 51), presets=_NVENC_PRESETS, default_preset="p5",
            bit_depths=(8, 10), hardware=True,
        ),
        EncoderSpec(
            name="nvenc-hevc", codec="hevc_nvenc", quality_args=("-rc", "vbr", "-cq", "{q}", "-b:v", "0"),
            default_quality=19, quality_range=(0, 51), presets=_NVENC_PRESETS, default_preset="p5",
            bit_depths=(8, 10), hardware=True,
        ),
        EncoderSpec(
            name="ffv1", codec="ffv1", quality_args=(), default_quality=None, quality_range=None, presets=(),
            default_preset=None, bit_depths=(8, 9, 10, 12, 14, 16),
            extra_args=("-level", "3", "-g", "1", "-slices", "4", "-slicecrc", "1"), containers=("matroska",),
        ),
    )
}
"""Every ``--encoder`` choice, by our name."""


def _parse_version(text: str) -> tuple[str, tuple[int, int] | None]:
    first = text.splitlines()[0] if text else ""
    words = first.split()
    word = words[2] if len(words) > 2 else "?"
    m = _VERSION_RE.search(first)
    if m:
        return word, (int(m.group(1)), int(m.group(2)))
    if _GIT_RE.search(first):
        return word, None
    return word, (0, 0)


def _run_info(path: str, *args: str) -> str:
    try:
        done = subprocess.run([path, "-hide_banner", "-nostdin", *args], capture_output=True, text=True, timeout=60, check=False)
    except OSError as exc:
        raise MissingPluginError(f"find_ffmpeg: cannot run {path}: {exc}") from exc
    if done.returncode != 0:
        raise MissingPluginError(f"find_ffmpeg: {path} {' '.join(args)} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout


def _describe(path: str, origin: str) -> FFmpeg:
    version, vt = _parse_version(_run_info(path, "-version"))
    encoders = set()
    for line in _run_info(path, "-encoders").splitlines():
        parts = line.split()
        # "V....D libx264  libx264 H.264 ..." : flags then the name
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "VAS":
            encoders.add(parts[1])
    return FFmpeg(path=path, version=version, version_tuple=vt, origin=origin, encoders=frozenset(encoders))


def find_ffmpeg() -> FFmpeg:
    """The ffmpeg to use: ``$AINIMOTION_FFMPEG``, else a new enough system ffmpeg, else imageio-ffmpeg's.

    Raises :class:`MissingPluginError` (with the install command) when none works.
    """
    env = os.environ.get(ENV_FFMPEG, "").strip()
    if env:
        path = shutil.which(env) or env
        if not os.path.isfile(path):
            raise MissingPluginError(f"find_ffmpeg: ${ENV_FFMPEG}={env} is not an executable file; fix or unset it.")
        return _describe(os.path.abspath(path), "env")
    system = shutil.which("ffmpeg")
    if system:
        try:
            found = _describe(system, "system")
        except MissingPluginError as exc:
            log.info("ignoring the system ffmpeg: %s", exc)
        else:
            vt = found.version_tuple
            if vt is None or vt >= MIN_FFMPEG_VERSION:
                return found
            notice = (
                f"system ffmpeg {found.version} at {system} is older than {MIN_FFMPEG_VERSION[0]}.{MIN_FFMPEG_VERSION[1]}; "
                "using imageio-ffmpeg's instead"
            )
            if notice not in _said:  # nothing is wrong: a detail, said once, at -v
                _said.add(notice)
                log.log(VERBOSE, "%s", notice)
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise MissingPluginError(
            "find_ffmpeg: no usable ffmpeg: install FFmpeg 6 or newer on PATH, or `pip install imageio-ffmpeg`, "
            f"or set ${ENV_FFMPEG} to an ffmpeg executable."
        ) from exc
    try:
        path = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise MissingPluginError(f"find_ffmpeg: imageio-ffmpeg has no ffmpeg binary for this platform ({exc}); install FFmpeg 6+.") from exc
    return _describe(path, "imageio-ffmpeg")


def ffmpeg_input(path: "str | os.PathLike[str]") -> str:
    """A file path as an ffmpeg URL: ``file:`` + the absolute path, so a name such as
    ``file:x.mkv``, ``http:y.mp4`` or ``-z.mkv`` is read as a file, not a protocol or an option."""
    return "file:" + os.path.abspath(path)


def encoder_spec(name: str, *, func: str = "render") -> EncoderSpec:
    """The :class:`EncoderSpec` for ``name``; raises ``UnsupportedFormatError`` naming the choices."""
    try:
        return ENCODERS[name]
    except KeyError:
        raise UnsupportedFormatError(f"{func}: unknown encoder {name!r}; choose one of {', '.join(ENCODERS)}.") from None


def probe_encoder(ffmpeg: FFmpeg, spec: EncoderSpec, *, pix_fmt: str = "yuv420p") -> str | None:
    """Encode one small frame with ``spec``; returns None when it works, else ffmpeg's error text."""
    if not ffmpeg.has(spec.codec):
        return f"this ffmpeg ({ffmpeg.path}) was built without {spec.codec}"
    argv = [
        ffmpeg.path, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-i", "color=c=gray:s=256x256:r=24:d=0.1",
        "-frames:v", "1", "-pix_fmt", pix_fmt, "-c:v", spec.codec, "-f", "null", "-",
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    return summarize_errors(done.stderr.splitlines()) or f"exit code {done.returncode}"


_PREFIX_RE = re.compile(r"^(\[[^\]]*\]\s*)+")
_GENERIC = ("Task finished with error", "Terminating thread", "Error sending frames", "Nothing was written",
            "Could not open encoder before EOF", "Conversion failed", "Error while filtering", "Error closing file")


def summarize_errors(lines: list[str], *, keep: int = 3) -> str:
    """The informative part of ffmpeg's error lines: ``[x @ 0x..]`` prefixes and generic follow-ups removed."""
    out: list[str] = []
    for line in lines:
        text = _PREFIX_RE.sub("", line).strip()
        if text and text not in out and not text.startswith(_GENERIC):
            out.append(text)
    return " / ".join(out[:keep])


def check_encoder(ffmpeg: FFmpeg, spec: EncoderSpec, *, bits: int, pix_fmt: str, func: str = "render") -> None:
    """Refuse an encoder this ffmpeg or machine cannot run, or a bit depth it cannot take.

    Hardware encoders are probed with a 1-frame test encode; a failure names the
    alternatives (there is no silent switch to another encoder).
    """
    if bits not in spec.bit_depths:
        deeper = [n for n, s in ENCODERS.items() if bits in s.bit_depths]
        raise UnsupportedFormatError(
            f"{func}: encoder {spec.name} cannot take {bits}-bit video; use one of {', '.join(deeper)}, "
            "or convert the clip's bit depth first."
        )
    others = ", ".join(n for n, s in ENCODERS.items() if not s.hardware)
    if spec.hardware:
        err = probe_encoder(ffmpeg, spec, pix_fmt=pix_fmt)
        if err is not None:
            raise EncodeError(
                f"{func}: encoder {spec.name} ({spec.codec}) does not work on this machine: {err}. "
                f"Use a software encoder instead (--encoder {others.replace(', ', '|')})."
            )
    elif not ffmpeg.has(spec.codec):
        raise MissingPluginError(
            f"{func}: this ffmpeg ({ffmpeg.path}) was built without {spec.codec}; install an FFmpeg with it, "
            f"set ${ENV_FFMPEG}, or choose another encoder ({others})."
        )
