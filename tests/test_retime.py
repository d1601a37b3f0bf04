"""The timing plan (ainimotion_vs._retime): pure Fraction arithmetic on label letters, checked
against a whole-clip reference written independently here, on generated episodes with shots on
ones to fours, pauses and cuts; and a 23.976 -> 59.94 conversion of 86,320 frames."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

from ainimotion_vs._retime import Choice, choose, local_cadence, window
from ainimotion_vs._timing import output_length


def episode(frames: int, seed: int) -> str:
    """Letters of ``frames`` intervals: shots of 20-200 frames, each drawn on one cadence (1-4)
    with a mixed drawing now and then and pauses of 5-40 frames; the last interval is "."."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < frames:
        cadence = rng.choice((1, 2, 2, 3, 3, 4))
        shot: list[str] = []
        for _ in range(rng.randint(20, 200)):
            r = rng.random()
            hold = rng.randint(5, 40) if r < 0.08 else cadence + (rng.choice((-1, 1)) if r < 0.15 else 0)
            hold = max(1, hold)
            shot += ["h"] * (hold - 1) + ["f" if rng.random() < 0.01 else "m"]
            if len(shot) > rng.randint(20, 200):
                break
        shot[-1] = "c"
        out += shot
    out = out[: frames - 1] + ["."]
    return "".join(out)


def plan(codes: str, p: Fraction, *, timing: str, max_cadence: int = 4) -> Choice:
    """The choice at ``p`` given only the window :func:`window` names ("." outside the clip)."""
    n = p.numerator // p.denominator
    back, ahead = window(timing, max_cadence)
    text = "".join(codes[k] if 0 <= k < len(codes) else "." for k in range(n - back, n + ahead + 1))
    return choose(p, text, n - back, timing=timing, max_cadence=max_cadence)


# ---------------------------------------------------------------- an independent whole-clip reference


def reference(codes: str, p: Fraction, max_cadence: int) -> tuple[str, int, int, Fraction]:
    """Smooth timing from the whole clip: drawings, shots and cadence computed globally."""
    n = p.numerator // p.denominator
    onsets = [0] + [k + 1 for k, c in enumerate(codes[:-1]) if c != "h"]
    a = max(o for o in onsets if o <= n)
    later = [o for o in onsets if o > n]
    held = ("source" if p == n else "duplicate", n, n, Fraction(0))
    if n >= len(codes) - 1 or not later or codes[later[0] - 1] == "c":
        return held
    b = later[0]
    kind = "model" if codes[b - 1] == "m" else "blend"
    if b - a <= max_cadence:
        return held if p == a else (kind, a, b, (p - a) / (b - a))
    span = 3 * max_cadence
    shot_start = max([0] + [k + 1 for k, c in enumerate(codes[:b]) if c == "c"])
    durations = []
    for s, e in zip(onsets, onsets[1:]):
        ends_in_move = codes[e - 1] in "mf"
        inside = s >= max(shot_start, b - span) and e <= b + span and "c" not in codes[b:e - 1]
        if ends_in_move and inside and e - s <= max_cadence:
            durations.append(e - s)
    durations.sort()
    c = durations[(len(durations) - 1) // 2] if durations else 1
    if p <= b - c:
        return held
    return (kind, b - c, b, (p - (b - c)) / c)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("max_cadence", [2, 4])
def test_windowed_plan_equals_the_whole_clip_reference(seed, max_cadence):
    codes = episode(1500, seed)
    for j in range(2 * len(codes)):
        p = Fraction(j, 2)
        c = plan(codes, p, timing="smooth", max_cadence=max_cadence)
        assert (c.kind, c.a, c.b, c.t) == reference(codes, p, max_cadence), (j, codes[max(0, j // 2 - 12) : j // 2 + 16])


def test_twos_threes_pause_and_cut_at_2x():
    # drawings at 0, 2, 4 (twos), a pause 6..14, then twos 15, 17, 19, 21 and a cut after 21
    codes = "hmhmhm" + "h" * 8 + "m" + "hmhmhmc" + "hh."
    got = [plan(codes, Fraction(j, 2), timing="smooth") for j in range(2 * len(codes))]
    # a span on twos: t = (p - a) / 2 at every output frame, the key pose at its onset
    assert [(c.kind, c.a, c.b, c.t) for c in got[:5]] == [
        ("source", 0, 0, 0), ("model", 0, 2, Fraction(1, 4)), ("model", 0, 2, Fraction(1, 2)),
        ("model", 0, 2, Fraction(3, 4)), ("source", 2, 2, 0)]
    # the pause holds (source frames and duplicates, time standing still) until b - c = 15 - 2
    pause = got[12:27]
    assert all(c.kind in ("source", "duplicate") and c.time == c.a for c in pause)
    assert [(c.kind, c.a, c.b, c.t) for c in got[27:30]] == [
        ("model", 13, 15, Fraction(1, 4)), ("model", 13, 15, Fraction(1, 2)), ("model", 13, 15, Fraction(3, 4))]
    # the last drawing before the cut (21) holds to it: nothing between 21 and 22
    assert [(c.kind, c.a) for c in got[42:44]] == [("source", 21), ("duplicate", 21)]
    assert got[41].kind == "model" and (got[41].a, got[41].b) == (19, 21)
    assert all(c.time == Fraction(j, 2) for j, c in enumerate(got[:12]) if c.kind == "model")


def test_keep_is_the_interval_rule():
    codes = episode(400, 7)
    for j in range(3 * len(codes)):
        p = Fraction(j, 3)
        n, t = divmod(j, 3)
        c = plan(codes, p, timing="keep")
        if t == 0:
            assert (c.kind, c.a) == ("source", n)
        elif codes[n] in "mf":
            assert (c.kind, c.a, c.b, c.t) == ("model" if codes[n] == "m" else "blend", n, n + 1, Fraction(t, 3))
        else:
            assert (c.kind, c.a) == ("duplicate", n)


def test_missing_labels_and_bounds():
    with pytest.raises(LookupError) as info:
        choose(Fraction(5, 2), "hh?h" + "h" * 30, 0, timing="smooth", max_cadence=4)
    assert info.value.args == (2,)
    with pytest.raises(IndexError, match="timing plan: interval 4 is outside the label window 0..3"):
        choose(Fraction(5, 2), "hhhh", 0, timing="smooth", max_cadence=4)  # a window too short: a bug, loudly
    assert window("keep", 4) == (0, 0) and window("smooth", 4) == (12, 15) and window("smooth", 2) == (6, 7)


def test_local_cadence():
    def lab(codes):
        return lambda k: codes[k] if 0 <= k < len(codes) else "."

    threes = "hhm" * 6 + "h" * 9 + "m" + "hhm" * 4
    assert local_cadence(lab(threes), 28, 4) == 3
    still = "h" * 20 + "m" + "h" * 20 + "."
    assert local_cadence(lab(still), 21, 4) == 1  # nothing nearby to borrow a cadence from
    mixed = "hm" * 3 + "hhm" * 3 + "h" * 10 + "m" + "hm"
    assert local_cadence(lab(mixed), 26, 4) == 2  # durations 2, 2, 2, 3, 3, 3 and 2 after: lower median
    cut_before = "hhm" * 4 + "c" + "m" * 3 + "h" * 9 + "m" + "m"
    assert local_cadence(lab(cut_before), 27, 4) == 1  # the shot before the cut does not count


def test_ntsc_episode_smooth_timing_is_exact():
    """23.976 -> 59.94 over 86,320 frames (an hour at 24000/1001): every model frame depicts
    exactly its own output time, held frames a source frame, nothing spans a cut."""
    frames = 86_320
    in_fps, out_fps = Fraction(24000, 1001), Fraction(60000, 1001)
    codes = episode(frames, 11)
    length = output_length(frames, in_fps, out_fps)
    assert length == 215_800 and Fraction(length) / out_fps == Fraction(frames) / in_fps  # same duration, exactly
    back, ahead = window("smooth", 4)
    padded = "." * back + codes + "." * (ahead + 1)
    cuts = [k for k, c in enumerate(codes) if c == "c"]
    import bisect

    kinds = {"source": 0, "duplicate": 0, "model": 0, "blend": 0}
    for j in range(length):
        p = Fraction(j * 2, 5)  # j * in_fps / out_fps
        n = p.numerator // p.denominator
        c = choose(p, padded[n : n + back + ahead + 1], n - back, timing="smooth", max_cadence=4)
        kinds[c.kind] += 1
        if c.kind in ("model", "blend"):
            assert c.time == p and 0 < c.t < 1 and c.a < p < c.b and c.b - c.a <= 4, j
            k = bisect.bisect_left(cuts, c.a)
            assert k == len(cuts) or cuts[k] >= c.b - 1 and codes[c.b - 1] != "c", j  # never across a cut
        else:
            assert c.a == n and c.time == n and (c.kind == "source") == (p == n), j
    # model frames fill the drawings' spans; the generated episode spends most of its time in
    # pauses (8% of drawings hold 5-40 frames) and last drawings before cuts, which hold
    assert kinds["source"] + kinds["duplicate"] + kinds["model"] + kinds["blend"] == length
    assert kinds["model"] > length // 3 and kinds["duplicate"] > 0 and kinds["blend"] > 0
