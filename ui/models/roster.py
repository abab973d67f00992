"""The roster in force: one row per student, with a search and an opted-out filter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from photoguard.roster.model import Student
from ui.models.results import rows_filter_change
from ui.models.table import TableModel

COL_ID = 0
COL_NAME = 1
COL_GRADE = 2
COL_HOMEROOM = 3
COL_OPTED_OUT = 4
COL_FACES = 5
HEADERS = ("Student ID", "Name", "Grade", "Homeroom", "Photo opt-out", "Reference faces")

STUDENT_ROLE = Qt.ItemDataRole.UserRole + 1
OPTED_OUT_ROLE = Qt.ItemDataRole.UserRole + 2
#: Text the search box looks in (ID, names, homeroom), case-folded.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
#: Opted out with no reference face: a scan cannot recognise them.
GAP_ROLE = Qt.ItemDataRole.UserRole + 4

_Index = QModelIndex | QPersistentModelIndex


def full_name(s: Student) -> str:
    """Last, First (Preferred) - as a school list reads."""
    first = s.first_name + (f" ({s.preferred_name})" if s.preferred_name else "")
    return f"{s.last_name}, {first}".strip(", ")


class RosterModel(TableModel):
    HEADERS = HEADERS

    def items(self) -> list[Any]:
        return self._students

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._students: list[Student] = []
        self._faces: dict[str, int] = {}

    def set_students(self, students: Sequence[Student], faces: Mapping[str, int]) -> None:
        """``faces``: reference faces per opted-out student ID."""
        self.beginResetModel()
        self._students = sorted(students, key=lambda s: s.sort_key)
        self._faces = dict(faces)
        self.endResetModel()

    def student(self, row: int) -> Student:
        return self._students[row]

    @property
    def opted_out(self) -> list[Student]:
        return [s for s in self._students if s.opted_out]

    @property
    def gaps(self) -> list[Student]:
        return [s for s in self._students if s.opted_out and not self._faces.get(s.student_id)]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._students):
            return None
        s = self._students[index.row()]
        col = index.column()
        faces = self._faces.get(s.student_id, 0)
        if role == STUDENT_ROLE:
            return s
        if role == OPTED_OUT_ROLE:
            return s.opted_out
        if role == GAP_ROLE:
            return s.opted_out and faces == 0
        if role == SEARCH_ROLE:
            return " ".join(
                (s.student_id, s.first_name, s.preferred_name, s.last_name, s.homeroom)
            ).casefold()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_ID:
                return s.student_id
            if col == COL_NAME:
                return full_name(s)
            if col == COL_GRADE:
                return s.grade
            if col == COL_HOMEROOM:
                return s.homeroom
            if col == COL_OPTED_OUT:
                return "Opted out" if s.opted_out else ""
            if col == COL_FACES:
                if not s.opted_out:
                    return ""
                return "! Missing" if faces == 0 else str(faces)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_FACES and s.opted_out and not faces:
            return (
                "No reference face: a check cannot recognise this student. Add one on the "
                "Reference faces page."
            )
        if role == Qt.ItemDataRole.FontRole and s.opted_out and col in (COL_OPTED_OUT, COL_FACES):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_GRADE, COL_FACES):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class RosterFilter(QSortFilterProxyModel):
    """Search by ID or name (every word must match); optionally opted-out students only."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self._opted_out_only = False

    def set_search(self, text: str) -> None:
        with rows_filter_change(self):
            self._words = tuple(text.casefold().split())

    def set_opted_out_only(self, on: bool) -> None:
        with rows_filter_change(self):
            self._opted_out_only = on

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if self._opted_out_only and not model.data(index, OPTED_OUT_ROLE):
            return False
        haystack = str(model.data(index, SEARCH_ROLE) or "")
        return all(w in haystack for w in self._words)
