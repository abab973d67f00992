"""What a roster import will change, shown before it takes effect."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photoguard.pathtext import display
from photoguard.roster_headers import ROLE_LABELS
from photoguard.roster_import import ImportPreview
from ui.widgets.message_bar import MessageBar

#: (diff field, tab title, what it means)
SECTIONS = (
    ("newly_opted_out", "Newly opted out", "Need a reference face before their photos are caught."),
    (
        "opted_back_in",
        "Opted back in",
        "Their reference faces are deleted: photos of them may be shared again.",
    ),
    ("added", "Added", "New on the roster."),
    ("removed", "Removed", "Not in this file: they left. Their reference faces are deleted."),
)


def preview_summary(preview: ImportPreview) -> str:
    r = preview.roster
    c = preview.diff.counts
    base = (
        f"Compared with roster version {preview.base.id} ({preview.base.students} students, "
        f"{preview.base.opted_out} opted out)"
        if preview.base
        else "This is the first roster for this data folder"
    )
    return (
        f"{display(r.source_name)}: {len(r.students)} students, {len(r.opted_out)} opted out. "
        f"{base}: {c['added']} added, {c['removed']} removed, {c['newly_opted_out']} newly "
        f"opted out, {c['opted_back_in']} opted back in."
    )


class ImportPreviewDialog(QDialog):
    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle("Import this roster?")
        self.setAccessibleName("Roster import preview")
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        heading = QLabel("<b>Nothing changes until you choose Import.</b>")
        layout.addWidget(heading)
        self.summary = QLabel(preview_summary(preview))
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAccessibleName("Import summary")
        layout.addWidget(self.summary)
        columns = ", ".join(
            f"{ROLE_LABELS.get(role, role)} = {header}"
            for role, header in preview.roster.columns.items()
        )
        cols = QLabel(f"Columns read: {columns}")
        cols.setWordWrap(True)
        cols.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(cols)
        self.warnings: list[MessageBar] = []
        for text in preview.warnings:
            bar = MessageBar()
            bar.warning(text[0].upper() + text[1:] + ".")
            layout.addWidget(bar)
            self.warnings.append(bar)
        for note in preview.roster.notes:
            bar = MessageBar()
            bar.info(note[0].upper() + note[1:])
            layout.addWidget(bar)
            self.warnings.append(bar)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Changes")
        self.lists: dict[str, QListWidget] = {}
        for field, title, meaning in SECTIONS:
            ids: tuple[str, ...] = getattr(preview.diff, field)
            page = QWidget()
            pl = QVBoxLayout(page)
            explain = QLabel(meaning)
            explain.setWordWrap(True)
            pl.addWidget(explain)
            lst = QListWidget()
            lst.setAccessibleName(title)
            for sid in ids:
                lst.addItem(f"{preview.name_of(sid)} ({sid})")
            if not ids:
                lst.addItem("None")
            pl.addWidget(lst)
            self.lists[field] = lst
            self.tabs.addTab(page, f"{title} ({len(ids)})")
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton(
            "&Import roster", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setAccessibleName("Import this roster")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
