"""WorkDir: a segment counts as done only while it matches its record; other settings start afresh.
ProgressBoard: frames across workers, retries counted once, an ETA from this run's rate."""
from __future__ import annotations

from fractions import Fraction

from ainimotion_vs.cache import file_sha256
from ainimotion_vs.distributed.plan import plan_chunks
from ainimotion_vs.distributed.workdir import ProgressBoard, SegmentRecord, WorkDir

CHUNKS = plan_chunks(["motion", "cut", "motion", "cut"], in_fps=Fraction(24), out_fps=Fraction(48), chunk_seconds=1 / 24)


def _finish(work: WorkDir, index: int, data: bytes) -> None:
    seg = work.segment_path(index)
    seg.write_bytes(data)
    work.record(SegmentRecord(index=index, frames=CHUNKS[index].frames, sha256=file_sha256(seg), bytes=len(data), seconds=1.0))


def test_finished_segments_are_reused_only_while_unchanged(tmp_path):
    work = WorkDir.for_output(tmp_path / "ep.mkv")
    assert work.root == tmp_path / ".ainimotion-work" / "ep.mkv"
    assert work.open("key1") is None
    work.write_plan("key1", {"chunks": [c.to_json() for c in CHUNKS]})
    _finish(work, 0, b"segment zero")
    _finish(work, 1, b"segment one")
    (work.seg / ".00001.123.abcd.ainimotion-part.mkv").write_bytes(b"left by a killed worker")
    assert work.open("key1")["key"] == "key1"
    assert not list(work.seg.glob("*ainimotion-part*"))
    assert set(work.finished(CHUNKS)) == {0, 1}
    work.segment_path(1).write_bytes(b"segment 0ne")  # same size, other bytes
    assert set(work.finished(CHUNKS)) == {0}
    work.segment_path(0).unlink()
    assert work.finished(CHUNKS) == {}


def test_other_settings_start_the_work_dir_afresh(tmp_path):
    work = WorkDir.for_output(tmp_path / "ep.mkv")
    work.open("key1")
    work.write_plan("key1", {"chunks": []})
    _finish(work, 0, b"old settings")
    assert work.open("key2") is None
    assert not work.segment_path(0).exists()
    work.remove()
    assert not (tmp_path / ".ainimotion-work").exists()


def test_progress_counts_frames_across_workers_and_retries_once():
    board = ProgressBoard(total_frames=100, total_chunks=4, done_frames=20, done_chunks=1)
    board.update("a#1", 10, pid=1)
    board.update("a#2", 5, pid=2)
    done, chunks, rate, eta = board.snapshot()
    assert (done, chunks) == (35, 1) and rate > 0 and eta > 0
    board.update("a#1", 3, pid=7)  # retried in another worker: starts again
    assert board.snapshot()[0] == 28
    board.finish("a#1", 30)
    board.finish("a#2", 30)
    assert board.snapshot()[:2] == (80, 3)
    assert "chunks 3/4  frames 80/100" in board.line()
