"""Opted-out students and their reference faces (or "Missing")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPen, QPixmap

from photoguard.references.enroll import EnrollStatus
from ui.models.roster import full_name
from ui.models.table import TableModel

COL_NAME = 0
COL_ID = 1
COL_GRADE = 2
COL_FACES = 3
COL_ADDED = 4
COL_STATUS = 5
HEADERS = ("Opted-out student", "Student ID", "Grade", "Reference faces", "Added", "Status")

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
STUDENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: Every reference thumbnail of the student (list of QImage).
THUMBNAILS_ROLE = Qt.ItemDataRole.UserRole + 3
MISSING_ROLE = Qt.ItemDataRole.UserRole + 4

_Index = QModelIndex | QPersistentModelIndex


def status_text(st: EnrollStatus) -> str:
    if st.references == 0:
        return "! Missing"
    if st.stale:
        return "Old"
    return "Ready"


def status_sentence(st: EnrollStatus) -> str:
    if st.references == 0:
        return "Missing: a check cannot recognise this student in photos"
    if st.stale:
        return "Out of date: add this year's picture-day photo"
    return "Ready: photos of this student are caught"


_placeholder: QIcon | None = None


def missing_icon(size: int = 64) -> QIcon:
    """A grey square with a question mark: no reference face."""
    global _placeholder
    if _placeholder is None:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(QColor(128, 128, 128, 60))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(128, 128, 128), 2))
        painter.drawRect(1, 1, size - 2, size - 2)
        font = QFont()
        font.setPixelSize(size // 2)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "?")
        painter.end()
        _placeholder = QIcon(QPixmap.fromImage(image))
    return _placeholder


class ReferencesModel(TableModel):
    HEADERS = HEADERS

    def items(self) -> list[Any]:
        return self._rows

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[EnrollStatus] = []
        self._thumbs: dict[str, list[QImage]] = {}

    def set_status(self, rows: Sequence[EnrollStatus]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_thumbnails(self, thumbs: Mapping[str, list[QImage]]) -> None:
        self._thumbs = dict(thumbs)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def status(self, row: int) -> EnrollStatus:
        return self._rows[row]

    def thumbnails(self, student_id: str) -> list[QImage]:
        return list(self._thumbs.get(student_id, []))

    @property
    def missing(self) -> list[EnrollStatus]:
        return [r for r in self._rows if r.references == 0]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        st = self._rows[index.row()]
        sid = st.student.student_id
        col = index.column()
        if role == STATUS_ROLE:
            return st
        if role == STUDENT_ID_ROLE:
            return sid
        if role == MISSING_ROLE:
            return st.references == 0
        if role == THUMBNAILS_ROLE:
            return self._thumbs.get(sid, [])
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return full_name(st.student)
            if col == COL_ID:
                return sid
            if col == COL_GRADE:
                return st.student.grade
            if col == COL_FACES:
                return str(st.references) if st.references else "Missing"
            if col == COL_ADDED:
                return (st.newest or "").replace("T", " ")[:10]
            if col == COL_STATUS:
                return status_text(st)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
            thumbs = self._thumbs.get(sid)
            if thumbs:
                return QIcon(QPixmap.fromImage(thumbs[0]))
            return missing_icon() if st.references == 0 else None
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{full_name(st.student)}, {sid}: {status_sentence(st)}"
        if role == Qt.ItemDataRole.FontRole and st.references == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None
