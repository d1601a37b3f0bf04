"""Table printing for the evaluation scripts: Markdown tables (pasted into README and issues)
and the number formats they use."""
from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["fmt", "markdown_table"]


def fmt(value: float | None, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; ``-`` for None (not measured), ``inf`` for infinity
    (e.g. the PSNR of identical frames)."""
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table with padded columns (readable as plain text too)."""
    if any(len(r) != len(head) for r in rows):
        raise ValueError(f"markdown_table: every row needs {len(head)} cells; got lengths {sorted({len(r) for r in rows})}")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]

    def line(r: Sequence[object]) -> str:
        return "| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)])
