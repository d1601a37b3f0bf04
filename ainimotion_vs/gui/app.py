"""Start the Qt application with the main window."""
from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .window import MainWindow, icon_path

__all__ = ["run_app"]


def run_app(files: list[str], *, first_run_check: bool = True) -> int:
    """Show the window with ``files`` queued; returns when it is closed."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ainimotion")
    app.setDesktopFileName("ainimotion")
    app.setWindowIcon(QIcon(str(icon_path())))
    window = MainWindow()
    if files:
        window.add_paths(files)
    window.show()
    if first_run_check:
        QTimer.singleShot(0, window.first_run_check)
    return app.exec()
