"""Light and dark palettes (the app follows the system's; these are for screenshots and tests).

Nothing in the app hard-codes text or background colours: widgets take them
from the palette, and verdict colours come in a light and a dark set
(:mod:`ui.verdicts`), so both palettes read correctly.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


def dark_palette() -> QPalette:
    p = QPalette()
    window = QColor(45, 45, 48)
    base = QColor(30, 30, 32)
    text = QColor(232, 232, 232)
    disabled = QColor(130, 130, 130)
    highlight = QColor(64, 128, 214)
    roles = QPalette.ColorRole
    p.setColor(roles.Window, window)
    p.setColor(roles.WindowText, text)
    p.setColor(roles.Base, base)
    p.setColor(roles.AlternateBase, QColor(40, 40, 43))
    p.setColor(roles.ToolTipBase, QColor(60, 60, 64))
    p.setColor(roles.ToolTipText, text)
    p.setColor(roles.PlaceholderText, QColor(160, 160, 160))
    p.setColor(roles.Text, text)
    p.setColor(roles.Button, QColor(58, 58, 62))
    p.setColor(roles.ButtonText, text)
    p.setColor(roles.BrightText, QColor(255, 110, 110))
    p.setColor(roles.Light, QColor(80, 80, 84))
    p.setColor(roles.Midlight, QColor(66, 66, 70))
    p.setColor(roles.Mid, QColor(90, 90, 96))
    p.setColor(roles.Dark, QColor(22, 22, 24))
    p.setColor(roles.Shadow, QColor(0, 0, 0))
    p.setColor(roles.Highlight, highlight)
    p.setColor(roles.HighlightedText, QColor(255, 255, 255))
    p.setColor(roles.Link, QColor(110, 170, 255))
    p.setColor(roles.LinkVisited, QColor(170, 140, 255))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QApplication, dark: bool) -> None:
    """Fusion style with a light (its own) or dark palette."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
