"""The decisions workflow of the check page: record a decision in the approval log (the
core refuses what the policy does not allow), and show earlier decisions that still hold.

It owns the calls and what they write into the results model and the message bar; the
page moves the selection on (``recorded``) or shows the file again (``refused``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoguard.files.pathtext import display
from photoguard.scan.decisions import DecisionResult, decide, earlier_decisions
from photoguard.scan.report import FileResult, ScanReport
from ui.models.results import ResultsModel
from ui.pages.check.words import decision_note, minute
from ui.session import Session
from ui.widgets.message_bar import MessageBar


class DecisionFlow(QObject):
    #: A decision was recorded (the page moves on to the next file not yet decided).
    recorded = Signal()
    #: A decision was refused; its sentence is shown (the page shows the file again).
    refused = Signal()
    #: Earlier decisions that still hold were put on their files (a dict path -> result).
    loaded = Signal(object)

    def __init__(
        self, session: Session, model: ResultsModel, message: MessageBar, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.model = model
        self.message = message

    def decide(self, result: FileResult, decision: str, reason: str) -> None:
        path = result.path

        def done(got: DecisionResult) -> None:
            self.model.set_decision(str(path), got.decision, decision_note(got))
            self.message.success(
                f"{display(result.rel)}: {got.decision} recorded by {got.by} at "
                f"{minute(got.at)} UTC (approval log record {got.record_seq})."
            )
            self.session.notify_log()
            self.recorded.emit()

        def failed(text: str) -> None:
            self.message.error(text)
            self.refused.emit()

        self.session.tasks.run(
            decide,
            self.session.ws,
            path,
            decision,
            self.session.user_name,
            reason or None,
            on_done=done,
            on_error=failed,
        )

    def look_up(self, report: ScanReport) -> None:
        """A check run again (a recent check re-opened, a folder dropped twice) shows what
        was decided before, where it still holds for these bytes and this roster, and why
        an earlier approval no longer holds where one does not."""
        self.session.tasks.run(
            earlier_decisions,
            self.session.ws,
            [(r.path, r.sha256, r.verdict) for r in report.files],
            on_done=self._found,
        )

    def _found(self, earlier: tuple[dict[str, DecisionResult], dict[str, str]]) -> None:
        found, lapsed = earlier
        for key, got in found.items():
            if self.model.decision(key) is not None:
                continue  # decided again in this check meanwhile: that one counts
            self.model.set_decision(key, got.decision, "before this check, " + decision_note(got))
        for key, why in lapsed.items():
            self.model.set_note(key, why)
        self.loaded.emit(found)
