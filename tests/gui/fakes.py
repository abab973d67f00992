"""A synchronous stand-in for :class:`ui.workers.TaskRunner` (after Picard's FakeThreadPool).

It runs each call inline on the calling (UI) thread and delivers its result, or the
sentence of its error, to the same callbacks in the same order as the real runner, so
page logic is tested without threads, waits or dlib.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.workers import error_text

log = logging.getLogger(__name__)


class SyncTaskRunner(QObject):
    """Same face as TaskRunner: ``run(fn, *args, on_done=, on_error=)``, ``active``, ``idle``."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.calls: list[Callable[..., Any]] = []

    @property
    def active(self) -> int:
        return 0

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.calls.append(fn)
        try:
            result = fn(*args)
        except BaseException as exc:  # the same sentence the real runner delivers
            text = error_text(exc)
            if on_error is not None:
                on_error(text)
            else:
                log.warning("%s", text)
        else:
            if on_done is not None:
                on_done(result)
        self.idle.emit()

    def wait(self, msecs: int = 30000) -> bool:
        return True
