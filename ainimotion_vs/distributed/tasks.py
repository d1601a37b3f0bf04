"""The work a Ray worker does, and the Ray plumbing around it (Ray is imported lazily).

Two kinds of task, both plain functions here, made remote by :class:`Cluster`:

- :func:`analyse`: open one input, build the graph the single process would, run the gate
  over every source frame and return its labels, the rates and the output's facts;
- :func:`render_chunk`: build the same graph and encode output frames ``[out_start,
  out_end)`` of it to a segment with the final encoder settings (its own encoder run, so it
  starts with a keyframe).

Resources: ``num_gpus=1`` per task when the cluster has GPUs (Ray then sets
``CUDA_VISIBLE_DEVICES`` to that GPU), else ``num_cpus=1``. Model weights reach workers
without downloading: on one machine every worker reads the user cache dir the driver
filled (:func:`ainimotion_vs.weights.ensure_weights` runs on the driver first); a worker on
another node installs the files from the object store when its cache lacks them
(:func:`install_shipped_weights`). ONNX and TensorRT caches are keyed by content (model,
shapes, runtime, GPU name) in each node's user cache dir: built by the first chunk on a
node, reused by every later one there (an engine is specific to its GPU, so it is never
shipped). Inputs must be readable at the same path on every node (a shared folder); the
segment comes back through the object store when the worker cannot see the work dir.
"""
from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import MediaError, MissingPluginError
from .plan import Chunk

if TYPE_CHECKING:  # pragma: no cover
    import vapoursynth as vs

    from ..presets import Preset

__all__ = [
    "Job",
    "Analysis",
    "import_ray",
    "build_graph",
    "driver_threads",
    "labels_of",
    "analyse",
    "render_chunk",
    "weight_files",
    "install_shipped_weights",
    "Cluster",
    "cluster",
    "MAX_RETRIES",
]

log = logging.getLogger("ainimotion_vs")

MAX_RETRIES = 1
"""Ray retries of a chunk (a killed worker, a raised error): a chunk runs at most twice."""

PROGRESS_EVERY_S = 1.0
"""Seconds between a worker's progress reports to the driver."""


def import_ray():
    """The ``ray`` module, or MissingPluginError with the install command."""
    try:
        import ray
    except ImportError as exc:
        raise MissingPluginError(
            "enhance: --workers/--out-dir/--ray-address need Ray, which is not installed; "
            "`pip install 'ainimotion_vs[ray]'`."
        ) from exc
    return ray


@dataclass(frozen=True, kw_only=True)
class Job:
    """One input file and the settings it is rendered with (picklable, sent to workers)."""

    source: str
    """Absolute path of the input, the same on every node."""
    preset: "Preset | None"
    """The resolved preset (overrides applied), or None for a plain re-encode."""
    cfr: str | None = None
    """Constant rate for a VFR source (``--cfr``)."""
    encoder: str = "x264"
    crf: float | None = None
    encoder_preset: str | None = None
    info: Any = field(default=None, compare=False, repr=False)
    """The source's :class:`~ainimotion_vs.media.MediaInfo` once probed (saves each chunk a probe)."""
    threads: tuple[int, int] | None = None
    """``(torch threads, VapourSynth threads)`` of the driver, for workers on its machine: Ray
    gives a one-CPU task one OpenMP thread, and ``backend="auto"`` is measured and cached per
    thread count (here RIFE: torch at 2 threads, OpenVINO at 1), so a worker left alone could
    run another backend than the single process and give other floats. ``None``: the worker's own."""

    def settings(self) -> dict:
        """What decides the frames and the encode, for the work dir's key."""
        from dataclasses import asdict

        return {
            "preset": asdict(self.preset) if self.preset is not None else None, "cfr": self.cfr,
            "encoder": self.encoder, "crf": self.crf, "encoder_preset": self.encoder_preset, "threads": self.threads,
        }


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """What :func:`analyse` learned about one input."""

    info: Any
    """MediaInfo of the source."""
    labels: str
    """One letter per source frame: the gate's interval label (c)ut, (h)old, (m)otion, (o)ther."""
    in_fps: Fraction
    out_fps: Fraction
    out_frames: int
    width: int
    height: int
    bits: int
    pix_fmt: str
    seconds: float


_LETTER = {"cut": "c", "hold": "h", "motion": "m"}
_LABEL = {"c": "cut", "h": "hold", "m": "motion", "o": "other"}


def labels_of(letters: str) -> list[str]:
    return [_LABEL[ch] for ch in letters]


def build_graph(job: Job) -> "tuple[vs.VideoNode, Any, vs.VideoNode]":
    """``(output clip, source span, source clip)``: the graph ``ainimotion enhance`` renders
    for this input (the same calls as :func:`ainimotion_vs.commands.enhance.build_clip`)."""
    from ..media import open_span

    path = Path(job.source)
    if not path.is_file():
        raise MediaError(
            f"enhance: input {job.source} is not readable on node {socket.gethostname()}; every node needs the "
            "inputs at the same path (a shared folder)."
        )
    src, span = open_span(job.info if job.info is not None else path, fps=job.cfr)
    out = src
    if job.preset is not None:
        from ..enhance import enhance

        out = enhance(src, preset=job.preset)
    return out, span, src


def analyse(job: Job) -> Analysis:
    """Gate labels of every source frame, and the output's rate, length and format."""
    import vapoursynth as vs

    from ..gate import gate

    started = time.monotonic()
    out, span, src = build_graph(job)
    gated = gate(src)
    from ..timeline import labels_of

    letters = [_LETTER.get(v, "o") for v in labels_of(gated)]
    fmt = out.format
    bits = fmt.bits_per_sample
    sub = {(1, 1): "420", (1, 0): "422", (0, 0): "444"}.get((fmt.subsampling_w, fmt.subsampling_h), "420")
    pix = ("gray" if fmt.color_family == vs.GRAY else f"yuv{sub}p") + ("" if bits == 8 else f"{bits}le")
    return Analysis(
        info=span.info, labels="".join(letters), in_fps=Fraction(src.fps.numerator, src.fps.denominator),
        out_fps=Fraction(out.fps.numerator, out.fps.denominator), out_frames=out.num_frames, width=out.width,
        height=out.height, bits=bits, pix_fmt=pix, seconds=time.monotonic() - started,
    )


def render_chunk(job: Job, chunk: Chunk, segment: str, progress=None, *, graph=None) -> dict:
    """Encode the chunk's output frames to ``segment`` (a .mkv path); returns its record fields.

    When ``segment``'s folder is not visible here (another node without the shared folder),
    the segment is written to a local temporary folder and its bytes come back in
    ``"data"``. ``progress``: a Ray actor handle with ``update(key, done, pid)``, or None.
    ``graph``: the output clip of :func:`build_graph` for ``job`` when the caller kept one.
    """
    from ..cache import file_sha256
    from ..render import render

    started = time.monotonic()
    key = f"{Path(job.source).name}#{chunk.index}"
    clip = graph if graph is not None else build_graph(job)[0]
    if clip.num_frames < chunk.out_end:
        raise MediaError(
            f"enhance: {job.source} gives {clip.num_frames} output frames but its plan expects {chunk.out_end}; "
            "the file changed since it was planned: delete its work dir and run again."
        )
    part = clip[chunk.out_start:chunk.out_end]
    target = Path(segment)
    local = not target.parent.is_dir()
    tmpdir = tempfile.TemporaryDirectory(prefix="ainimotion-seg-") if local else None
    out = Path(tmpdir.name) / target.name if tmpdir is not None else target
    last = [0.0]

    def _report(done: int, total: int) -> None:
        now = time.monotonic()
        if progress is not None and (now - last[0] >= PROGRESS_EVERY_S or done == total):
            last[0] = now
            progress.update.remote(key, done, os.getpid())

    try:
        result = render(
            part, out, encoder=job.encoder, crf=job.crf, encoder_preset=job.encoder_preset, overwrite=True,
            progress=_report,
        )
        rec = {
            "index": chunk.index, "frames": result.frames, "sha256": file_sha256(out), "bytes": result.size_bytes,
            "seconds": time.monotonic() - started, "node": _node(), "pid": os.getpid(),
        }
        if tmpdir is not None:
            rec["data"] = out.read_bytes()
        return rec
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()


def _node() -> str:
    """The Ray node id of this worker (raylets on one machine share a host name), else the host."""
    try:
        import ray

        if ray.is_initialized():
            return ray.get_runtime_context().get_node_id()
    except ImportError:
        pass
    return socket.gethostname()


def weight_files(preset: "Preset | None") -> dict[str, dict[str, bytes]]:
    """The preset's model files, fetched into this machine's cache if needed, as bytes
    ``{model: {file name: data}}`` to ship to nodes whose cache lacks them."""
    if preset is None:
        return {}
    from ..weights import ensure_weights, installed_files

    shipped: dict[str, dict[str, bytes]] = {}
    for name in (preset.upscale_model, preset.interp_model):
        if not name:
            continue
        ensure_weights(name)
        found = installed_files(name)
        if found is not None:
            shipped[name] = {fname: p.read_bytes() for fname, p in found[1].items()}
    return shipped


_install_lock = threading.Lock()


def install_shipped_weights(shipped: dict[str, dict[str, bytes]]) -> None:
    """Install shipped model files into this node's cache where they are missing."""
    from ..weights import install_weights, installed_files

    with _install_lock:
        for name, files in shipped.items():
            if installed_files(name) is not None:
                continue
            with tempfile.TemporaryDirectory(prefix="ainimotion-weights-") as tmp:
                paths = []
                for fname, data in files.items():
                    p = Path(tmp) / fname
                    p.write_bytes(data)
                    paths.append(p)
                install_weights(name, paths)
            log.info("enhance: installed %s from the driver into this node's cache", name)


# ---------------------------------------------------------------- Ray


class _LastGraph:
    """The last job's graph in this worker process. Ray runs one task at a time per worker and
    reuses workers, so the next chunk of the same input skips opening the source and building
    the models (``scripts/bench_scale.py``, preset fast on CPU: building the graph again cost
    2.7 s with every cache warm, the whole per-chunk overhead 9.9 s). One entry: a worker that
    moves to another input drops the old graph and its models."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._clip = None

    def get(self, job: Job):
        with self._lock:
            if self._job != job:
                self._job, self._clip = None, None  # release the old models before loading new ones
                self._clip = build_graph(job)[0]
                self._job = job
            return self._clip


_last_graph = _LastGraph()


def driver_threads() -> tuple[int, int]:
    """``(torch threads, VapourSynth threads)`` of this process (see :attr:`Job.threads`)."""
    import torch
    import vapoursynth as vs

    return torch.get_num_threads(), vs.core.num_threads


def _pin_threads(threads: tuple[int, int] | None) -> None:
    if threads is None:
        return
    import torch
    import vapoursynth as vs

    torch_threads, vs_threads = threads
    if torch.get_num_threads() != torch_threads:
        torch.set_num_threads(torch_threads)
    vs.core.num_threads = vs_threads


def _worker_render(job: Job, chunk: Chunk, segment: str, progress, shipped) -> dict:
    _quiet_worker()
    if progress is not None:  # started: the driver sees the chunk (and its worker) at once
        progress.update.remote(f"{Path(job.source).name}#{chunk.index}", 0, os.getpid())
    _pin_threads(job.threads)
    if shipped is not None:
        install_shipped_weights(shipped)
    started = time.monotonic()
    graph = _last_graph.get(job)
    built = time.monotonic() - started
    rec = render_chunk(job, chunk, segment, progress, graph=graph)
    rec["seconds"] += built  # the chunk's whole time on its worker, graph included
    return rec


def _worker_analyse(job: Job) -> Analysis:
    _quiet_worker()
    _pin_threads(job.threads)
    return analyse(job)


def _quiet_worker() -> None:
    # workers log warnings and errors only; Ray forwards them to the driver's stderr
    if not log.handlers:
        log.addHandler(logging.StreamHandler())
        log.setLevel(logging.WARNING)


class _Progress:
    """Ray actor collecting the workers' ``(chunk key, frames done)`` reports."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[int, int]] = {}

    def update(self, key: str, done: int, pid: int) -> None:
        self.done[key] = (done, pid)

    def take(self) -> dict[str, tuple[int, int]]:
        out, self.done = self.done, {}
        return out


@dataclass
class Cluster:
    """A connected Ray: the task options for this cluster and the remote functions."""

    ray: Any
    gpus: int
    slots: int
    """How many chunks run at once: ``--workers``, else one per GPU (or CPU) in the cluster."""
    started: bool
    progress: Any = None

    def options(self, *, gpu: bool = True) -> dict:
        """Task options: one GPU per task when the cluster has GPUs (and ``gpu``), else one CPU."""
        res = {"num_gpus": 1} if self.gpus and gpu else {"num_cpus": 1}
        return {**res, "max_retries": MAX_RETRIES, "retry_exceptions": True}

    def remote(self, fn: Callable, *, gpu: bool = True) -> Any:
        return self.ray.remote(**self.options(gpu=gpu))(fn)


@contextmanager
def cluster(*, address: str | None = None, workers: int | None = None) -> Iterator[Cluster]:
    """Connect to Ray: ``address`` joins a running cluster (``ray start --head``); otherwise a
    local Ray is started for the run with ``workers`` CPU slots (all cores when None), and
    shut down after it. An already initialised Ray (a caller's ``ray.init``) is used as it is."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=True)
        else:
            cpus = workers or os.cpu_count() or 1
            # "local": a new Ray for this run, never one that `ray start` left running here
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=True)
        started = True
    try:
        res = ray.cluster_resources()
        gpus = int(res.get("GPU", 0))
        slots = workers or max(1, gpus or int(res.get("CPU", 1)))
        c = Cluster(ray=ray, gpus=gpus, slots=slots, started=started)
        c.progress = ray.remote(num_cpus=0)(_Progress).remote()
        yield c
    finally:
        if started:
            ray.shutdown()
