"""A large target for dropping folders and files, with buttons for those who do not drag."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def local_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class DropZone(QFrame):
    """Emits ``dropped`` with the local paths dropped on it."""

    dropped = Signal(list)

    def __init__(
        self,
        title: str,
        detail: str = "",
        parent: QWidget | None = None,
        *,
        accessible_name: str = "Drop target",
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("DropZone")
        self.setAccessibleName(accessible_name)
        self.setAccessibleDescription(title)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(150)
        self._hover = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addStretch(1)
        self.title = QLabel(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.detail = QLabel(detail)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.detail.setVisible(bool(detail))
        layout.addWidget(self.detail)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addStretch(1)
        layout.addLayout(self.buttons)
        layout.addStretch(1)
        self._restyle()

    def add_button(self, text: str, accessible: str | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible or text.replace("&", "").rstrip("."))
        self.buttons.insertWidget(self.buttons.count() - 1, button)
        return button

    def _restyle(self) -> None:
        pal = QGuiApplication.palette()  # not our own: a style sheet changes that
        accent = pal.color(QPalette.ColorRole.Highlight)
        edge = accent if self._hover else pal.color(QPalette.ColorRole.Mid)
        fill = pal.color(QPalette.ColorRole.Base)
        if self._hover:
            fill = accent
            fill.setAlpha(40)
        background = fill.name(fill.NameFormat.HexArgb)
        self.setStyleSheet(
            f"QFrame#DropZone {{ border: 2px dashed {edge.name()}; border-radius: 12px; "
            f"background: {background}; }}"
        )

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.type() == event.Type.ApplicationPaletteChange:
            self._restyle()
        super().changeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
            self._hover = True
            self._restyle()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._hover = False
        self._restyle()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover = False
        self._restyle()
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)
        else:
            event.ignore()
