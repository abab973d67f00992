"""Running the core off the UI thread.

Two shapes, after napari's ``qthreading`` and Picard's ``run_task``:

* :class:`TaskRunner` runs one call (a roster preview, an enrollment, a
  decision, a thumbnail) on a small thread pool and delivers its result, or the
  one sentence of its :class:`~photoguard.errors.UserError`, back on the UI
  thread through a callback.
* :class:`ScanJob` runs the core's scan generator in a :class:`QThread` and
  turns each event into a signal. Cancelling sets the core's
  :class:`~photoguard.scan.run.CancelToken`, which the scan checks between files
  (and its worker pool four times a second).

Signals emitted from a worker thread reach slots of objects living on the UI
thread through queued connections, so callbacks always run on the UI thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from photoguard.errors import UserError
from photoguard.scan.report import ScanReport
from photoguard.scan.run import (
    FileChecked,
    FileDecided,
    FileSkipped,
    ScanFinished,
    ScanOptions,
    ScanStarted,
    scan,
)
from photoguard.scan.workers import CancelToken
from photoguard.workspace.folder import Workspace

log = logging.getLogger(__name__)


def sentence(text: str) -> str:
    """A core message as a sentence: capital first letter, full stop."""
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def clause(text: str) -> str:
    """A sentence to follow a colon: "The file is empty." -> "the file is empty."."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def error_text(exc: BaseException) -> str:
    """What a person reads about a failure: the UserError's sentence, or a plain bug note."""
    if isinstance(exc, UserError):
        return sentence(str(exc))
    first = str(exc).splitlines()[0] if str(exc) else ""
    log.error("unexpected error\n%s", "".join(traceback.format_exception(exc)))
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return (
        f"Something went wrong ({detail}). Nothing more was changed. "
        "Please report it to whoever looks after photoguard."
    )


# ------------------------------------------------------------------------ one call


class _TaskSignals(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)


class _Task(QRunnable):
    def __init__(self, key: int, fn: Callable[..., Any], args: Sequence[Any]) -> None:
        super().__init__()
        self.key = key
        self.fn = fn
        self.args = tuple(args)
        self.signals = _TaskSignals()

    def run(self) -> None:
        try:
            result = self.fn(*self.args)
        except BaseException as exc:  # delivered as a sentence, never lost in the thread
            self._deliver(self.signals.failed, error_text(exc))
        else:
            self._deliver(self.signals.done, result)

    def _deliver(self, signal: Any, value: object) -> None:
        try:
            signal.emit(self.key, value)
        except RuntimeError:  # the window closed meanwhile: nobody is waiting for it
            log.debug("result of %s dropped: its receiver is gone", self.fn)


_Callbacks = tuple[Callable[[Any], None] | None, Callable[[str], None] | None, _TaskSignals]


class TaskRunner(QObject):
    """Runs calls on a few threads; results come back on the UI thread."""

    #: Emitted when the last running task has delivered its result.
    idle = Signal()

    def __init__(self, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._running: dict[int, _Callbacks] = {}
        self._next = 0

    @property
    def active(self) -> int:
        return len(self._running)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._next += 1
        task = _Task(self._next, fn, args)
        self._running[task.key] = (on_done, on_error, task.signals)
        # Both ends live on the UI thread's side: emitted from the pool, these are queued.
        task.signals.done.connect(self._deliver_done)
        task.signals.failed.connect(self._deliver_failed)
        self._pool.start(task)

    @Slot(int, object)
    def _deliver_done(self, key: int, result: object) -> None:
        on_done, _, _ = self._running.get(key, (None, None, None))
        try:
            if on_done is not None:
                on_done(result)
        finally:
            self._finish(key)

    @Slot(int, str)
    def _deliver_failed(self, key: int, text: str) -> None:
        _, on_error, _ = self._running.get(key, (None, None, None))
        try:
            if on_error is not None:
                on_error(text)
            else:
                log.warning("%s", text)
        finally:
            self._finish(key)

    def _finish(self, key: int) -> None:
        self._running.pop(key, None)
        if not self._running:
            self.idle.emit()

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self._pool.waitForDone(msecs))


# ---------------------------------------------------------------------- generators


class GeneratorWorker(QObject):
    """Iterates a generator on its thread, emitting each item."""

    item = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, factory: Callable[[], Iterator[Any]]) -> None:
        super().__init__()
        self._factory = factory

    @Slot()
    def run(self) -> None:
        try:
            for item in self._factory():
                self.item.emit(item)
        except BaseException as exc:
            self.failed.emit(error_text(exc))
        finally:
            self.finished.emit()


class ScanJob(QObject):
    """One scan on its own thread. Signals arrive on the UI thread, in order."""

    started = Signal(object)  # ScanStarted
    skipped = Signal(object)  # FileSkipped
    checked = Signal(object)  # FileChecked
    decided = Signal(object)  # FileDecided
    finished = Signal(object)  # ScanReport
    failed = Signal(str)
    #: The thread has ended (after ``finished`` or ``failed``): always the last signal.
    stopped = Signal()

    def __init__(
        self,
        ws: Workspace,
        paths: Sequence[Path],
        options: ScanOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = tuple(paths)
        self.token = CancelToken()
        self.report: ScanReport | None = None
        self.error: str | None = None
        self._thread = QThread()
        self._thread.setObjectName("photoguard-scan")
        self._worker = GeneratorWorker(lambda: scan(ws, self.paths, options, self.token))
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.item.connect(self._dispatch)
        self._worker.failed.connect(self._on_failed)
        self._worker.finished.connect(self._thread.quit)
        self._thread.finished.connect(self._on_stopped)
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def cancel(self) -> None:
        """Stop before the next file; files being checked are abandoned."""
        self.token.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self._thread.wait(msecs))

    @Slot(object)
    def _dispatch(self, event: object) -> None:
        if isinstance(event, FileChecked):
            self.checked.emit(event)
        elif isinstance(event, ScanStarted):
            self.started.emit(event)
        elif isinstance(event, FileSkipped):
            self.skipped.emit(event)
        elif isinstance(event, FileDecided):
            self.decided.emit(event)
        elif isinstance(event, ScanFinished):
            self.report = event.report
            self.finished.emit(event.report)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.error = text
        self.failed.emit(text)

    @Slot()
    def _on_stopped(self) -> None:
        self._running = False
        self.stopped.emit()
