"""The hand-made gating truth in tests/labels/: it parses, matches the real clips, and the scorer counts right."""
from __future__ import annotations

from pathlib import Path

import pytest

from ainimotion_vs.evaluation.labels import (
    ClipLabels,
    format_ranges,
    load_labels,
    parse_labels,
    score_cuts,
    score_holds,
)
from ainimotion_vs.errors import SettingsError

LABELS = Path(__file__).resolve().parents[1] / "labels"
CLIPS = [
    "onepiece_demo",
    "digimon_trailer_720p",
    "anohana_shot_24fps",
    "konobi07_shot_24fps",
    "konobi12_shot_24fps",
    "popteamepic_60fps_cadence",
    "tom_and_jerry_480p",
    "slides_fades_control",
]
# Verified cut lists of ../shared/data/SOURCES.md (frame N = first frame of the new shot).
SOURCE_CUTS = {
    "onepiece_demo": {100},
    "digimon_trailer_720p": {311, 388, 604, 675, 741, 923, 1000},
    "tom_and_jerry_480p": {65, 189, 502},
}
# Small clips whose every labelled interval is checked against the pixels (fast).
PIXEL_CHECKED = ["onepiece_demo", "anohana_shot_24fps", "konobi07_shot_24fps", "konobi12_shot_24fps", "slides_fades_control"]


@pytest.mark.parametrize("name", CLIPS)
def test_label_file_parses_and_names_its_clip(name):
    lab = load_labels(LABELS / f"{name}.txt")
    assert lab.clip == f"{name}.mp4"
    assert lab.cuts == SOURCE_CUTS.get(name, set())
    counts = lab.counts()
    assert sum(counts.values()) == lab.frames - 1
    assert counts["hold"] > 0 and counts["motion"] > 0


def test_label_files_are_exactly_the_clips():
    assert sorted(p.stem for p in LABELS.glob("*.txt")) == sorted(CLIPS)


@pytest.mark.parametrize("name", CLIPS)
def test_label_frame_count_matches_clip(shared_data, core, name):
    lab = load_labels(LABELS / f"{name}.txt")
    clip = core.bs.VideoSource(str(shared_data / "clips" / lab.clip))
    assert clip.num_frames == lab.frames


def _luma_diffs(core, path: Path) -> list[float]:
    """Mean |dY| of every interval (0..1), on a 160-wide luma copy (fast, and averages noise)."""
    import vapoursynth as vs

    clip = core.bs.VideoSource(str(path))
    y = core.resize.Bilinear(clip, 160, (clip.height * 160 // clip.width) // 2 * 2, format=vs.GRAYS)
    stats = core.std.PlaneStats(y[:-1], y[1:])
    return [f.props["PlaneStatsDiff"] for f in stats.frames()]


@pytest.mark.parametrize("name", PIXEL_CHECKED)
def test_labels_agree_with_pixels(shared_data, core, name):
    """Catches off-by-one or swapped labels: every hold is nearly identical, every cut very different."""
    lab = load_labels(LABELS / f"{name}.txt")
    diffs = _luma_diffs(core, shared_data / "clips" / lab.clip)
    holds = [diffs[n] for n in lab.holds]
    assert max(holds) < 2.0 / 255, f"a labelled hold differs by {max(holds) * 255:.2f} code values"
    for n in lab.cut_intervals:
        assert diffs[n] > 20 / 255
    motion = [diffs[n] for n in lab.intervals if lab.label(n) == "motion"]
    # motion intervals include lip flap (tiny global diff), so only the bulk must move
    assert sorted(motion)[len(motion) // 2] > max(holds)


def _lab(text: str) -> ClipLabels:
    return parse_labels("# clip: x.mp4 frames: 10\n" + text, source="t.txt")


def test_parse_ranges_inclusive_and_labels():
    lab = _lab("cut 5\nhold 0-2 7  # comment\nignore 8\n")
    assert lab.holds == {0, 1, 2, 7}
    assert lab.cut_intervals == {4}
    assert [lab.label(n) for n in range(9)] == ["hold"] * 3 + ["motion", "cut", "motion", "motion", "hold", "ignore"]
    assert lab.counts() == {"cut": 1, "hold": 4, "motion": 3, "ignore": 1}
    with pytest.raises(IndexError, match=r"interval 9 is outside 0\.\.8"):
        lab.label(9)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("hold 1\n", r"labels before the header"),
        ("# clip: x.mp4 frames: 10\nfreeze 1\n", r"unknown keyword 'freeze'"),
        ("# clip: x.mp4 frames: 10\nhold\n", r"'hold' needs at least one"),
        ("# clip: x.mp4 frames: 10\nhold 3-x\n", r"'3-x' is not a number or a range"),
        ("# clip: x.mp4 frames: 10\nhold 5-3\n", r"runs backwards"),
        ("# clip: x.mp4 frames: 10\nhold 8-9\n", r"interval 9 is outside 0\.\.8"),
        ("# clip: x.mp4 frames: 10\ncut 0\n", r"cut 0 is outside 1\.\.9"),
        ("# clip: x.mp4 frames: 10\ncut 3-4\n", r"cuts are single frames"),
        ("# clip: x.mp4 frames: 10\nhold 1-3 3\n", r"listed twice"),
        ("# clip: x.mp4 frames: 10\ncut 4\nhold 3\n", r"intervals 3 are both cut and hold"),
        ("# clip: x.mp4 frames: 10\nhold 2-4\nignore 4-5\n", r"intervals 4 are both hold and ignore"),
        ("# clip: x.mp4 frames: 10\n# clip: y.mp4 frames: 3\n", r"a second '# clip:' header"),
        ("# nothing\n", r"no '# clip: NAME.mp4 frames: N' header"),
    ],
    ids=["no-header-first", "keyword", "empty", "bad-range", "backwards", "past-end", "cut-zero",
         "cut-range", "duplicate", "cut-hold", "hold-ignore", "two-headers", "no-header"],
)
def test_parse_errors_say_where_and_how(text, match):
    with pytest.raises(SettingsError, match=match):
        parse_labels(text, source="t.txt")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_labels: no label file"):
        load_labels(tmp_path / "nope.txt")


def test_scores_count_exact_frames_and_skip_ignored():
    lab = _lab("cut 5\nhold 0-2\nignore 7\n")
    s = score_cuts(lab, [5, 6, 8])  # 8 is on ignored interval 7 -> not counted
    assert (s.tp, s.fp, s.fn, s.false_pos) == (1, 1, 0, (6,))
    assert s.precision == 0.5 and s.recall == 1.0 and s.f1 == pytest.approx(2 / 3)
    h = score_holds(lab, [1, 2, 3, 4, 7])  # 4 is the cut interval (a non-hold), 7 ignored
    assert (h.tp, h.fp, h.fn, h.false_pos, h.missed) == (2, 2, 1, (3, 4), (0,))
    total = s + h
    assert (total.tp, total.fp, total.fn) == (3, 3, 1)
    empty = score_cuts(_lab("hold 1\n"), [])
    assert empty.precision is None and empty.recall is None and empty.f1 is None


def test_format_ranges():
    assert format_ranges([7, 1, 2, 3, 9, 10]) == "1-3 7 9-10"
    assert format_ranges([]) == ""


def test_load_label_dir_reads_every_file_by_stem(tmp_path):
    from ainimotion_vs.evaluation.labels import LABELS_DIR, load_label_dir

    assert LABELS_DIR == LABELS
    got = load_label_dir()
    assert list(got) == sorted(CLIPS) and got["onepiece_demo"].cuts == {100}
    with pytest.raises(FileNotFoundError, match=r"load_label_dir: no label folder at .*nope"):
        load_label_dir(tmp_path / "nope")
