"""The check page's home view: the getting-started guide, the coverage-gap bar, the
drop zone, and beside them why photoguard (first run) or the recent checks and the
caption check. Layout only: the page connects what its parts do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ui.pages.check.words import why_text
from ui.widgets.drop_zone import DropZone
from ui.widgets.getting_started import GettingStarted
from ui.widgets.message_bar import MessageBar
from ui.widgets.recent_checks import RecentChecks


class HomeView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(16)
        left = QVBoxLayout()
        self.guide = GettingStarted()
        left.addWidget(self.guide)
        self.gap_bar = MessageBar()
        self.gap_bar.setAccessibleName("Coverage gaps")
        self.gap_button = QPushButton("Add reference faces…")
        self.gap_button.setAccessibleName("Add reference faces for students missing one")
        self.gap_bar.add_widget(self.gap_button)
        left.addWidget(self.gap_bar)
        self.drop = DropZone(
            "Drop photos or folders here to check them before you post",
            "Every face is compared with the opted-out students' reference faces, and every "
            "caption, description and file name is read for students' full names.",
            accessible_name="Drop photos or folders to check",
        )
        self.drop.setMinimumHeight(240)
        self.choose_folder_button = self.drop.add_button("Choose a &folder…")
        self.choose_files_button = self.drop.add_button("Choose &photos or videos…")
        left.addWidget(self.drop, 1)
        holder = QWidget()
        holder.setLayout(left)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        row.addWidget(scroll, 3)

        right = QVBoxLayout()
        self.why = QLabel(why_text())
        self.why.setWordWrap(True)
        self.why.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.why.setAccessibleName("Why photoguard")
        right.addWidget(self.why)
        self.work = QWidget()
        work = QVBoxLayout(self.work)
        work.setContentsMargins(0, 0, 0, 0)
        self.recent = RecentChecks()
        work.addWidget(self.recent, 2)
        self.caption_slot = QVBoxLayout()
        work.addLayout(self.caption_slot, 3)
        right.addWidget(self.work, 1)
        row.addLayout(right, 2)
