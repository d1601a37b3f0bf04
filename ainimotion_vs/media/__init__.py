"""Media files in: probing them (:mod:`.probe`) and opening them as VapourSynth clips
over a span of the file (:mod:`.source`)."""
from __future__ import annotations

from .probe import STANDARD_RATES, MediaInfo, StreamInfo, probe
from .source import SourceSpan, open_source, open_span, parse_clip_range, suggest_cfr

__all__ = [
    "StreamInfo",
    "MediaInfo",
    "STANDARD_RATES",
    "SourceSpan",
    "probe",
    "parse_clip_range",
    "open_span",
    "open_source",
    "suggest_cfr",
]
