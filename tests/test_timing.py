"""Exact rational timing of rate conversion (ainimotion_vs._timing): no floats, no drift."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ainimotion_vs._timing import MAX_FPS, output_length, parse_fps, source_position
from ainimotion_vs.errors import UnsupportedFormatError

NTSC_FILM = Fraction(24000, 1001)
NTSC_60 = Fraction(60000, 1001)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("59.94", NTSC_60),
        (59.94, NTSC_60),
        ("23.976", NTSC_FILM),
        (23.976, NTSC_FILM),
        ("60000/1001", NTSC_60),
        (" 48 ", Fraction(48)),
        (48, Fraction(48)),
        (48.0, Fraction(48)),
        (Fraction(120000, 1001), Fraction(120000, 1001)),
        ("29.97", Fraction(30000, 1001)),
    ],
    ids=lambda v: repr(v),
)
def test_parse_fps_exact(value, expected):
    got = parse_fps(value)
    assert got == expected and isinstance(got, Fraction)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("fast", r"interpolate: cannot read frame rate 'fast'; use e\.g\. 48, 60000/1001 or 59\.94"),
        ("1/0", r"interpolate: cannot read frame rate '1/0'"),
        (0, r"interpolate: frame rate must be positive; got 0"),
        ("-24", r"interpolate: frame rate must be positive"),
        (True, r"interpolate: cannot read frame rate True"),
        (None, r"interpolate: cannot read frame rate None"),
        (float("nan"), r"interpolate: cannot read frame rate nan"),
        (float("inf"), r"interpolate: cannot read frame rate inf"),
    ],
    ids=["word", "zero-den", "zero", "negative", "bool", "none", "nan", "inf"],
)
def test_parse_fps_errors(value, match):
    with pytest.raises(UnsupportedFormatError, match=match):
        parse_fps(value)


def test_parse_fps_names_the_caller():
    with pytest.raises(ValueError, match=r"^enhance: cannot read"):
        parse_fps("x", func="enhance")


def test_integer_factor_positions():
    assert output_length(10, Fraction(24), Fraction(48)) == 20
    got = [source_position(j, Fraction(24), Fraction(48)) for j in range(6)]
    half = Fraction(1, 2)
    assert got == [(0, 0), (0, half), (1, 0), (1, half), (2, 0), (2, half)]
    assert [source_position(j, Fraction(24), Fraction(72))[1] for j in range(3)] == [0, Fraction(1, 3), Fraction(2, 3)]


def test_film_to_5994_pattern():
    """23.976 -> 59.94 is 2 -> 5: t cycles 0, 2/5, 4/5, 1/5, 3/5 and source frame 2k is output 5k."""
    got = [source_position(j, NTSC_FILM, NTSC_60) for j in range(6)]
    f = Fraction
    assert got == [(0, 0), (0, f(2, 5)), (0, f(4, 5)), (1, f(1, 5)), (1, f(3, 5)), (2, 0)]
    assert output_length(2, NTSC_FILM, NTSC_60) == 5
    assert output_length(3, NTSC_FILM, NTSC_60) == 8  # 7.5 output frames of time, rounded up


def test_no_drift_over_a_24_minute_episode():
    """Every output frame of a 24-minute 23.976 episode at 59.94 sits at exactly j * 1001/60000 s:
    the source frame's start is never after it and the next source frame starts after it."""
    n_src = 34_528  # 24 min at 24000/1001 (1440 s * 23.976...)
    length = output_length(n_src, NTSC_FILM, NTSC_60)
    assert length == 86_320  # exactly 5/2 of the source frames: no frame gained or lost
    src_dur, out_dur = 1 / NTSC_FILM, 1 / NTSC_60
    for j in range(length):
        n, t = source_position(j, NTSC_FILM, NTSC_60)
        assert (n + t) * src_dur == j * out_dur and 0 <= t < 1
    # The last output frame still falls on source frame n_src - 1 and the cadence is intact.
    assert source_position(length - 1, NTSC_FILM, NTSC_60) == (n_src - 1, Fraction(3, 5))
    assert source_position(length - 5, NTSC_FILM, NTSC_60) == (n_src - 2, 0)
    # A float accumulation would have drifted; the exact positions repeat with period 5 all along.
    ts = {source_position(j, NTSC_FILM, NTSC_60)[1] for j in range(0, length, 997)}
    assert ts == {Fraction(k, 5) for k in range(5)}


def test_odd_rate_pairs_cover_every_source_frame_once_at_t0():
    """25 -> 60000/1001: every source frame whose time lands on the output grid shows at t=0; positions never go back."""
    in_fps, out_fps = Fraction(25), NTSC_60
    length = output_length(100, in_fps, out_fps)
    pos = [source_position(j, in_fps, out_fps) for j in range(length)]
    assert all(b >= a for a, b in zip(pos, pos[1:]))
    assert pos[-1][0] == 99 and {n for n, _ in pos} == set(range(100))


# ---------------------------------------------------------------- one rate parser for every caller

RATE_TEXTS = {
    "59.940": NTSC_60, "59.94": NTSC_60, "60000/1001": NTSC_60, "23.976": NTSC_FILM, "23.98": NTSC_FILM,
    "24000/1001": NTSC_FILM, "24": Fraction(24), "29.97": Fraction(30000, 1001), "119.88": Fraction(120000, 1001),
    "47.952": Fraction(48000, 1001), "12.5": Fraction(25, 2), "25.0": Fraction(25), "1e3": Fraction(1000),
    "10000": Fraction(10000),
}


@pytest.mark.parametrize(("text", "expected"), RATE_TEXTS.items(), ids=list(RATE_TEXTS))
def test_every_rate_text_reads_the_same_for_fps_and_cfr(text, expected):
    from ainimotion_vs.cli import build_parser

    # --fps (the interpolation target) and --cfr (the source conversion) share one parser
    args = build_parser().parse_args(["enhance", "in.mkv", "--fps", text, "--cfr", text])
    assert args.fps == args.cfr == parse_fps(text) == expected


def test_rate_limit_is_stated():
    assert parse_fps(MAX_FPS) == MAX_FPS
    for value in ("1e9", MAX_FPS + 1, 1e9):
        with pytest.raises(UnsupportedFormatError, match=r"enhance: frame rate .* is above the limit of 10000 fps"):
            parse_fps(value, func="enhance")


def test_cli_refuses_bad_rates_up_front(capsys):
    from ainimotion_vs.cli import main

    for opt in ("--fps", "--cfr"):
        with pytest.raises(SystemExit) as exc:
            main(["enhance", "missing.mkv", opt, "1e9"])
        assert exc.value.code == 2
        assert f"argument {opt}: frame rate '1e9' is above the limit of 10000 fps" in capsys.readouterr().err
