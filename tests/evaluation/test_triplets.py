"""Interpolation triplets mined from hand labels, and the blend and tail statistics they are scored with."""
from __future__ import annotations

import numpy as np
import pytest

from ainimotion_vs.errors import SettingsError
from ainimotion_vs.evaluation.labels import parse_labels
from ainimotion_vs.evaluation.triplets import blend_middle, mine_triplets, tail_stats


def test_mine_takes_evenly_spaced_drawings_and_skips_cuts():
    # drawings on twos (holds on even intervals): drawing starts 0, 2, 4, 6, 8, 10; frame 7 is a cut
    on_twos = parse_labels("# clip: x.mp4 frames: 12\nhold 0 2 4 8 10\ncut 7\n")
    assert mine_triplets(on_twos, gap=1) == [(0, 2, 4), (2, 4, 6)]  # the others span interval 6 (the cut)
    no_cut = parse_labels("# clip: x.mp4 frames: 12\nhold 0 2 4 6 8 10\n")
    assert mine_triplets(no_cut, gap=1) == [(0, 2, 4), (2, 4, 6), (4, 6, 8), (6, 8, 10)]
    assert mine_triplets(no_cut, gap=2) == [(0, 4, 8), (2, 6, 10)]  # B is the middle drawing


def test_mine_skips_uneven_and_long_spacing():
    # starts 0, 1, 3, 4, 8, 12: steps 1, 2, 1 (uneven), then 4 (a held drawing, not motion on threes)
    labels = parse_labels("# clip: x.mp4 frames: 13\nhold 1 4-6 8-10\n")
    assert mine_triplets(labels) == []
    ignored = parse_labels("# clip: x.mp4 frames: 7\nhold 0 2 4\nignore 3\n")
    assert mine_triplets(ignored) == []  # (0, 2, 4) spans the ignored interval 3
    with pytest.raises(SettingsError, match="mine_triplets: gap must be 1 or more"):
        mine_triplets(labels, gap=0)


def test_blend_rounds_halves_to_even_in_8bit():
    a = np.array([[[0, 1, 254]]], dtype=np.uint8)
    c = np.array([[[1, 2, 255]]], dtype=np.uint8)
    # (0+1)/2 = 0.5 -> 0, (1+2)/2 = 1.5 -> 2, (254+255)/2 = 254.5 -> 254 (round half to even)
    assert blend_middle(a, c).tolist() == [[[0, 2, 254]]]
    assert blend_middle(a, c).dtype == np.uint8


def test_tail_stats_mean_bottom_tenth_and_worst():
    values = [float(v) for v in range(1, 21)]  # 20 values: the bottom 10% is the 2 lowest
    assert tail_stats(values) == (10.5, 1.5, 1.0)
    assert tail_stats([3.0]) == (3.0, 3.0, 3.0)  # at least one value in the tail
    with pytest.raises(ValueError, match="tail_stats: no values"):
        tail_stats([])
