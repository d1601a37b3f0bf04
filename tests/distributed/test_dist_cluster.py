"""Two raylets on 127.0.0.1 (a head and a second node started by the test): a run joins them
with --ray-address; the head offers no CPU (it only runs the cluster and the driver, as a head
without GPUs would), so every task runs on the second raylet."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import shots, write_source

from ainimotion_vs.cli import main
from ainimotion_vs.media import probe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli() -> str:
    exe = Path(sys.executable).with_name("ray")
    if not exe.exists():
        pytest.skip("the `ray` command is not installed beside Python")
    return str(exe)


def _wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"ray start exited: {proc.stderr.read().decode()[-2000:]}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"the Ray head did not listen on port {port} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """End a `ray start --block` and the processes it started (its own session), by id."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None and sig == signal.SIGKILL:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            continue
    try:  # what it started and left in its session
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_two_raylets_on_one_machine_complete_a_run(tmp_path, monkeypatch):
    import ray

    # a throwaway cluster on loopback: no token (Ray 2.5x's token auth would have every process
    # of the test agree on one token file shared with any other Ray on this machine)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("RAY_ADDRESS", "")

    ray_cli = _ray_cli()
    port = _free_port()
    # a short temp dir of its own: Unix socket paths are limited to 107 bytes, and no other
    # ray.init() on this machine may find and join this cluster
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")
    env = dict(os.environ)
    common = ["--temp-dir", temp, "--disable-usage-stats", "--block"]
    head = [ray_cli, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
            "--num-cpus", "0", *common]
    node = [ray_cli, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus", "2", *common]
    procs: list[subprocess.Popen] = []
    address = f"127.0.0.1:{port}"
    try:
        procs.append(subprocess.Popen(head, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True))
        _wait_port(port, procs[0], 180)
        procs.append(subprocess.Popen(node, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True))
        ray.init(address=address)
        try:
            deadline = time.monotonic() + 180
            while len([n for n in ray.nodes() if n["Alive"]]) < 2:
                assert time.monotonic() < deadline, "the second raylet did not join"
                time.sleep(0.5)
            second = {n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU")}
        finally:
            ray.shutdown()
        src = write_source(tmp_path / "ep.mkv", shots(12, 12, 12, 12))
        out = tmp_path / "out"
        assert main(["enhance", str(src), "--out-dir", str(out), "--ray-address", address, "--preset", "none",
                     "--encoder", "x264", "--x-preset", "ultrafast", "--chunk-seconds", "0.5", "--keep-work", "-q"]) == 0
        got = probe(out / "ep.mkv")
        assert got.num_frames == 48 and len(got.kind("audio")) == 1 and len(got.kind("subtitle")) == 1
        seg = out / ".ainimotion-work" / "ep.mkv" / "seg"
        nodes = {json.loads(p.read_text())["node"] for p in seg.glob("*.json")}
        assert len(list(seg.glob("*.json"))) == 4
        assert nodes == second  # rendered on the second raylet, not in the driver's process or on the head
    finally:
        for p in reversed(procs):
            _stop(p)
        shutil.rmtree(temp, ignore_errors=True)
