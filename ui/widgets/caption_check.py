"""Check the text of a post before publishing: full names found, and a first-names version."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from photoguard.roster.first_names import Style, first_name_only
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex, NameMatch
from photoguard.vocab import VerdictKind
from ui.policy import POLICY_3F3
from ui.verdicts import colors


def highlighted_html(text: str, matches: Sequence[NameMatch], fill: str, ink: str) -> str:
    """The text with each full name marked (escaped; line breaks kept)."""
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if m.start < pos:
            continue
        out.append(html.escape(text[pos : m.start]))
        out.append(
            f'<span style="background-color:{fill}; color:{ink}; font-weight:bold">'
            f"{html.escape(text[m.start : m.end])}</span>"
        )
        pos = m.end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


class CaptionCheck(QWidget):
    """A text box; as you type, full names of roster students are marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Caption check")
        self._index = NameIndex([])
        self._names: dict[str, str] = {}
        self._has_roster = False
        self.style_name: Style = "initial"
        self.matches: list[NameMatch] = []
        self.suggestion = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Check the text of your post</b>")
        layout.addWidget(title)
        hint = QLabel(f"Policy 3.f.3: “{POLICY_3F3}” Paste the caption here before you publish.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Caption to check")
        self.editor.setPlaceholderText("e.g. Great work at the science fair, Liam O'Brien!")
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(70)
        self.editor.setMaximumHeight(130)
        layout.addWidget(self.editor)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Caption check result")
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.result)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Caption with full names marked, and with first names only")
        self.preview.setVisible(False)
        self.preview.setMinimumHeight(80)
        layout.addWidget(self.preview, 1)
        self.copy = QPushButton("&Copy with first names only")
        self.copy.setAccessibleName("Copy caption with first names only")
        self.copy.setEnabled(False)
        self.copy.clicked.connect(self._copy)
        layout.addWidget(self.copy, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(0)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.check_now)
        self.editor.textChanged.connect(self._timer.start)
        self.check_now()

    def set_students(
        self, students: Sequence[Student], style: Style = "initial", index: NameIndex | None = None
    ) -> None:
        """``index``: the students' NameIndex if already built (it takes a while for a big
        school, so the page builds it off the UI thread)."""
        self._index = index if index is not None else NameIndex(students)
        self._names = {s.student_id: s.display_name for s in students}
        self._has_roster = bool(students)
        self.style_name = style
        self.check_now()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.check_now()

    def check_now(self) -> None:
        self._timer.stop()
        text = self.editor.toPlainText()
        self.matches = self._index.find(text) if text.strip() else []
        if not text.strip():
            self.result.setText(
                "" if self._has_roster else "Import the roster to check captions for full names."
            )
            self.preview.setVisible(False)
            self.copy.setEnabled(False)
            self.suggestion = ""
            return
        if not self.matches:
            self.result.setText("No student's full name found in this text.")
            self.preview.setVisible(False)
            self.copy.setEnabled(False)
            self.suggestion = text
            return
        who = ", ".join(
            dict.fromkeys(self._names.get(m.student_id, m.student_id) for m in self.matches)
        )
        self.result.setText(
            f"✕ Full name of {who}: use first names only. Marked below, and rewritten:"
        )
        fill, ink = colors(VerdictKind.FLAGGED, self.palette())
        self.suggestion = first_name_only(text, self.matches, self.style_name)
        self.preview.setHtml(
            "<p>"
            + highlighted_html(text, self.matches, fill.name(), ink.name())
            + "</p><hr><p>"
            + html.escape(self.suggestion).replace("\n", "<br>")
            + "</p>"
        )
        self.preview.setVisible(True)
        self.copy.setEnabled(True)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.suggestion)
