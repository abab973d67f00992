"""The checks run recently on this computer, to run again (kept in the app's QSettings)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from photoguard.files.pathtext import display
from photoguard.scan.report import ScanReport
from ui import qsettings
from ui.qsettings import RECENT_KEY, RECENT_MAX
from ui.verdicts import STYLES, VERDICT_ORDER

#: What a recent check made against an earlier roster says.
OUT_OF_DATE = "out of date: the roster changed"
STALE_ROLE = Qt.ItemDataRole.UserRole + 1


def check_label(paths: list[str]) -> str:
    """How a check is named: its folder or file, "and N more"."""
    names = [display(Path(p).name) or display(p) for p in paths]
    return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"


class RecentChecks(QWidget):
    """Emits ``chosen`` with the paths of a recent check a person wants to run again."""

    chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Recent checks</b>"))
        self.list = QListWidget()
        self.list.setAccessibleName("Recent checks")
        self.list.setToolTip("Double-click or press Enter to check these files again")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.itemActivated.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.empty = QLabel("Checks you run appear here, to run again after changes.")
        self._roster: str | None = None
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

    def count(self) -> int:
        return self.list.count()

    def item(self, row: int) -> QListWidgetItem:
        return self.list.item(row)

    def remember(self, paths: list[Path], report: ScanReport) -> None:
        entries = [e for e in qsettings.read_json(RECENT_KEY, []) if isinstance(e, dict)]
        texts = [str(p) for p in paths]
        entries = [e for e in entries if e.get("paths") != texts]
        entries.insert(
            0,
            {
                "paths": texts,
                "at": datetime.now().isoformat(timespec="minutes"),
                "counts": report.counts,
                "files": len(report.files),
                "cancelled": report.cancelled,
                # The roster it checked against: a newer one makes it out of date.
                "roster": report.roster_version,
            },
        )
        qsettings.write_json(RECENT_KEY, entries[:RECENT_MAX])
        self.load()

    def load(self, roster: str | None = None) -> None:
        """The list; with ``roster`` (the label of the roster in force), checks made
        against an earlier one are marked out of date."""
        if roster is not None:
            self._roster = roster
        roster = self._roster
        self.list.clear()
        for e in qsettings.read_json(RECENT_KEY, []):
            if not isinstance(e, dict) or not isinstance(e.get("paths"), list):
                continue
            counts = e.get("counts") or {}
            found = ", ".join(
                f"{counts.get(v, 0)} {STYLES[v].label.lower()}"
                for v in VERDICT_ORDER
                if counts.get(v)
            )
            when = str(e.get("at", "")).replace("T", " ")
            text = (
                f"{check_label(e['paths'])}\n{when} · {e.get('files', 0)} file(s)"
                + (f": {found}" if found else "")
                + (" · cancelled" if e.get("cancelled") else "")
            )
            stale = roster is not None and e.get("roster") not in (None, roster)
            if stale:
                text += f"\n{OUT_OF_DATE}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, e["paths"])
            item.setToolTip(
                (
                    "The roster changed since this check: double-click to check again.\n"
                    if stale
                    else ""
                )
                + "\n".join(display(p) for p in e["paths"])
            )
            item.setData(STALE_ROLE, stale)
            self.list.addItem(item)
        self.empty.setVisible(self.list.count() == 0)

    def _activated(self, item: QListWidgetItem) -> None:
        self.chosen.emit([Path(p) for p in item.data(Qt.ItemDataRole.UserRole)])
