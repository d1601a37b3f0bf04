"""Ground-truth gating labels for real clips (``tests/labels/*.txt``): parsing and scoring.

Used by the label tests, ``scripts/eval_gating.py`` and the other evaluation scripts; nothing
in the filter path imports it. A syntax error raises :class:`~ainimotion_vs.errors.SettingsError`:
a label file is hand-written text in a documented syntax, like a config file, and the fix is
to edit that text (it is not media, so not ``MediaError``). The file format is described in ``tests/labels/README.md``:

- ``# clip: NAME frames: N`` (required header comment);
- ``cut F ...``: frame ``F`` is the first frame of a new shot (interval ``F-1 -> F``);
- ``hold A-B ...``: intervals ``A -> A+1`` up to ``B -> B+1`` (both ends included) show
  the same drawing;
- ``ignore A-B ...``: intervals left out of every score (genuinely ambiguous);
- every other interval ``n -> n+1`` (``0 <= n <= N-2``) is motion.

An interval is named by its first frame ``n``, the frame ``gate()`` writes its label on.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import SettingsError

__all__ = [
    "LABELS_DIR",
    "ClipLabels",
    "Score",
    "load_labels",
    "load_label_dir",
    "parse_labels",
    "score_cuts",
    "score_holds",
    "format_ranges",
]

LABELS_DIR = Path(__file__).resolve().parents[2] / "tests" / "labels"
"""The label folder of a source checkout (label files are not installed with the wheel)."""

_HEADER = re.compile(r"^#\s*clip:\s*(?P<clip>\S+)\s+frames:\s*(?P<frames>\d+)\s*$")
_RANGE = re.compile(r"^(?P<a>\d+)(?:-(?P<b>\d+))?$")
_KINDS = ("cut", "hold", "ignore")


@dataclass(frozen=True, kw_only=True)
class ClipLabels:
    """The hand-checked truth for one clip."""

    clip: str
    """File name of the clip (e.g. ``onepiece_demo.mp4``)."""
    frames: int
    """Number of frames of the clip."""
    cuts: frozenset[int]
    """Frames that start a new shot (never 0)."""
    holds: frozenset[int]
    """Intervals ``n -> n+1`` that show the same drawing."""
    ignore: frozenset[int]
    """Intervals excluded from every score."""

    @property
    def intervals(self) -> range:
        """All interval numbers ``0 .. frames-2``."""
        return range(self.frames - 1)

    @property
    def cut_intervals(self) -> frozenset[int]:
        """The cuts as interval numbers (``cut - 1``)."""
        return frozenset(c - 1 for c in self.cuts)

    @property
    def scored(self) -> frozenset[int]:
        """Intervals that count in the scores (all but ``ignore``)."""
        return frozenset(self.intervals) - self.ignore

    def label(self, n: int) -> str:
        """``"cut"``, ``"hold"``, ``"motion"`` or ``"ignore"`` for interval ``n -> n+1``."""
        if n not in self.intervals:
            raise IndexError(f"ClipLabels.label: interval {n} is outside 0..{self.frames - 2}")
        if n in self.ignore:
            return "ignore"
        if n in self.cut_intervals:
            return "cut"
        return "hold" if n in self.holds else "motion"

    def counts(self) -> dict[str, int]:
        """How many intervals carry each label."""
        out = {"cut": 0, "hold": 0, "motion": 0, "ignore": 0}
        for n in self.intervals:
            out[self.label(n)] += 1
        return out


def _parse_item(item: str, where: str) -> tuple[int, int]:
    m = _RANGE.match(item)
    if m is None:
        raise SettingsError(f"load_labels: {where}: {item!r} is not a number or a range A-B; write e.g. 12 or 12-15.")
    a = int(m["a"])
    b = int(m["b"]) if m["b"] is not None else a
    if b < a:
        raise SettingsError(f"load_labels: {where}: range {item!r} runs backwards; write the smaller number first.")
    return a, b


def parse_labels(text: str, *, source: str = "<labels>") -> ClipLabels:
    """Parse the text of one label file; raises :class:`~ainimotion_vs.errors.SettingsError` naming the line."""
    clip: str | None = None
    frames = 0
    sets: dict[str, set[int]] = {k: set() for k in _KINDS}
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = f"{source}:{lineno}"
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m is not None:
                if clip is not None:
                    raise SettingsError(f"load_labels: {where}: a second '# clip:' header; keep one per file.")
                clip, frames = m["clip"], int(m["frames"])
            continue
        if clip is None:
            raise SettingsError(
                f"load_labels: {where}: labels before the header; start the file with '# clip: NAME.mp4 frames: N'."
            )
        body = line.split("#", 1)[0].split()
        kind, items = body[0], body[1:]
        if kind not in _KINDS:
            raise SettingsError(f"load_labels: {where}: unknown keyword {kind!r}; use one of cut, hold, ignore.")
        if not items:
            raise SettingsError(f"load_labels: {where}: {kind!r} needs at least one frame number or range.")
        for item in items:
            a, b = _parse_item(item, where)
            if kind == "cut":
                if a != b:
                    raise SettingsError(f"load_labels: {where}: cuts are single frames; list them one by one, not {item!r}.")
                if not 1 <= a <= frames - 1:
                    raise SettingsError(
                        f"load_labels: {where}: cut {a} is outside 1..{frames - 1} (frame N starts the new shot)."
                    )
            elif b > frames - 2:
                raise SettingsError(
                    f"load_labels: {where}: interval {b} is outside 0..{frames - 2} (interval n is n -> n+1; the clip has {frames} frames)."
                )
            new = set(range(a, b + 1))
            if new & sets[kind]:
                raise SettingsError(f"load_labels: {where}: {kind} {item} is listed twice; keep each interval once.")
            sets[kind] |= new
    if clip is None:
        raise SettingsError(f"load_labels: {source}: no '# clip: NAME.mp4 frames: N' header; add one as the first line.")
    cut_iv = {c - 1 for c in sets["cut"]}
    for a_kind, a_set, b_kind, b_set in (
        ("cut", cut_iv, "hold", sets["hold"]),
        ("cut", cut_iv, "ignore", sets["ignore"]),
        ("hold", sets["hold"], "ignore", sets["ignore"]),
    ):
        both = sorted(a_set & b_set)
        if both:
            raise SettingsError(
                f"load_labels: {source}: intervals {format_ranges(both)} are both {a_kind} and {b_kind}; give each one label."
            )
    return ClipLabels(
        clip=clip,
        frames=frames,
        cuts=frozenset(sets["cut"]),
        holds=frozenset(sets["hold"]),
        ignore=frozenset(sets["ignore"]),
    )


def load_labels(path: str | Path) -> ClipLabels:
    """Read and parse one label file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"load_labels: no label file at {p}")
    return parse_labels(p.read_text(encoding="utf-8"), source=p.name)


def load_label_dir(folder: str | Path = LABELS_DIR) -> dict[str, ClipLabels]:
    """Every ``*.txt`` label file of ``folder``, by file stem (``onepiece_demo`` -> its labels),
    in name order."""
    d = Path(folder)
    if not d.is_dir():
        raise FileNotFoundError(f"load_label_dir: no label folder at {d}; label files live in tests/labels/ of a source checkout.")
    return {p.stem: load_labels(p) for p in sorted(d.glob("*.txt"))}


def format_ranges(values: Iterable[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3 7"``."""
    out: list[list[int]] = []
    for v in sorted(set(values)):
        if out and v == out[-1][1] + 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return " ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in out)


@dataclass(frozen=True, kw_only=True)
class Score:
    """Counts and rates of one detector on one clip (or summed over clips)."""

    tp: int
    fp: int
    fn: int
    false_pos: tuple[int, ...] = ()
    """The false detections (frame numbers for cuts, interval numbers for holds)."""
    missed: tuple[int, ...] = ()
    """The truths not detected."""

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None

    def __add__(self, other: Score) -> Score:
        return Score(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)


def score_cuts(labels: ClipLabels, predicted_cuts: Iterable[int]) -> Score:
    """Exact-frame cut matching. A prediction on an ignored interval counts neither way."""
    pred = {int(f) for f in predicted_cuts if 1 <= int(f) <= labels.frames - 1 and int(f) - 1 not in labels.ignore}
    return _score(pred, set(labels.cuts))


def score_holds(labels: ClipLabels, predicted_holds: Iterable[int]) -> Score:
    """Hold matching over the scored intervals (a cut interval is a non-hold)."""
    scored = labels.scored
    pred = {int(n) for n in predicted_holds} & scored
    return _score(pred, set(labels.holds) & scored)


def _score(pred: set[int], truth: set[int]) -> Score:
    return Score(
        tp=len(pred & truth),
        fp=len(pred - truth),
        fn=len(truth - pred),
        false_pos=tuple(sorted(pred - truth)),
        missed=tuple(sorted(truth - pred)),
    )
