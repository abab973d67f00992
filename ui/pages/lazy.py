"""Pages that reload only when someone can see them.

A check or a decision changes the log, and an import changes the roster; a page
that is not on screen just notes that it is out of date and reloads when it is
shown, so work for hidden pages never competes with the page in use.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ui.state import DataState, load_state


class LazyRefresh(QWidget):
    _stale = False

    def refresh(self) -> None:  # pragma: no cover - every page defines it
        raise NotImplementedError

    def changed(self) -> None:
        """Something this page shows has changed."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()


class RosterStatePage(LazyRefresh):
    """A page that shows the roster in force and its reference faces (Roster, Reference
    faces): it reloads them off the UI thread when either changes, shows its empty state
    (``stack`` page 0) until a roster exists, and its content (page 1) after.

    Subclasses set ``session``, ``stack`` and ``message``, call :meth:`watch_roster`, and
    draw in :meth:`show_state`.
    """

    session: Any
    stack: Any
    message: Any
    state: DataState | None = None

    def watch_roster(self) -> None:
        for signal in (
            self.session.roster_changed,
            self.session.references_changed,
            self.session.workspace_changed,
        ):
            signal.connect(self.changed)

    def refresh(self) -> None:
        self.session.tasks.run(
            load_state, self.session.ws, on_done=self._loaded, on_error=self.message.error
        )

    def _loaded(self, state: DataState) -> None:
        self.state = state
        if state.version is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.show_state(state)

    def show_state(self, state: DataState) -> None:  # pragma: no cover - every page defines it
        raise NotImplementedError
