"""The approval log: every import, enrollment, check and decision; verify, export, summarise."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from photoguard import audit
from photoguard.audit.view import LogFilter, export_csv, read_records
from photoguard.files.pathtext import display
from photoguard.workspace.folder import Workspace
from ui.dialogs.summary import SummaryDialog
from ui.models.log import (
    ACTION_FILTERS,
    COL_WHAT,
    RECORD_ROLE,
    LogModel,
    LogSearch,
    Row,
    row_text,
)
from ui.pages.lazy import LazyRefresh
from ui.policy import POLICY_4
from ui.session import Session
from ui.widgets.message_bar import MessageBar

#: Period choices: label -> days back from today (None = all time).
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("All time", None),
    ("Today", 0),
    ("Last 7 days", 6),
    ("Last 30 days", 29),
    ("Last 365 days", 364),
)


def verification_text(v: audit.Verification) -> tuple[bool, str]:
    if v.ok:
        witnessed = (
            f", {v.witnessed} of them also checked against this data folder's witness"
            if v.witnessed
            else ""
        )
        return True, (
            f"The approval log is intact: {v.records} records verified{witnessed}. "
            f"Head hash {v.head_hash[:16]}…"
        )
    where = f" at record {v.first_bad}" if v.first_bad else ""
    notes = " ".join(n[0].upper() + n[1:] + "." for n in v.notes)
    return False, (
        f"The approval log does NOT verify{where}: {v.reason}. {notes} Keep this computer as "
        "it is and tell the district's data protection lead."
    ).replace("  ", " ")


def load_rows(ws: Workspace, where: LogFilter) -> tuple[list[audit.Record], list[Row]]:
    """Records newest first (what a person looks for is usually what just happened)."""
    records = list(reversed(read_records(ws, where)))
    return records, row_text(records)


class LogPage(LazyRefresh):
    verified = Signal(object)
    exported = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setAccessibleName("Approval log")
        self.summary_dialog: SummaryDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        intro = QLabel(
            "Every roster import, enrollment, check and decision is a record in this log. "
            "Each record is chained to the one before by its hash, so a changed or deleted "
            f"record shows. Policy section 4: “{POLICY_4}”"
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.message = MessageBar()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        self.action = QComboBox()
        self.action.setAccessibleName("Kind of record")
        for label, prefix in ACTION_FILTERS:
            self.action.addItem(label, prefix)
        row.addWidget(self.action)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        row.addWidget(self.period)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: file name, person, student ID…")
        self.search.setAccessibleName("Search the log")
        self.search.setClearButtonEnabled(True)
        row.addWidget(self.search, 1)
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setAccessibleName("Verify the approval log")
        self.verify_button.setToolTip("Recompute every record's hash and link")
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(self.verify_button)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export the records shown as CSV")
        self.export_button.clicked.connect(self.choose_export)
        row.addWidget(self.export_button)
        self.summary_button = QPushButton("&Summary report…")
        self.summary_button.setAccessibleName("Summary report for the superintendent")
        self.summary_button.clicked.connect(self.open_summary)
        row.addWidget(self.summary_button)
        layout.addLayout(row)
        self.count = QLabel()
        layout.addWidget(self.count)

        split = QSplitter(Qt.Orientation.Vertical)
        self.model = LogModel(self)
        self.proxy = LogSearch(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setAccessibleName("Log records")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(100)  # a big log must not freeze the window
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._record_chosen)
        split.addWidget(self.table)
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.body.setAccessibleName("The selected record")
        self.body.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        split.addWidget(self.body)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)

        self.action.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.search.textChanged.connect(self._search)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search.setFocus)
        session.log_changed.connect(self.changed)
        session.workspace_changed.connect(self.changed)
        self.refresh()

    def current_filter(self) -> LogFilter:
        days = self.period.currentData()
        since: date | None = None
        if days is not None:
            since = datetime.now(UTC).date() - timedelta(days=int(days))
        return LogFilter(since=since, action=self.action.currentData())

    def refresh(self) -> None:
        self.session.tasks.run(
            load_rows,
            self.session.ws,
            self.current_filter(),
            on_done=self._loaded,
            on_error=self.message.error,
        )

    def _loaded(self, got: tuple[list[audit.Record], list[Row]]) -> None:
        records, text = got
        self.model.set_records(records, text)
        self._search()
        for col in range(COL_WHAT):
            self.table.resizeColumnToContents(col)
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _search(self) -> None:
        self.proxy.set_search(self.search.text())
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} records shown")

    def _record_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record = current.data(RECORD_ROLE) if current.isValid() else None
        if record is None:
            self.body.clear()
            return
        text = json.dumps(record.as_dict(), indent=2, ensure_ascii=False)
        self.body.setPlainText(display(text))

    def shown_records(self) -> list[audit.Record]:
        return [self.proxy.index(r, 0).data(RECORD_ROLE) for r in range(self.proxy.rowCount())][
            ::-1
        ]

    # ------------------------------------------------------------------ actions

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.message.info("Verifying every record…")
        ws = self.session.ws

        def done(v: audit.Verification) -> None:
            self.verify_button.setEnabled(True)
            ok, text = verification_text(v)
            (self.message.success if ok else self.message.error)(text)
            self.verified.emit(v)

        def failed(text: str) -> None:
            self.verify_button.setEnabled(True)
            self.message.error(text)

        self.session.tasks.run(
            audit.verify, ws.db, ws.school, ws.home, on_done=done, on_error=failed
        )

    def choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export the approval log",
            f"photoguard-log-{datetime.now(UTC).date()}.csv",
            "Spreadsheet (CSV) (*.csv)",
        )
        if name:
            self.export(Path(name))

    def export(self, path: Path) -> None:
        records = self.shown_records()

        def done(n: int) -> None:
            self.message.success(f"Exported {n} record(s) to {display(path)}.")
            self.exported.emit(path)

        self.session.tasks.run(
            export_csv,
            self.session.ws,
            path,
            records,
            on_done=done,
            on_error=self.message.error,
        )

    def open_summary(self) -> None:
        self.summary_dialog = SummaryDialog(self.session, self)
        self.summary_dialog.open()
