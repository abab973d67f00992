"""Deleting one student's reference faces: what it means, and why (for the log)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from photoguard.references.privacy import MAX_REASON


class PurgeDialog(QDialog):
    """Asks before anything is deleted; ``reason()`` is what the approval log records."""

    def __init__(self, name: str, student_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete reference faces?")
        self.setAccessibleName("Delete a student's reference faces")
        layout = QVBoxLayout(self)
        # Only opted-out students have reference faces (a roster import that lifts an
        # opt-out deletes them), so the student stays opted out and goes unrecognised.
        text = QLabel(
            f"Delete every reference face of {name} ({student_id})? The faces, their "
            "encodings and their key are destroyed and cannot be brought back. "
            f"{name} stays opted out, but photoguard cannot recognise {name} in photos "
            "until new reference faces are added: every check will list the gap. Use this "
            "when a parent asks for the biometric data to be deleted, or to replace wrong "
            "photos. The approval log records that it was done, by whom and why (never the "
            "faces)."
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setMinimumWidth(460)  # a wrapped label needs a width to get its full height
        layout.addWidget(text)
        layout.addWidget(QLabel("Reason (for the log, optional):"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason for deleting the reference faces")
        self.reason_edit.setPlaceholderText("e.g. parent's request of 12 May")
        self.reason_edit.setMaxLength(MAX_REASON)
        layout.addWidget(self.reason_edit)
        buttons = QDialogButtonBox()
        self.delete_button = buttons.addButton(
            "Delete reference faces", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.setAccessibleName("Delete the reference faces")
        self.delete_button.clicked.connect(self.accept)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter never deletes by accident
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reason(self) -> str | None:
        return self.reason_edit.text().strip() or None
