"""The first-run guide: import the roster, add reference faces, drop photos.

Shown instead of empty tables until the data folder is ready to check photos,
and again whenever an opted-out student has no reference face (a check
cannot recognise them).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photoguard.roster.model import RosterVersion
from photoguard.vocab import VerdictKind
from ui.verdicts import colors


class _Step(QFrame):
    def __init__(self, number: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Step")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setHorizontalSpacing(12)
        self.mark = QLabel(str(number))
        self.mark.setFixedSize(34, 34)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = number
        layout.addWidget(self.mark, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(f"<b>{title}</b>")
        layout.addWidget(self.title, 0, 1)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.detail, 1, 1)
        self.button = QPushButton()
        self.button.setAccessibleName(f"Step {number}: {title}")
        layout.addWidget(self.button, 0, 2, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        layout.setColumnStretch(1, 1)
        self.done = False

    def set_state(self, done: bool, detail: str, button: str | None) -> None:
        self.done = done
        self.detail.setText(detail)
        self.button.setVisible(button is not None)
        if button:
            self.button.setText(button)
            self.button.setAccessibleName(button.replace("&", "").rstrip("."))
        pal = self.palette()
        if done:
            fill, ink = colors(VerdictKind.CLEAR, pal)
            self.mark.setText("✓")
        else:
            fill = pal.color(QPalette.ColorRole.Highlight)
            ink = pal.color(QPalette.ColorRole.HighlightedText)
            self.mark.setText(str(self.number))
        self.mark.setStyleSheet(
            f"border-radius: 17px; background: {fill.name()}; color: {ink.name()}; "
            "font-weight: bold; font-size: 15px;"
        )
        self.setAccessibleName(
            f"Step {self.number}: {self.title.text()[3:-4]}: {'done' if done else 'to do'}"
        )


class GettingStarted(QFrame):
    """Three steps; each button asks the window to open the page that does it."""

    go = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Getting started")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.roster = _Step(1, "Import the opt-out roster")
        self.faces = _Step(2, "Add reference faces of opted-out students")
        self.photos = _Step(3, "Drop photos to check")
        for step in (self.roster, self.faces, self.photos):
            layout.addWidget(step)
        self.roster.button.clicked.connect(lambda: self.go.emit("roster"))
        self.faces.button.clicked.connect(lambda: self.go.emit("faces"))
        self.ready = False

    def set_state(self, version: RosterVersion | None, opted_out: int, with_faces: int) -> None:
        if version is None:
            self.roster.set_state(
                False,
                "The main office exports the list of students whose parents opted out of "
                "photos (the Privacy Law form in the Aspen Parent Portal) as a CSV or Excel "
                "file. Import it first: nothing can be checked without it.",
                "Import the roster…",
            )
        else:
            self.roster.set_state(
                True,
                f"Roster version {version.id} from {version.source_name}: "
                f"{version.students} students, {version.opted_out} opted out.",
                None,
            )
        if version is None:
            self.faces.set_state(
                False, "After the roster: a picture-day photo of each opted-out student.", None
            )
        elif opted_out == 0:
            self.faces.set_state(True, "No student on the roster is opted out.", None)
        elif with_faces < opted_out:
            missing = opted_out - with_faces
            self.faces.set_state(
                False,
                f"{with_faces} of {opted_out} opted-out students have a reference face; "
                f"{missing} cannot be recognised in photos until you add one (from the "
                "picture-day folder, or photos named by student ID).",
                "Add reference faces…",
            )
        else:
            self.faces.set_state(
                True, f"All {opted_out} opted-out students have a reference face.", None
            )
        ready = version is not None
        self.photos.set_state(
            False,
            "Drag a folder or photos onto the box below, or choose them. Each file is checked "
            "for opted-out students' faces and for full names in its captions and name."
            if ready
            else "Once the roster is imported.",
            None,
        )
        self.ready = ready and with_faces >= opted_out
        self.heading.setText(
            "Getting started" if version is None else "Before you check: reference faces missing"
        )
