"""Pages that reload only when someone can see them.

A check or a decision changes the log, and an import changes the roster; a page
that is not on screen just notes that it is out of date and reloads when it is
shown, so work for hidden pages never competes with the page in use.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget


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
