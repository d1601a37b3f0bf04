"""The driver: plan every input, run all their chunks in one Ray queue, assemble each output.

Order of work: every input is opened here first (a bad file fails before Ray starts, and
BestSource's index lands in the cache the local workers read); inputs without a stored
plan are analysed by Ray tasks in parallel (the gate over every source frame); then every
unfinished chunk of every input goes into one queue, at most ``slots`` at a time; an
output is assembled as soon as its last chunk is in. Ctrl-C or a kill stops the driver
with nothing under any output name: finished segments stay in the work dirs for the next
run, outputs only ever appear by rename after their checks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from .._version import __version__
from ..errors import EncodeError, SettingsError
from .plan import DEFAULT_CHUNK_SECONDS, Chunk, format_time, plan_chunks
from .tasks import Job, _worker_analyse, _worker_render, cluster, driver_threads, labels_of, weight_files
from .workdir import ProgressBoard, SegmentRecord, WorkDir

__all__ = ["Target", "enhance_many", "PROGRESS_EVERY_S"]

log = logging.getLogger("ainimotion_vs")

PROGRESS_EVERY_S = 5.0
"""Seconds between progress lines on stderr."""


@dataclass(kw_only=True)
class Target:
    """One input and its output, with what the driver learns about them."""

    job: Job
    out: Path
    work: WorkDir = field(init=False)
    span: object = None
    chunks: tuple[Chunk, ...] = ()
    facts: object = None
    done: dict[int, SegmentRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work = WorkDir.for_output(self.out)

    @property
    def name(self) -> str:
        return Path(self.job.source).name


def _key(job: Job, info, chunk_seconds: float, max_chunk_seconds: float | None) -> str:
    st = os.stat(job.source)
    doc = {
        "version": __version__, "settings": job.settings(), "chunk_seconds": chunk_seconds,
        "max_chunk_seconds": max_chunk_seconds, "source": [str(job.source), st.st_size, st.st_mtime_ns, info.num_frames],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _facts(d: dict):
    from ..render import VideoFacts

    return VideoFacts(
        width=d["width"], height=d["height"], num_frames=d["out_frames"], fps=Fraction(d["out_fps"]), bits=d["bits"],
        pix_fmt=d["pix_fmt"],
    )


def _check_outputs(targets: Sequence[Target], overwrite: bool) -> None:
    seen: dict[Path, str] = {}
    for t in targets:
        out = Path(os.path.abspath(t.out))
        if out in seen:
            raise SettingsError(f"enhance: {seen[out]} and {t.name} would both be written to {out}; rename one input.")
        seen[out] = t.name
        if os.path.realpath(out) == os.path.realpath(t.job.source):
            raise SettingsError(f"enhance: output {out} is the input {t.name}; choose another --out-dir.")
        if (out.exists() or out.is_symlink()) and not overwrite:
            raise EncodeError(f"enhance: output {out} already exists; pass --overwrite to replace it.")


def _open_inputs(targets: Sequence[Target]) -> None:
    from ..media import open_span

    for t in targets:
        _, span = open_span(t.job.source, fps=t.job.cfr)
        t.span = span
        t.job = Job(**{**t.job.__dict__, "info": span.info})


def _plan(c, targets: Sequence[Target], chunk_seconds: float, max_chunk_seconds: float | None, say) -> None:
    """Stored plans where the key matches; otherwise analyse (in parallel) and plan."""
    todo: dict[object, tuple[Target, str]] = {}
    analyse = c.remote(_worker_analyse, gpu=False)  # the gate is CPU work: no GPU held for it
    for t in targets:
        key = _key(t.job, t.span.info, chunk_seconds, max_chunk_seconds)
        stored = t.work.open(key)
        if stored is not None:
            t.chunks = tuple(Chunk.from_json(d) for d in stored["chunks"])
            t.facts = _facts(stored)
        else:
            todo[analyse.remote(t.job)] = (t, key)
    if todo:
        say(f"analysing {len(todo)} input(s): the gate over every frame, to find the cuts")
    pending = list(todo)
    while pending:
        ready, pending = c.ray.wait(pending, num_returns=1)
        t, key = todo[ready[0]]
        try:
            a = c.ray.get(ready[0])
        except Exception as exc:
            raise EncodeError(f"enhance: {t.name}: analysis failed: {_cause(exc)}") from exc
        chunks = plan_chunks(
            labels_of(a.labels), in_fps=a.in_fps, out_fps=a.out_fps, chunk_seconds=chunk_seconds,
            max_chunk_seconds=max_chunk_seconds,
        )
        if chunks[-1].out_end != a.out_frames:
            raise EncodeError(
                f"enhance: {t.name}: the plan covers {chunks[-1].out_end} output frames but the graph has {a.out_frames}."
            )
        doc = {
            "source": t.job.source, "in_fps": str(a.in_fps), "out_fps": str(a.out_fps), "out_frames": a.out_frames,
            "width": a.width, "height": a.height, "bits": a.bits, "pix_fmt": a.pix_fmt,
            "analysis_seconds": a.seconds, "chunks": [ch.to_json() for ch in chunks],
        }
        stored = t.work.write_plan(key, doc)
        t.chunks, t.facts = chunks, _facts(stored)
        forced = [ch for ch in chunks if ch.boundary == "forced"]
        if forced:
            log.warning("enhance: %s: %d shot(s) longer than the maximum chunk with no hold to split at; split mid-motion",
                        t.name, len(forced))


def _cause(exc: BaseException) -> str:
    """The underlying error of a Ray failure, in one line."""
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip().splitlines()
    lines = [ln.strip() for ln in text if ln.strip()]
    return f"{type(cause).__name__}: {lines[-1] if lines else ''}"


def _write_segment(t: Target, chunk: Chunk, rec: dict) -> SegmentRecord:
    from ..cache import atomic_write_bytes

    data = rec.pop("data", None)
    if data is not None:  # rendered on a node that cannot see the work dir
        atomic_write_bytes(t.work.segment_path(chunk.index), data)
    r = SegmentRecord(**rec)
    if r.frames != chunk.frames:
        raise EncodeError(f"enhance: {t.name}: {chunk.describe()} came back with {r.frames} frames instead of {chunk.frames}.")
    t.work.record(r)
    return r


def enhance_many(
    jobs: Sequence[tuple[Job, Path]],
    *,
    address: str | None = None,
    workers: int | None = None,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    max_chunk_seconds: float | None = None,
    overwrite: bool = False,
    keep_work: bool = False,
    quiet: bool = False,
    progress_every_s: float = PROGRESS_EVERY_S,
    on_progress: Callable[[ProgressBoard], None] | None = None,
    poll_s: float = 0.5,
) -> list:
    """Render every ``(job, output)`` in chunks on Ray; returns their RenderResults in order.

    ``address``: join this Ray cluster; otherwise a local Ray with ``workers`` slots runs for
    the call. ``workers`` also bounds the chunks in flight (default: one per GPU, else per
    CPU). ``keep_work``: keep the work dirs after success (they are removed otherwise).
    ``on_progress(board)`` is called every ``poll_s`` seconds (and when a chunk ends) with the
    :class:`~ainimotion_vs.distributed.workdir.ProgressBoard`.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SettingsError(f"enhance: --workers must be a whole number of at least 1; got {workers!r}.")
    if not chunk_seconds > 0:
        raise SettingsError(f"enhance: --chunk-seconds must be positive, e.g. 60; got {chunk_seconds!r}.")
    if max_chunk_seconds is not None and not max_chunk_seconds >= chunk_seconds:
        raise SettingsError(
            f"enhance: --max-chunk-seconds ({max_chunk_seconds:g}) must be at least --chunk-seconds ({chunk_seconds:g})."
        )
    from .tasks import import_ray

    import_ray()  # before any work: without the extra, say how to get it
    targets = [Target(job=j, out=Path(os.path.abspath(o))) for j, o in jobs]
    if not targets:
        raise SettingsError("enhance: no inputs given.")
    _check_outputs(targets, overwrite)

    def say(msg: str) -> None:
        if not quiet:
            print(f"enhance: {msg}", file=sys.stderr, flush=True)

    _open_inputs(targets)
    results: list = [None] * len(targets)
    with cluster(address=address, workers=workers) as c:
        say(f"Ray: {len(c.ray.nodes())} node(s), {c.gpus} GPU(s); {c.slots} chunk(s) at a time")
        alive = [n for n in c.ray.nodes() if n.get("Alive")]
        if len(alive) == 1 and any(t.job.preset is not None for t in targets):
            # one machine: workers run the models as this process would (see Job.threads)
            threads = driver_threads()
            for t in targets:
                t.job = replace(t.job, threads=threads)
        _plan(c, targets, chunk_seconds, max_chunk_seconds, say)
        multi_node = len(alive) > 1
        shipped = {}
        for t in targets:
            p = t.job.preset
            if p is not None and (p.upscale_model, p.interp_model) not in shipped:
                shipped[(p.upscale_model, p.interp_model)] = weight_files(p)
        refs = {k: (c.ray.put(v) if multi_node and v else None) for k, v in shipped.items()}
        queue: list[tuple[Target, Chunk]] = []
        for t in targets:
            t.done = t.work.finished(t.chunks)
            if t.done:
                say(f"{t.name}: reusing {len(t.done)} of {len(t.chunks)} finished chunk(s) from {t.work.root}")
            queue += [(t, ch) for ch in t.chunks if ch.index not in t.done]
        board = ProgressBoard(
            total_frames=sum(t.facts.num_frames for t in targets), total_chunks=sum(len(t.chunks) for t in targets),
            done_frames=sum(r.frames for t in targets for r in t.done.values()),
            done_chunks=sum(len(t.done) for t in targets),
        )
        say(f"{len(queue)} chunk(s) to render for {len(targets)} file(s)")
        render = c.remote(_worker_render)
        running: dict[object, tuple[Target, Chunk]] = {}
        last_line = time.monotonic()
        try:
            for i, t in enumerate(targets):
                if len(t.done) == len(t.chunks):
                    results[i] = _assemble(t, overwrite, keep_work, say)
            while queue or running:
                while queue and len(running) < c.slots:
                    t, ch = queue.pop(0)
                    p = t.job.preset
                    ship = refs.get((p.upscale_model, p.interp_model)) if p is not None else None
                    ref = render.remote(t.job, ch, str(t.work.segment_path(ch.index)), c.progress, ship)
                    running[ref] = (t, ch)
                ready, _ = c.ray.wait(list(running), num_returns=1, timeout=poll_s)
                for key, (done, pid) in c.ray.get(c.progress.take.remote()).items():
                    board.update(key, done, pid=pid)
                for ref in ready:
                    t, ch = running.pop(ref)
                    try:
                        rec = c.ray.get(ref)
                    except Exception as exc:
                        board.fail(f"{t.name}#{ch.index}")
                        raise EncodeError(
                            f"enhance: {t.name}: {ch.describe()} failed twice: {_cause(exc)}. The {len(t.done)} finished "
                            f"chunk(s) are kept in {t.work.root}; fix the cause and rerun the same command to resume."
                        ) from exc
                    t.done[ch.index] = _write_segment(t, ch, rec)
                    board.finish(f"{t.name}#{ch.index}", ch.frames)
                    log.info("enhance: %s: %s done in %.1f s on %s", t.name, ch.describe(), t.done[ch.index].seconds,
                             t.done[ch.index].node)
                    if len(t.done) == len(t.chunks):
                        results[targets.index(t)] = _assemble(t, overwrite, keep_work, say)
                if on_progress is not None:
                    on_progress(board)
                now = time.monotonic()
                if now - last_line >= progress_every_s and not quiet:
                    last_line = now
                    print(board.line(), file=sys.stderr, flush=True)
        finally:
            for ref in running:
                c.ray.cancel(ref, force=True)
    return results


def _assemble(t: Target, overwrite: bool, keep_work: bool, say):
    from .assembly import assemble

    segs = [(t.work.segment_path(ch.index), ch.frames) for ch in t.chunks]
    result = assemble(segs, t.out, facts=t.facts, span=t.span, encoder=t.job.encoder, work=t.work.root, overwrite=overwrite)
    say(
        f"{t.name} -> {result.path} ({result.frames} frames, {result.duration:.3f} s, {len(t.chunks)} chunk(s), "
        f"{format_time(result.duration)})"
    )
    if not keep_work:
        t.work.remove()
    return result
