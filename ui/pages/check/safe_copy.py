"""The safe-copy workflow of the check page: make the copy off the UI thread, show it,
and say what was saved. It owns its cancel token and its use of the progress row."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from photoguard.files.pathtext import display
from photoguard.safecopy import SafeCopyPreview, SavedCopy, make_safe_copy
from photoguard.scan.report import FileResult
from photoguard.scan.workers import CancelToken
from ui.dialogs.safe_copy import SafeCopyDialog
from ui.pages.check.progress import ProgressRow
from ui.session import Session
from ui.widgets.message_bar import MessageBar
from ui.workers import clause


class CopyStage(QObject):
    """Carries the safe copy's progress (called on a worker thread) to the UI thread."""

    changed = Signal(str)


class SafeCopyFlow(QObject):
    """One safe copy at a time; ``ready`` carries the dialog, or None if none was made."""

    ready = Signal(object)

    def __init__(
        self,
        session: Session,
        progress: ProgressRow,
        message: MessageBar,
        settled: Callable[[], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.progress = progress
        self.message = message
        self._settled = settled  # the selected file is shown again (its buttons re-enabled)
        self._window = parent
        self.dialog: SafeCopyDialog | None = None
        self.running = False
        self._cancel = CancelToken()
        self.stage = CopyStage(self)
        self.stage.changed.connect(self._stage_changed)

    @property
    def busy(self) -> bool:
        """Being made or being looked at: no second copy meanwhile."""
        return self.running or self.dialog is not None

    def start(self, result: FileResult) -> None:
        self.running = True
        self.message.info(
            f"Making a safe copy of {display(result.rel)}: covering faces, cutting names, "
            "then checking the copy again…"
        )
        # A video takes a while (every frame is covered and checked again): the
        # progress row says which step it is at, and Cancel stops it.
        self._cancel = CancelToken()
        self.progress.busy("Safe copy: starting…")
        self.session.tasks.run(
            partial(make_safe_copy, cancel=self._cancel, progress=self.stage.changed.emit),
            self.session.ws,
            result.path,
            on_done=self._made,
            on_error=self._failed,
        )

    def cancel(self) -> bool:
        """Stop the copy being made; False if there is none to stop."""
        if not self.running or self._cancel.cancelled:
            return False
        self._cancel.cancel()
        self.progress.stopping()
        return True

    def _stage_changed(self, stage: str) -> None:
        if self.running:
            self.progress.text.setText(f"Safe copy: {stage}…")

    def _made(self, preview: SafeCopyPreview) -> None:
        self.running = False
        self.progress.hide()
        self.message.info("The safe copy is ready: look at it, then save it or discard it.")
        dialog = SafeCopyDialog(self.session.ws, preview, self.session.user_name, self._window)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        self.ready.emit(dialog)

    def _failed(self, text: str) -> None:
        self.running = False
        self.progress.hide()
        self.message.error(f"No safe copy was made: {clause(text)}")
        self._settled()
        self.ready.emit(None)

    def _saved(self, saved: SavedCopy) -> None:
        self.message.success(
            f"Saved the safe copy as {display(saved.path)} (approval log record "
            f"{saved.record_seq}). Post the copy, never the original."
        )
        self.session.notify_log()

    def _closed(self, _code: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self._settled()
