"""What every page shares: the open data folder, who is using the app, and change signals.

Passed explicitly to each page (no global object). When one page changes
something others show (a roster import, an enrollment, a decision, new
settings), it calls the matching ``notify_*`` and the others refresh.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from photoguard.audit.chain import default_actor
from photoguard.workspace.folder import Workspace, open_workspace
from photoguard.workspace.settings import Settings, load_settings, save_settings
from ui.qsettings import app_settings
from ui.workers import TaskRunner

USER_NAME_KEY = "user/name"


class Session(QObject):
    roster_changed = Signal()
    references_changed = Signal()
    log_changed = Signal()
    settings_changed = Signal()
    #: A different data folder was opened: everything reloads.
    workspace_changed = Signal()
    #: Ask the window to show a page by its key ("check", "roster", "faces", "log", "settings").
    show_page = Signal(str)
    #: Approvals were checked again after a roster or reference change (a RecheckReport).
    approvals_rechecked = Signal(object)

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ws = ws
        self._owned: list[Workspace] = []
        self.tasks = TaskRunner(parent=self)

    @property
    def ws(self) -> Workspace:
        return self._ws

    # ------------------------------------------------------------------ who decides

    @property
    def user_name(self) -> str:
        value = app_settings().value(USER_NAME_KEY, "")
        return str(value or "").strip() or default_actor()

    def set_user_name(self, name: str) -> None:
        app_settings().setValue(USER_NAME_KEY, " ".join(name.split()))

    # ------------------------------------------------------------------ changes

    def save_settings(self, **changes: Any) -> Settings:
        """Change these settings in settings.json and from now on (raises UserError).

        Only the fields changed are written: what the command line set for this run
        (``--school``, ``--no-faces``) is not made permanent by saving a distance.
        """
        in_use = replace(self._ws.settings, **changes).validate()
        on_disk = replace(load_settings(self._ws.home), **changes).validate()
        save_settings(self._ws.home, on_disk)
        self._ws = self._ws.with_settings(in_use)
        self.settings_changed.emit()
        return in_use

    def open_home(self, home: Path) -> None:
        """Switch to another data folder (raises UserError if it cannot be opened).

        What this run was started with (``--db``, ``--school``, ``--no-faces``) still holds.
        """
        over = self._ws.overrides
        new = open_workspace(
            home, db_url=over.get("db_url"), school=over.get("school"), faces=over.get("faces")
        )
        self._owned.append(new)
        self._ws = new
        self.workspace_changed.emit()

    def notify_roster(self) -> None:
        self.roster_changed.emit()
        self.log_changed.emit()
        self.recheck_approvals()

    def notify_references(self) -> None:
        self.references_changed.emit()
        self.log_changed.emit()
        self.recheck_approvals()

    def recheck_approvals(self) -> None:
        """Check earlier approvals again against the roster and faces now in force
        (off the UI thread); withdrawn ones are in the log, and said by the window."""
        from photoguard.scan.recheck import recheck

        def done(report: object) -> None:
            self.log_changed.emit()
            self.approvals_rechecked.emit(report)

        self.tasks.run(
            lambda ws, by: recheck(ws, by=by),
            self._ws,
            self.user_name,
            on_done=done,
            on_error=self.approvals_rechecked.emit,  # a sentence: said, never lost
        )

    def notify_log(self) -> None:
        self.log_changed.emit()

    def close(self) -> None:
        self.tasks.wait(10000)
        for ws in self._owned:
            ws.close()
        self._owned = []
