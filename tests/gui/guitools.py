"""Helpers for driving the app in tests: drop files, wait for a check or a task."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_paths(widget: QWidget, paths: Sequence[Path]) -> None:
    """Drag ``paths`` onto ``widget`` and drop them, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    try:
        enter = QDragEnterEvent(pos, *args)  # PySide6 6.12 takes a QPointF
    except TypeError:
        enter = QDragEnterEvent(pos.toPoint(), *args)  # earlier releases a QPoint
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the drop target refused the drag"
    drop = QDropEvent(pos, *args)
    QApplication.sendEvent(widget, drop)


def wait_for_check(qtbot, window, timeout_ms: int = 120_000) -> None:
    qtbot.waitUntil(lambda: window.check.job is None, timeout=timeout_ms)


def idle(qtbot, window, timeout_ms: int = 30_000) -> None:
    """Wait until every background task of the window has delivered its result."""
    qtbot.waitUntil(lambda: window.session.tasks.active == 0, timeout=timeout_ms)
