"""GUI test fixtures: the real app, offscreen, with its QSettings in a temporary folder.

Windows are built once per test on the test's own data folder (never one
shared window), and every check or task is stopped before the window closes.
"""

from __future__ import annotations

import os

# Before Qt is imported anywhere: no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from photoguard.workspace.folder import Workspace, open_workspace
from ui.compat import guard_singletons

# PySide6 6.12.0 under Python 3.11 drops a reference to None on each void call; without
# this the test process aborts ("none_dealloc") after a few thousand Qt calls.
guard_singletons()

WindowFactory = Callable[..., "object"]


@pytest.fixture(autouse=True)
def _private_qsettings(tmp_path: Path) -> None:
    """The app's QSettings (window state, recent checks, your name) go to this test's folder."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )


@pytest.fixture
def make_window(qtbot) -> Iterator[WindowFactory]:
    """``make_window(home, paths=())``: the main window on that data folder, shown."""
    from ui.app import build_window, create_app

    create_app()
    made: list[tuple[object, Workspace]] = []

    def make(home: Path, paths: Sequence[Path] = (), user: str = "Ms. Tan"):
        ws = open_workspace(home)
        window = build_window(ws, paths)
        window.session.set_user_name(user)
        window.check.detail.set_user(user)
        window.resize(1280, 800)
        window.show()
        made.append((window, ws))
        return window

    yield make
    for window, ws in made:
        window.check.shutdown()
        window.session.tasks.wait()
        window.close()
        ws.close()
