"""Approval-log records in a table: seq, time, who, action, and what it records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from photoguard import audit
from photoguard.audit.view import describe, paths_of, printable, short_time
from photoguard.files.pathtext import display
from ui.models.results import rows_filter_change
from ui.models.table import TableModel

COL_SEQ = 0
COL_TIME = 1
COL_WHO = 2
COL_ACTION = 3
COL_WHAT = 4
HEADERS = ("#", "Time (UTC)", "Who", "Action", "What")

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2

#: Action filters offered on the log page: label -> action prefix (None = every record).
ACTION_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All records", None),
    ("Decisions", "decision"),
    ("Checks", "scan"),
    ("Roster imports", "roster"),
    ("Reference faces", "enroll"),
)

_Index = QModelIndex | QPersistentModelIndex


Row = tuple[str, str, str, str, str]


def row_text(records: Sequence[audit.Record]) -> list[Row]:
    """What each record shows in the table (worth computing off the UI thread for big logs)."""
    return [
        (
            str(r.seq),
            short_time(r.at),
            printable(r.actor),
            printable(r.action),
            display(printable(describe(r))),
        )
        for r in records
    ]


class LogModel(TableModel):
    HEADERS = HEADERS

    def items(self) -> list[Any]:
        return self._records

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[audit.Record] = []
        self._text: list[Row] = []

    def set_records(
        self, records: Sequence[audit.Record], text: Sequence[Row] | None = None
    ) -> None:
        """``text``: :func:`row_text` of the records, if already computed."""
        self.beginResetModel()
        self._records = list(records)
        self._text = list(text) if text is not None else row_text(self._records)
        self.endResetModel()

    def record(self, row: int) -> audit.Record:
        return self._records[row]

    def records(self) -> list[audit.Record]:
        return list(self._records)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        row = index.row()
        if role == RECORD_ROLE:
            return self._records[row]
        if role == SEARCH_ROLE:
            r = self._records[row]
            return " ".join((*self._text[row], *paths_of(r.typed_body))).casefold()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text[row][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == COL_WHAT:
            paths = paths_of(self._records[row].typed_body)
            return display(paths[0]) if paths else None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COL_SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class LogSearch(QSortFilterProxyModel):
    """Every word typed must appear in the record's row or its file path."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()

    def set_search(self, text: str) -> None:
        with rows_filter_change(self):
            self._words = tuple(text.casefold().split())

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self._words:
            return True
        model = self.sourceModel()
        haystack = str(model.data(model.index(source_row, 0, source_parent), SEARCH_ROLE) or "")
        return all(w in haystack for w in self._words)
