"""Qt conventions: accessible names, shortcuts, light and dark palettes, settings kept apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
)

from gui.guitools import idle
from photoguard.workspace.folder import open_workspace
from ui.compat import guard_singletons
from ui.session import Session
from ui.theme import apply_theme, dark_palette
from ui.verdicts import STYLES, colors, is_dark
from ui.widgets.message_bar import MessageBar

pytestmark = pytest.mark.gui


def contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_control_has_a_name_a_screen_reader_can_say(qtbot, make_window, home: Path) -> None:
    window = make_window(home)
    idle(qtbot, window)
    unnamed = []
    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractItemView)
    for kind in kinds:
        for widget in window.findChildren(kind):
            if widget.objectName().startswith("qt_") or widget.window() is not window:
                continue  # Qt's own parts (spin box editors, corner buttons, popups)
            if isinstance(widget, QHeaderView) or isinstance(widget.parent(), QTabBar | QLineEdit):
                continue  # named by their table; Qt's tab arrows and clear-text buttons
            name = widget.accessibleName()
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (name or text.replace("&", "").strip()):
                unnamed.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert unnamed == [], "\n".join(unnamed)


def test_standard_shortcuts(qtbot, make_window, home: Path) -> None:
    window = make_window(home)
    shortcuts = {
        a.text().replace("&", ""): a.shortcut()
        for a in window.findChildren(type(window.menuBar().actions()[0]))
    }
    assert shortcuts["Quit"] == QKeySequence(QKeySequence.StandardKey.Quit)
    assert shortcuts["Check a folder…"] == QKeySequence(QKeySequence.StandardKey.Open)
    assert shortcuts["Why photoguard (the policy)"] == QKeySequence(
        QKeySequence.StandardKey.HelpContents
    )
    assert shortcuts["Roster"] == QKeySequence("Ctrl+2")
    detail = window.check.detail
    assert [
        b.shortcut().toString() for b in (detail.approve, detail.block, detail.with_reason)
    ] == [
        "A",
        "B",
        "R",
    ]


@pytest.mark.parametrize("dark", [False, True])
def test_badges_and_messages_read_in_light_and_dark_palettes(qapp, dark: bool) -> None:
    palette = dark_palette() if dark else QApplication.style().standardPalette()
    assert is_dark(palette) is dark
    fills = set()
    for verdict in STYLES:
        fill, text = colors(verdict, palette)
        assert contrast(fill, text) >= 4.5, verdict
        fills.add(fill.name())
    assert len(fills) == 4  # distinct colours (and each badge has its own glyph and word)
    old = QApplication.palette()
    try:
        apply_theme(qapp, dark)
        bar = MessageBar()
        bar.error("The file is empty.")
        window = QApplication.palette().color(QPalette.ColorRole.Window)
        assert is_dark(QApplication.palette()) is dark
        assert "background" in bar.styleSheet()
        text = QApplication.palette().color(QPalette.ColorRole.WindowText)
        assert contrast(text, window) >= 7  # the bar's text takes the palette's colours
    finally:
        QApplication.setPalette(old)


def test_app_settings_stay_in_the_test_folder(make_window, home: Path, tmp_path: Path) -> None:
    window = make_window(home)
    window.save_state()
    assert list((tmp_path / "qsettings").rglob("*.ini"))


def test_saving_a_distance_does_not_make_command_line_options_permanent(qapp, home: Path) -> None:
    with open_workspace(home, faces=False, school="north") as ws:
        session = Session(ws)
        session.save_settings(match_distance=0.55, review_distance=0.62)
        assert session.ws.settings.faces is False  # still this run's --no-faces
        assert session.ws.settings.match_distance == 0.55
        saved = json.loads((home / "settings.json").read_text("utf-8"))
        assert (saved["faces"], saved["school"], saved["match_distance"]) == (True, "default", 0.55)


def test_the_refcount_guard_keeps_none_alive(qapp) -> None:
    from PySide6.QtCore import QObject

    guard_singletons()
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(10_000):
        probe.setObjectName("x")
    # Either this PySide6 does not drop references, or the guard made None immortal.
    assert sys.getrefcount(None) > 1000
    assert before > 1000
