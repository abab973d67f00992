"""The superintendent's summary report for a period (policy 2.a.3), shown and saved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from photoguard.audit import Summary, render_html, summarise, write_summary_csv
from photoguard.files.pathtext import display
from photoguard.files.spreadsheet import write_text_atomically
from ui.session import Session
from ui.widgets.message_bar import MessageBar
from ui.workers import error_text


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class SummaryDialog(QDialog):
    made = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.summary: Summary | None = None
        self.html = ""
        self.setWindowTitle("Summary report")
        self.setAccessibleName("Summary report for the superintendent")
        self.resize(860, 720)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Policy 2.a.3: the Committee requires the Superintendent to periodically report "
            "upon the results, consequences, and concerns related to the policy. This report "
            "counts what the approval log recorded in the period; students appear by ID only."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        today = QDate.currentDate()
        self.start = QDateEdit(QDate(today.year(), today.month(), 1))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setAccessibleName("From (UTC day)")
        self.end = QDateEdit(today)
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.end.setAccessibleName("To (UTC day)")
        row.addWidget(QLabel("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        self.make = QPushButton("&Make the report")
        self.make.clicked.connect(self.make_report)
        row.addWidget(self.make)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.view = QTextBrowser()
        self.view.setAccessibleName("Report")
        self.view.setOpenLinks(False)
        # A printable page: shown as paper, whatever the window's palette.
        pal = self.view.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
        pal.setColor(QPalette.ColorRole.Text, QColor("#111111"))
        self.view.setPalette(pal)
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_html = buttons.addButton("Save as &HTML…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_csv = buttons.addButton("Save as &CSV…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_html.clicked.connect(self._save_html)
        self.save_csv.clicked.connect(self._save_csv)
        self.save_html.setEnabled(False)
        self.save_csv.setEnabled(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def make_report(self) -> None:
        self.make.setEnabled(False)
        self.message.info("Verifying the log and counting…")

        def done(summary: Summary) -> None:
            self.make.setEnabled(True)
            self.summary = summary
            self.html = render_html(summary)
            self.view.setHtml(self.html)
            self.save_html.setEnabled(True)
            self.save_csv.setEnabled(True)
            if summary.verification.ok:
                self.message.hide()
            else:
                self.message.error(
                    "The approval log does not verify: the counts may not reflect what was "
                    "recorded. " + summary.verification.reason
                )
            self.made.emit(summary)

        def failed(text: str) -> None:
            self.make.setEnabled(True)
            self.message.error(text)

        self.session.tasks.run(
            summarise,
            self.session.ws,
            to_date(self.start.date()),
            to_date(self.end.date()),
            on_done=done,
            on_error=failed,
        )

    def _target(self, suffix: str, kind: str) -> Path | None:
        if self.summary is None:
            return None
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save the summary report",
            f"photoguard-summary-{self.summary.start}-{self.summary.end}{suffix}",
            f"{kind} (*{suffix})",
        )
        return Path(name) if name else None

    def _save_html(self) -> None:
        path = self._target(".html", "Web page")
        if path is not None:
            self._write(lambda: write_text_atomically(path, self.html), path)

    def _save_csv(self) -> None:
        path = self._target(".csv", "Spreadsheet")
        if path is not None and self.summary is not None:
            summary = self.summary
            self._write(lambda: write_summary_csv(summary, path), path)

    def _write(self, fn, path: Path) -> None:  # type: ignore[no-untyped-def]
        try:
            fn()
        except Exception as exc:
            self.message.error(error_text(exc))
        else:
            self.message.success(f"Saved as {display(path)}.")
