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

from photoguard.files.pathtext import display
from photoguard.roster.headers import ROLE_LABELS
from photoguard.roster.importing import ImportPreview
from photoguard.scan.recheck import RecheckReport
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


def mass_change_question(preview: ImportPreview) -> str:
    """What the app asks before a mass change is applied (roster.py says what one is)."""
    return (
        f"This file would {preview.mass_change_counts()}. A roster exported for one grade or "
        "homeroom, or with the opt-out column left blank, looks like this: photos of those "
        "children would no longer be caught. Import it anyway only if the file is the whole "
        "school's current roster."
    )


class MassChangeDialog(QDialog):
    """Asks before an import that changes most of the roster at once; Cancel is the default."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import this roster anyway?")
        self.setAccessibleName("Confirm a mass change to the roster")
        layout = QVBoxLayout(self)
        self.text = QLabel(mass_change_question(preview))
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setMinimumWidth(460)  # a wrapped label needs a width to get its full height
        self.text.setAccessibleName("What this import would change")
        layout.addWidget(self.text)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton(
            "Import anyway", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.import_button.setAccessibleName("Import this roster anyway")
        # Enter never lifts opt-outs by accident: not even with the focus on this button.
        self.import_button.setAutoDefault(False)
        self.import_button.clicked.connect(self.accept)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Do not import this roster")
        self.cancel_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.cancel_button.setFocus()


class ImportPreviewDialog(QDialog):
    def __init__(
        self,
        preview: ImportPreview,
        parent: QWidget | None = None,
        ahead: RecheckReport | None = None,
    ) -> None:
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
        if ahead is not None and ahead.affected:
            # What importing would do to earlier approvals (a dry run of the re-check).
            bar = MessageBar()
            bar.warning(
                f"Importing it withdraws the approval of {len(ahead.affected)} photo(s) that "
                f"show {ahead.who()}: they may already be posted."
            )
            layout.addWidget(bar)
            self.warnings.append(bar)
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
            # A mass change asks once more (the page shows MassChangeDialog): hence the dots.
            "&Import roster…" if preview.mass_change else "&Import roster",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.import_button.setAccessibleName("Import this roster")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
