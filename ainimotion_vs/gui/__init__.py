"""``ainimotion gui``: a desktop app over the library and the CLI (optional extra ``[gui]``).

Importing this package does not import Qt; :func:`main` does, and says how to install it
when it is missing. Renders run as ``ainimotion enhance --progress json`` subprocesses, so a
crash in a render never takes the window down.
"""
from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main", "require_qt"]

INSTALL_HINT = "pip install 'ainimotion_vs[gui]'"


def require_qt() -> None:
    """Raise :class:`~ainimotion_vs.errors.MissingPluginError` with the install command when PySide6 is missing."""
    from ..errors import MissingPluginError

    try:
        import PySide6.QtWidgets  # noqa: F401 - the check itself
    except ImportError as exc:
        raise MissingPluginError(f"gui: the desktop app needs PySide6, which cannot be imported ({exc}); {INSTALL_HINT}") from None


def main(files: Sequence[str] = (), *, first_run_check: bool = True) -> int:
    """Open the window with ``files`` queued; returns the exit code when it is closed."""
    require_qt()
    from .app import run_app

    return run_app(list(files), first_run_check=first_run_check)
