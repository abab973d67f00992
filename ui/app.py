"""Starting the app: ``photoguard gui [PATH...]`` or the ``photoguard-gui`` launcher.

Scans start worker processes that re-import the main module, so this module
(which can be ``__main__``) does nothing on import: everything happens in
:func:`main` behind the ``__name__`` guard at the end.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from photoguard import __version__
from photoguard.errors import UserError
from photoguard.workspace.folder import Workspace, open_workspace
from ui.compat import guard_singletons
from ui.qsettings import APPLICATION, ORGANIZATION
from ui.workers import error_text, sentence

log = logging.getLogger("ui")


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (made once), with names for QSettings and high-DPI scaling."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Fractional scale factors (150 %) as the screen asks, not rounded to 1 or 2.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(list(argv or sys.argv[:1]))
    guard_singletons()
    preload_decoders()
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("photoguard")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("photoguard")
    return app


def preload_decoders() -> None:
    """Import the video decoder now, on the UI thread at start-up.

    Its first import holds the interpreter lock for a few hundred milliseconds; done
    later from a thumbnail thread, that would freeze the window in the middle of a check.
    """
    import cv2  # noqa: F401

    from photoguard.media.preview import register_heif

    register_heif()


def start_worker_server() -> None:
    """Start the scan's worker-process server now, so the first check starts quickly.

    On Linux the scan's worker processes fork from a server that has already imported
    the face model; starting it (and its imports, about 4 s) happens in the background
    while a person reads the window, not when they drop their first folder.
    """
    from photoguard.scan.workers import warm_up

    warm_up()


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot: say so plainly instead of dying or printing only to a terminal."""
    text = error_text(exc.with_traceback(tb))
    app = QApplication.instance()
    if app is not None:
        box = QMessageBox(QMessageBox.Icon.Warning, "photoguard", text)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


def build_window(ws: Workspace, paths: Sequence[Path] = ()):  # type: ignore[no-untyped-def]
    """The main window over ``ws``; ``paths`` are checked as soon as it shows."""
    from ui.main_window import MainWindow
    from ui.session import Session

    session = Session(ws)
    window = MainWindow(session)
    session.setParent(window)
    session.tasks.run(start_worker_server)
    if paths:
        QTimer.singleShot(0, lambda: window.start_check(list(paths)))
    return window


def run(ws: Workspace, paths: Sequence[Path] = ()) -> int:
    """Open the window on an open workspace and run until it closes."""
    app = create_app()
    if sys.excepthook is sys.__excepthook__:  # not when a test harness installed its own
        sys.excepthook = _excepthook
    window = build_window(ws, paths)
    # Closing the main window ends the app, even if a stray message box is still open.
    window.closed.connect(app.quit)
    window.show()
    return int(app.exec())


def show_startup_error(message: str) -> int:
    """The data folder could not be opened: say why in a window, not only on a terminal."""
    create_app()
    QMessageBox.critical(
        None,
        "photoguard cannot start",
        f"{sentence(message)}\n\nStart it with another data folder (photoguard --home DIR gui), "
        "or ask whoever looks after photoguard.",
    )
    return UserError.exit_status


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="photoguard-gui",
        description="Check photos and videos against the school's photo opt-out roster.",
    )
    parser.add_argument("--home", metavar="DIR", help="data folder (default: as photoguard)")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="check these now")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``photoguard-gui`` entry point."""
    logging.basicConfig(level=logging.INFO, format="photoguard: %(message)s")
    args = parse_args(argv)
    try:
        ws = open_workspace(args.home)
    except UserError as exc:
        print(f"photoguard: {exc}", file=sys.stderr)
        return show_startup_error(str(exc))
    try:
        return run(ws, args.paths)
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main())
