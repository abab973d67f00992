"""An inline message above a page's content: what happened, in one or two sentences.

Errors are shown here rather than in modal boxes, so a person can read the
message next to what it is about, and nothing blocks the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from photoguard.vocab import VerdictKind
from ui.verdicts import colors

#: kind -> the verdict whose colours it borrows
_KINDS = {
    "error": VerdictKind.FLAGGED,
    "warning": VerdictKind.REVIEW,
    "success": VerdictKind.CLEAR,
    "info": None,
}
_GLYPHS = {"error": "✕", "warning": "!", "success": "✓", "info": "i"}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.setAccessibleName("Message")
        self.kind = "info"
        layout = QHBoxLayout(self)
        self._row = layout
        layout.setContentsMargins(12, 8, 8, 8)
        self.icon = QLabel()
        self.icon.setFixedWidth(22)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName("Dismiss message")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def add_widget(self, widget: QWidget) -> None:
        """A button or link beside the text (before the dismiss button)."""
        self._row.insertWidget(self._row.count() - 1, widget)

    def text(self) -> str:
        return self.label.text()

    def show_message(self, text: str, kind: str = "info") -> None:
        self.kind = kind
        self.label.setText(text)
        self.icon.setText(_GLYPHS.get(kind, "i"))
        self.setAccessibleDescription(f"{kind}: {text}")
        self._restyle()
        self.show()

    def error(self, text: str) -> None:
        self.show_message(text, "error")

    def warning(self, text: str) -> None:
        self.show_message(text, "warning")

    def success(self, text: str) -> None:
        self.show_message(text, "success")

    def info(self, text: str) -> None:
        self.show_message(text, "info")

    def _restyle(self) -> None:
        verdict = _KINDS.get(self.kind)
        pal = QGuiApplication.palette()  # not our own: a style sheet changes that
        if verdict is None:
            edge = pal.color(QPalette.ColorRole.Highlight)
        else:
            edge, _ = colors(verdict, pal)
        fill = edge.toRgb()
        fill.setAlpha(36)
        background = fill.name(fill.NameFormat.HexArgb)
        self.setStyleSheet(
            f"QFrame#MessageBar {{ border: 1px solid {edge.name()}; "
            f"border-left: 6px solid {edge.name()}; border-radius: 6px; "
            f"background: {background}; }}"
        )
        font = self.icon.font()
        font.setBold(True)
        self.icon.setFont(font)
        self.icon.setStyleSheet(f"color: {edge.name()};")

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.type() == event.Type.ApplicationPaletteChange and self.isVisible():
            self._restyle()
        super().changeEvent(event)
