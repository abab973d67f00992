"""The scan-job workflow of the check page: one check on its own thread (ScanJob), its
results batched for the grid, its counts and ETA on the progress row, and its Cancel.

The page gets results in batches (``arrived``), then ``finished`` or ``failed``, and
always ``stopped`` last.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from photoguard.files.pathtext import display
from photoguard.scan.report import ScanReport
from photoguard.scan.run import FileChecked, ScanOptions, ScanStarted
from ui.pages.check.progress import ProgressRow
from ui.pages.check.words import eta_text
from ui.session import Session
from ui.state import gap_sentence
from ui.widgets.message_bar import MessageBar
from ui.workers import ScanJob

#: Results arriving within this many milliseconds are added to the grid together.
UI_BATCH_MS = 120


class ScanFlow(QObject):
    arrived = Signal(object)  # list[FileChecked], in order
    skipped = Signal(object)  # FileSkipped
    finished = Signal(object)  # ScanReport
    failed = Signal(str)
    stopped = Signal()

    def __init__(
        self, session: Session, progress: ProgressRow, message: MessageBar, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.progress = progress
        self.message = message
        self.job: ScanJob | None = None
        self._pending: list[FileChecked] = []
        self._batch = QTimer(self)
        self._batch.setSingleShot(True)
        self._batch.setInterval(UI_BATCH_MS)
        self._batch.timeout.connect(self.flush)

    def start(self, paths: list[Path]) -> ScanJob:
        self.progress.busy("Starting: preparing the face checker…")
        options = ScanOptions(actor=self.session.user_name)
        job = ScanJob(self.session.ws, paths, options, self)
        job.started.connect(self._started)
        job.skipped.connect(self.skipped)
        job.checked.connect(self._checked)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        job.stopped.connect(self._stopped)
        self.job = job
        job.start()
        return job

    def cancel(self) -> bool:
        """Stop the running check before its next file; False if there is none to stop."""
        if self.job is None or not self.job.running or self.job.cancelled:
            return False
        self.job.cancel()
        self.progress.stopping()
        return True

    def shutdown(self, wait_ms: int) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.wait(wait_ms)

    def _started(self, ev: ScanStarted) -> None:
        self.progress.bar.setRange(0, max(1, ev.total))
        self.progress.bar.setValue(0)
        self.progress.text.setText(f"Checked 0 of {ev.total}")
        if ev.coverage_gaps:
            self.message.warning(gap_sentence(ev.coverage_gaps))
        if ev.total == 0:
            self.progress.text.setText("No photos or videos found")

    def _checked(self, ev: FileChecked) -> None:
        """Results are shown in batches (every UI_BATCH_MS): a fast check of many small
        files must not repaint the window for each one."""
        self._pending.append(ev)
        if not self._batch.isActive():
            self._batch.start()

    def flush(self) -> None:
        self._batch.stop()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        ev = pending[-1]
        self.progress.bar.setRange(0, max(1, ev.total))
        self.progress.bar.setValue(ev.done)
        eta = eta_text(ev.eta_s)
        self.progress.text.setText(
            f"Checked {ev.done} of {ev.total}"
            + (f" · {eta}" if eta else "")
            + f" · {display(ev.result.rel)}"
        )
        self.arrived.emit(pending)

    def _finished(self, report: ScanReport) -> None:
        self.flush()
        self.finished.emit(report)

    def _failed(self, text: str) -> None:
        self.flush()
        self.failed.emit(text)

    def _stopped(self) -> None:
        self.progress.hide()
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        self.stopped.emit()
