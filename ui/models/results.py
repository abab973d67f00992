"""The files of a check: one row per FileResult, as the scan delivers them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from photoguard.files.pathtext import display
from photoguard.scan.report import FileResult
from photoguard.vocab import DecisionKind
from ui import findings
from ui.images import ThumbnailCache
from ui.models.table import TableModel
from ui.verdicts import STYLES, VERDICT_ORDER, describe

COL_NAME = 0
COL_VERDICT = 1
COL_FOUND = 2
COL_KIND = 3
COL_DECISION = 4
HEADERS = ("File", "Verdict", "What was found", "Kind", "Decision")

RESULT_ROLE = Qt.ItemDataRole.UserRole + 1
VERDICT_ROLE = Qt.ItemDataRole.UserRole + 2
DECISION_ROLE = Qt.ItemDataRole.UserRole + 3
PATH_ROLE = Qt.ItemDataRole.UserRole + 4
#: A thumbnail QImage, a string saying why there is none, or None while it loads.
THUMBNAIL_ROLE = Qt.ItemDataRole.UserRole + 5

#: How a recorded decision reads on a file (and, shorter, on its card).
DECISION_LABELS: dict[str, str] = {
    DecisionKind.APPROVE: "Approved",
    DecisionKind.OVERRIDE: "Approved with reason",
    DecisionKind.BLOCK: "Blocked",
    DecisionKind.PENDING: "Pending",
}
CHIP_LABELS: dict[str, str] = {
    DecisionKind.APPROVE: "✓ Approved",
    DecisionKind.OVERRIDE: "✓ Approved*",
    DecisionKind.BLOCK: "✕ Blocked",
    DecisionKind.PENDING: "Pending",
}

_Index = QModelIndex | QPersistentModelIndex


class ResultsModel(TableModel):
    HEADERS = HEADERS

    def items(self) -> list[Any]:
        return self._results

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._results: list[FileResult] = []
        self._rows: dict[str, int] = {}
        self._decisions: dict[str, str] = {}
        self._notes: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self.names: dict[str, str] = {}
        self._thumbnails: ThumbnailCache | None = None

    # ------------------------------------------------------------------ contents

    def set_names(self, names: Mapping[str, str]) -> None:
        self.names = dict(names)

    def set_thumbnails(self, cache: ThumbnailCache) -> None:
        self._thumbnails = cache
        cache.ready.connect(self._thumbnail_ready)

    def clear(self) -> None:
        self.beginResetModel()
        self._results = []
        self._rows = {}
        self._decisions = {}
        self._counts = Counter()
        self.endResetModel()

    def add(self, result: FileResult) -> None:
        key = str(result.path)
        if key in self._rows:  # checked again: replace
            row = self._rows[key]
            self._counts[self._results[row].verdict] -= 1
            self._counts[result.verdict] += 1
            self._results[row] = result
            self._decisions.pop(key, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
            return
        row = len(self._results)
        self.beginInsertRows(QModelIndex(), row, row)
        self._results.append(result)
        self._rows[key] = row
        self._counts[result.verdict] += 1
        self.endInsertRows()

    def extend(self, results: Iterable[FileResult]) -> None:
        for r in results:
            self.add(r)

    def result(self, row: int) -> FileResult:
        return self._results[row]

    def results(self) -> list[FileResult]:
        return list(self._results)

    def row_of(self, path: str) -> int | None:
        return self._rows.get(path)

    def counts(self) -> dict[str, int]:
        return {v: self._counts.get(v, 0) for v in VERDICT_ORDER}

    def decision(self, path: str) -> str | None:
        return self._decisions.get(path)

    def decision_note(self, path: str) -> str:
        """Who decided when, and why (for the detail panel)."""
        return self._notes.get(path, "")

    def set_note(self, path: str, note: str) -> None:
        """Why a file has no decision that holds (an earlier approval lapsed)."""
        if path in self._rows and path not in self._decisions:
            self._notes[path] = note

    def set_decision(self, path: str, decision: str, note: str = "") -> None:
        row = self._rows.get(path)
        if row is None:
            return
        self._decisions[path] = decision
        self._notes[path] = note
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    # ------------------------------------------------------------------ Qt model

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        r = self._results[index.row()]
        key = str(r.path)
        col = index.column()
        if role == RESULT_ROLE:
            return r
        if role == VERDICT_ROLE:
            return r.verdict
        if role == DECISION_ROLE:
            return self._decisions.get(key)
        if role == PATH_ROLE:
            return key
        if role == THUMBNAIL_ROLE:
            if self._thumbnails is None:
                return None
            # A document has no picture of its own: it is opened as a photo (and says why not).
            return self._thumbnails.get(r.path, "video" if r.kind == "video" else "photo")
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return display(r.rel)
            if col == COL_VERDICT:
                return STYLES[r.verdict].label
            if col == COL_FOUND:
                return findings.summary(r, self.names)
            if col == COL_KIND:
                return r.kind
            if col == COL_DECISION:
                return DECISION_LABELS.get(self._decisions.get(key, ""), "")
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            decided = DECISION_LABELS.get(self._decisions.get(key, ""), "")
            return f"{display(r.rel)}: {describe(r.verdict)}. {findings.summary(r, self.names)}" + (
                f". {decided}" if decided else ""
            )
        return None

    def _thumbnail_ready(self, key: str) -> None:
        row = self._rows.get(key)
        if row is not None:
            self.dataChanged.emit(self.index(row, COL_NAME), self.index(row, COL_NAME))


@contextmanager
def rows_filter_change(proxy: QSortFilterProxyModel) -> Iterator[None]:
    """Change what a proxy filters (Qt 6.10's begin/endFilterChange, or the older call)."""
    if hasattr(proxy, "endFilterChange"):
        proxy.beginFilterChange()
        yield
        proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
    else:  # pragma: no cover - PySide6 before 6.10
        yield
        proxy.invalidateRowsFilter()


_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


class VerdictFilter(QSortFilterProxyModel):
    """Shows the verdicts chosen (all by default); most urgent first, then by name."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._verdicts: frozenset[str] | None = None
        self.setDynamicSortFilter(True)
        self.sort(COL_NAME)

    @property
    def verdicts(self) -> frozenset[str] | None:
        return self._verdicts

    def set_verdicts(self, verdicts: Iterable[str] | None) -> None:
        """Only these verdicts; None shows every file."""
        with rows_filter_change(self):
            self._verdicts = None if verdicts is None else frozenset(verdicts)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._verdicts is None:
            return True
        model = self.sourceModel()
        verdict = model.data(model.index(source_row, 0, source_parent), VERDICT_ROLE)
        return verdict in self._verdicts

    def lessThan(self, left: _Index, right: _Index) -> bool:
        model = self.sourceModel()
        a = (_RANK.get(model.data(left, VERDICT_ROLE), 9), str(model.data(left, PATH_ROLE)))
        b = (_RANK.get(model.data(right, VERDICT_ROLE), 9), str(model.data(right, PATH_ROLE)))
        return a < b
