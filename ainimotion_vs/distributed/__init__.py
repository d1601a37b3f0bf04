"""Chunked, resumable rendering of many inputs on Ray (the optional ``[ray]`` extra).

:mod:`.plan` splits an input into chunks at the gate's cuts (pure), :mod:`.tasks` holds
the work of a Ray worker and the Ray plumbing, :mod:`.assembly` joins segments without
re-encoding and muxes the source's streams once, :mod:`.workdir` keeps the plan and the
finished segments for resume, :mod:`.run` drives it all. Ray is imported only when a run
starts; without it :func:`enhance_many` raises
:class:`~ainimotion_vs.errors.MissingPluginError` with the install command.
"""
from __future__ import annotations

from .plan import Chunk, plan_chunks
from .run import enhance_many
from .tasks import Job
from .workdir import WorkDir

__all__ = ["Chunk", "Job", "WorkDir", "enhance_many", "plan_chunks"]
