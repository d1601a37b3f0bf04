"""A chunked run killed midway leaves no output; the same command resumes from the work dir."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import framemd5, shots, write_source

from ainimotion_vs.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_killed_run_resumes_without_redoing_finished_chunks(ray_local, tmp_path, capsys):
    src = write_source(tmp_path / "ep.mkv", shots(6, 6, 6, 6, 6, 6, 6, 6), streams=False)
    out = tmp_path / "out"
    args = ["enhance", str(src), "--out-dir", str(out), "--preset", "none", "--encoder", "ffv1",
            "--chunk-seconds", "0.25", "--keep-work", "-q"]
    seg = out / ".ainimotion-work" / "ep.mkv" / "seg"
    # its own Ray (a second driver), one chunk at a time; killed (SIGKILL) once two chunks are in
    proc = subprocess.Popen([sys.executable, "-m", "ainimotion_vs", *args, "--workers", "1"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(list(seg.glob("*.json"))) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no chunk finished in time"
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:  # the Ray it started runs in its session: end it with the driver
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # a chunk is finished when its record is written (the record follows the segment file, so a
    # kill between the two leaves a segment without one: that chunk is rendered again)
    finished = {r.with_suffix(".mkv").name: r.with_suffix(".mkv").stat().st_mtime_ns for r in seg.glob("*.json")}
    assert 2 <= len(finished) < 8
    assert not (out / "ep.mkv").exists() and not list(out.glob("*.mkv*"))  # nothing under or beside the output name

    assert main(args[:-1]) == 0  # the same command (without -q, to read what it says)
    assert f"reusing {len(finished)} of 8 finished chunk(s)" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in seg.glob("*.mkv") if p.name in finished} == finished  # not redone
    assert len(list(seg.glob("*.json"))) == 8

    single = tmp_path / "single.mkv"
    assert main(["enhance", str(src), "-o", str(single), "--preset", "none", "--encoder", "ffv1", "-q"]) == 0
    assert framemd5(out / "ep.mkv") == framemd5(single)
