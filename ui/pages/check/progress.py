"""The check page's progress row: a bar, a line of text and Cancel.

The row only shows what a workflow tells it; Cancel is routed by the page to the
workflow that runs (each knows whether it has something to stop).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class ProgressRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Check progress")
        self.bar.setTextVisible(False)
        row.addWidget(self.bar, 2)
        self.text = QLabel()
        self.text.setAccessibleName("Files checked")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.text, 3)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the check")
        self.cancel_button.setToolTip("Stop checking (Esc); files not reached are not checked")
        row.addWidget(self.cancel_button)

    def busy(self, text: str) -> None:
        """Shown, busy until counts arrive, with Cancel enabled."""
        self.bar.setRange(0, 0)
        self.text.setText(text)
        self.show()
        self.cancel_button.setEnabled(True)

    def stopping(self) -> None:
        """Cancel was pressed: said on the row, and Cancel is not offered twice."""
        self.cancel_button.setEnabled(False)
        self.text.setText(self.text.text() + " · stopping…")
