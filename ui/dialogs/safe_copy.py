"""A safe copy, made and rescanned clear: look at it beside the original, then save or discard.

The core made the copy in a private temporary folder (photoguard.safecopy.make); nothing
is written where the teacher can post from until *Save copy…*, and a discarded or
closed dialog removes the temporary copy.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.safecopy import SafeCopyPreview, SavedCopy, save_safe_copy
from photoguard.workspace.folder import Workspace
from ui.images import load_thumbnail
from ui.widgets.message_bar import MessageBar

PICTURE_BOX = (420, 320)


def summary(preview: SafeCopyPreview) -> str:
    """What the copy has that the original does not, in plain words."""
    parts = [f"{preview.faces_covered} face(s) covered"]
    if preview.names_rewritten:
        parts.append(f"{len(preview.names_rewritten)} full name(s) cut to first names")
    if preview.removed:
        parts.append("removed: " + ", ".join(preview.removed))
    if preview.kind == "video":
        parts.append("no sound (only the pictures are copied)")
    text = (
        "; ".join(parts)
        + f". The copy was checked again on its own: {preview.rescan.verdict}. "
        + f"It will be saved as {display(preview.name)}."
    )
    return " ".join((text, *preview.notes))


class SafeCopyDialog(QDialog):
    """``saved(SavedCopy)`` once the copy is written and logged."""

    saved = Signal(object)

    def __init__(
        self, ws: Workspace, preview: SafeCopyPreview, by: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.preview = preview
        self.by = by
        self.setWindowTitle(f"Safe copy of {display(preview.source.name)}")
        self.setAccessibleName("Safe copy")
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        for column, (title, path) in enumerate(
            (("Original (not to be shared)", preview.source), ("Safe copy", preview.path))
        ):
            heading = QLabel(f"<b>{title}</b>")
            grid.addWidget(heading, 0, column)
            picture = QLabel()
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setMinimumSize(*PICTURE_BOX)
            picture.setAccessibleName(title)
            image = load_thumbnail(path, preview.kind, max(PICTURE_BOX), PICTURE_BOX)
            if isinstance(image, str):
                picture.setText(f"Cannot be shown: {image}")
            else:
                picture.setPixmap(QPixmap.fromImage(image))
            grid.addWidget(picture, 1, column)
        layout.addLayout(grid)
        self.what = QLabel(summary(preview))
        self.what.setWordWrap(True)
        self.what.setTextFormat(Qt.TextFormat.PlainText)
        self.what.setAccessibleName("What the safe copy changes")
        layout.addWidget(self.what)
        self.message = MessageBar()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save copy…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName("Save the safe copy in a folder")
        self.save_button.clicked.connect(self.choose_folder)
        discard = buttons.addButton("&Discard", QDialogButtonBox.ButtonRole.RejectRole)
        discard.setAccessibleName("Discard the safe copy")
        discard.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(lambda _code: self.preview.discard())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Save the safe copy in (not the original's folder)"
        )
        if folder:
            self.save_to(Path(folder))

    def save_to(self, folder: Path) -> SavedCopy | None:
        """Write the copy into ``folder`` and log it; a refusal is shown, nothing closes."""
        from photoguard.errors import UserError

        try:
            saved = save_safe_copy(self.ws, self.preview, folder, self.by)
        except UserError as exc:
            text = str(exc)
            self.message.error(text[:1].upper() + text[1:])
            return None
        self.saved.emit(saved)
        self.accept()
        return saved
