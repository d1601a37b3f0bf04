"""plan_chunks: chunks start at cuts, long shots split at holds, output frames partition exactly."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ainimotion_vs._timing import output_length, source_position
from ainimotion_vs.distributed.plan import Chunk, boundary_kinds, format_time, plan_chunks
from ainimotion_vs.errors import SettingsError

F24 = Fraction(24)


def labels(n: int, cuts=(), holds=()) -> list[str]:
    out = ["motion"] * n
    for c in cuts:
        out[c] = "cut"
    for h in holds:
        out[h] = "hold"
    out[-1] = "cut"
    return out


def check_partition(chunks, n, in_fps, out_fps):
    assert chunks[0].start == 0 and chunks[-1].end == n
    assert chunks[0].out_start == 0 and chunks[-1].out_end == output_length(n, in_fps, out_fps)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end == b.start and a.out_end == b.out_start
    for c in chunks:
        # every output frame of the chunk has its source position inside the chunk, exactly
        for j in range(c.out_start, c.out_end):
            assert c.start <= source_position(j, in_fps, out_fps)[0] < c.end


def test_chunks_start_after_cuts_nearest_the_target():
    # 10 s at 24 fps, cuts (interval n -> n+1) at 50, 110, 130, 200
    lab = labels(240, cuts=(50, 110, 130, 200))
    chunks = plan_chunks(lab, in_fps=F24, out_fps=F24 * 2, chunk_seconds=5)
    assert [(c.start, c.end, c.boundary) for c in chunks] == [(0, 111, "cut"), (111, 240, "end")]
    check_partition(chunks, 240, F24, F24 * 2)


def test_no_cut_in_reach_splits_at_the_hold_nearest_the_target():
    lab = labels(300, holds=(20, 64, 150))
    chunks = plan_chunks(lab, in_fps=F24, out_fps=F24, chunk_seconds=2, max_chunk_seconds=3)
    assert chunks[0].end == 65 and chunks[0].boundary == "hold"
    assert all(c.end - c.start <= 72 for c in chunks)
    assert any(c.boundary == "forced" for c in chunks)  # 151 + 72 < 300 and no hold after 150
    check_partition(chunks, 300, F24, F24)


@pytest.mark.parametrize("out_fps", [Fraction(48), Fraction(60000, 1001), Fraction(25)])
def test_output_frames_partition_for_any_rate(out_fps):
    in_fps = Fraction(24000, 1001)
    lab = labels(1000, cuts=tuple(range(37, 1000, 53)))
    chunks = plan_chunks(lab, in_fps=in_fps, out_fps=out_fps, chunk_seconds=3)
    assert len(chunks) > 5
    check_partition(chunks, 1000, in_fps, out_fps)


def test_boundaries_and_helpers():
    assert boundary_kinds(["motion", "cut", "hold", "cut"]) == {2: "cut", 3: "hold"}
    assert format_time(Fraction(3723500, 1000)) == "1:02:03.500"
    c = plan_chunks(["cut"], in_fps=F24, out_fps=F24)[0]
    assert (c.start, c.end, c.frames, c.boundary) == (0, 1, 1, "end")
    assert Chunk.from_json(c.to_json()) == c
    assert "source frames 0-1" in c.describe()


def test_bad_settings_say_what_to_change():
    with pytest.raises(SettingsError, match="no frames"):
        plan_chunks([], in_fps=F24, out_fps=F24)
    with pytest.raises(SettingsError, match="chunk_seconds must be positive"):
        plan_chunks(["cut"], in_fps=F24, out_fps=F24, chunk_seconds=0)
    with pytest.raises(SettingsError, match="at least chunk_seconds"):
        plan_chunks(["cut"], in_fps=F24, out_fps=F24, chunk_seconds=10, max_chunk_seconds=5)
    with pytest.raises(SettingsError, match="positive Fraction"):
        plan_chunks(["cut"], in_fps=24.0, out_fps=F24)
