"""Withdrawn approvals: files approved before a child in them was opted out.

Lists every approval a re-check withdrew (photoguard/scan/recheck.py): the photo (when it
is still on this computer), who approved it and when, who it now shows, when it was
withdrawn, and what became of it. "Mark as taken down…" records, in the approval log,
that a file was removed from where it was posted. The core decides and records; this
window only shows and asks.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoguard.audit.summary import Withdrawn
from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.roster import stored as roster_store
from photoguard.scan.recheck import take_down, withdrawn_now
from ui.session import Session

THUMB_PX = 64
COLUMNS = ("Photo", "Approved", "Now shows", "Why", "Withdrawn", "Status")


def _thumbnail(path: Path) -> QIcon | None:
    """A small picture of the file when it is still here (photos only; None otherwise)."""
    if not path.is_file():
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() > 0:
        reader.setScaledSize(size.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else None


class WithdrawnDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Withdrawn approvals")
        self.resize(900, 480)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(COLUMNS)
        self.table.setRootIsDecorated(False)
        self.table.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.table.setAccessibleName("Withdrawn approvals")
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.take_down = QPushButton("Mark as &taken down…")
        self.take_down.setAccessibleName("Record that the selected photo was taken down")
        self.take_down.setEnabled(False)
        self.take_down.clicked.connect(self._take_down)
        buttons.addButton(self.take_down, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.rows: list[Withdrawn] = []
        self.refresh()

    def refresh(self) -> None:
        ws = self.session.ws
        self.rows = list(withdrawn_now(ws))
        with ws.db.snapshot() as tx:
            names = {
                s.student_id: s.display_name for s in roster_store.current_students(tx, ws.school)
            }
        up = sum(w.still_up for w in self.rows)
        self.intro.setText(
            f"{len(self.rows)} approval(s) were withdrawn because the photo shows a student "
            f"opted out (or enrolled) since; {up} not recorded as taken down. They may already "
            "be posted: take them down where they were shared, then mark them here."
            if self.rows
            else "No approval has been withdrawn."
        )
        self.table.clear()
        for w in self.rows:
            path = Path(w.path)
            item = QTreeWidgetItem(
                [
                    display(path.name),
                    f"by {w.approved_by} on {w.approved_at[:10]}",
                    ", ".join(names.get(s, f"student {s}") for s in w.students),
                    "; ".join(dict.fromkeys(w.because)),
                    w.at[:10],
                    w.status,
                ]
            )
            item.setToolTip(0, display(w.path))
            icon = _thumbnail(path)
            if icon is not None:
                item.setIcon(0, icon)
            self.table.addTopLevelItem(item)
        for column in range(len(COLUMNS)):
            self.table.resizeColumnToContents(column)

    def _selected(self) -> None:
        row = self._current()
        self.take_down.setEnabled(row is not None and row.still_up)

    def _current(self) -> Withdrawn | None:
        item = self.table.currentItem()
        if item is None:
            return None
        index = self.table.indexOfTopLevelItem(item)
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def ask_where(self, row: Withdrawn) -> str | None:
        """Where it was taken down from (None: the person changed their mind)."""
        text, ok = QInputDialog.getText(
            self,
            "Taken down",
            f"Where was {display(Path(row.path).name)} taken down from? "
            "(for example: school website, class blog)",
            QLineEdit.EchoMode.Normal,
        )
        return text.strip() if ok else None

    def _take_down(self) -> None:
        row = self._current()
        if row is None:
            return
        where = self.ask_where(row)
        if not where:
            return
        try:
            take_down(self.session.ws, Path(row.path), where=where, by=self.session.user_name)
        except (UserError, OSError) as exc:
            self.outcome.setText(f"Nothing recorded: {exc}.")
            return
        self.outcome.setText(f"Recorded: {display(Path(row.path).name)} taken down from {where}.")
        self.session.notify_log()
        self.refresh()


def open_withdrawn(session: Session, parent: QWidget) -> WithdrawnDialog:
    dialog = WithdrawnDialog(session, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
