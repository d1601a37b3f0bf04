"""Graph helpers (ainimotion_vs._graph): remapping, labels, drawing reuse. Real VapourSynth, tiny clips."""
from __future__ import annotations

import numpy as np
import vapoursynth as vs

from ainimotion_vs._graph import (
    carry_timeline_props,
    drawing_index,
    interval_label,
    remap,
    reuse_holds,
    same_as_previous,
)

core = vs.core


def numbered(n: int) -> vs.VideoNode:
    """A GRAY8 clip whose frame k is filled with the value k."""
    return core.std.Splice([core.std.BlankClip(format=vs.GRAY8, width=16, height=8, length=1, color=k) for k in range(n)])


def values(clip: vs.VideoNode) -> list[int]:
    return [int(np.asarray(f[0])[0, 0]) for f in clip.frames()]


def labelled(labels: list[str]) -> vs.VideoNode:
    clip = numbered(len(labels))
    return core.std.Splice([clip[k].std.SetFrameProps(AinimotionInterval=lab) for k, lab in enumerate(labels)])


def test_remap_any_length_and_clamped():
    clip = numbered(4)
    out = remap(clip, 9, lambda j: j // 2)
    assert out.num_frames == 9 and values(out) == [0, 0, 1, 1, 2, 2, 3, 3, 3]  # index 4 clamps to the last frame
    assert values(remap(clip, 3, lambda j: -5 + j)) == [0, 0, 0]
    assert values(remap(clip, 2, lambda j: 3 - j, template=numbered(7))) == [3, 2]


def test_interval_label_sources():
    f = core.std.BlankClip(length=1)
    assert interval_label(f.std.SetFrameProps(AinimotionInterval="hold").get_frame(0).props) == "hold"
    assert interval_label(f.std.SetFrameProps(_SceneChangeNext=1).get_frame(0).props) == "cut"
    assert interval_label(f.std.SetFrameProps(_SceneChangeNext=0).get_frame(0).props) == "motion"
    both = f.std.SetFrameProps(_SceneChangeNext=1, AinimotionInterval="motion")
    assert interval_label(both.get_frame(0).props) == "motion"  # our own label wins
    assert interval_label(f.get_frame(0).props) is None


def test_same_as_previous_and_drawing_index():
    clip = labelled(["hold", "hold", "motion", "hold", "cut", "motion"])
    props = [f.props for f in clip.frames()]
    assert [same_as_previous(props[k - 1], props[k]) for k in range(1, 6)] == [True, True, False, True, False]
    drawings = [f.props["AinimotionDrawing"] for f in drawing_index(clip).frames()]
    assert drawings == [0, 0, 0, 3, 3, 5]
    # interpolate()'s output: a duplicate shows the frame before; a model frame starts a new picture.
    out = core.std.Splice([
        clip[0].std.SetFrameProps(AinimotionSource="source", AinimotionInterval="motion"),
        clip[0].std.SetFrameProps(AinimotionSource="model", AinimotionInterval="motion"),
        clip[1].std.SetFrameProps(AinimotionSource="source", AinimotionInterval="hold"),
        clip[1].std.SetFrameProps(AinimotionSource="duplicate", AinimotionInterval="hold"),
    ])
    assert [f.props["AinimotionDrawing"] for f in drawing_index(out).frames()] == [0, 1, 2, 2]


def test_reuse_holds_computes_each_drawing_once():
    clip = labelled(["hold", "hold", "motion", "hold", "cut"])
    calls = []

    def _process(n: int, f: vs.VideoFrame) -> vs.VideoFrame:
        calls.append(n)
        return f.copy()

    processed = core.std.ModifyFrame(clip, clip, _process)
    out = reuse_holds(processed, clip)
    assert values(out) == [0, 0, 0, 3, 3]
    assert sorted(set(calls)) == [0, 3]
    assert [f.props["AinimotionInterval"] for f in out.frames()] == ["hold", "hold", "motion", "hold", "cut"]


def test_carry_timeline_props():
    pixels = numbered(2).std.SetFrameProps(Other=1, _SceneChangeNext=0)
    timeline = numbered(2).std.SetFrameProps(AinimotionSource="model", _SceneChangeNext=1, _DurationNum=1001, Other=2)
    f = carry_timeline_props(pixels, timeline).get_frame(1)
    p = f.props
    assert (p["AinimotionSource"], p["_SceneChangeNext"], p["_DurationNum"], p["Other"]) == ("model", 1, 1001, 1)
