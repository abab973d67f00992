"""How each verdict looks: a word, a glyph and a colour, never the colour alone.

Colours come in two sets, one for light and one for dark palettes, chosen from
the palette in use; each badge's text colour has at least 4.5:1 contrast with
its fill (WCAG AA) in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

from photoguard.vocab import VerdictKind

VERDICT_ORDER = (VerdictKind.FLAGGED, VerdictKind.REVIEW, VerdictKind.ERROR, VerdictKind.CLEAR)


@dataclass(frozen=True)
class VerdictStyle:
    verdict: str
    #: The word on the badge.
    label: str
    #: What it means for the person about to post.
    meaning: str
    #: Fill colours for a light and for a dark palette; the text colour of each.
    light: tuple[str, str]
    dark: tuple[str, str]


#: Keyed by the verdict (looked up by the string a result holds).
STYLES: dict[str, VerdictStyle] = {
    VerdictKind.FLAGGED: VerdictStyle(
        VerdictKind.FLAGGED,
        "Flagged",
        "Do not share",
        ("#b3261e", "#ffffff"),
        ("#ff8a80", "#1a1a1a"),
    ),
    VerdictKind.REVIEW: VerdictStyle(
        VerdictKind.REVIEW,
        "Review",
        "A person must look",
        ("#8a5300", "#ffffff"),
        ("#ffcc66", "#1a1a1a"),
    ),
    VerdictKind.ERROR: VerdictStyle(
        VerdictKind.ERROR,
        "Not checked",
        "Could not be fully checked",
        ("#5e35b1", "#ffffff"),
        ("#c9b3ff", "#1a1a1a"),
    ),
    VerdictKind.CLEAR: VerdictStyle(
        VerdictKind.CLEAR, "Clear", "Nothing found", ("#1b6e33", "#ffffff"), ("#7ddc8f", "#1a1a1a")
    ),
}


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colors(verdict: str, palette: QPalette) -> tuple[QColor, QColor]:
    """(fill, text) for a badge of this verdict on this palette."""
    style = STYLES.get(verdict, STYLES[VerdictKind.ERROR])
    fill, text = style.dark if is_dark(palette) else style.light
    return QColor(fill), QColor(text)


def draw_glyph(painter: QPainter, rect: QRectF, verdict: str, color: QColor) -> None:
    """The verdict's glyph: a cross (flagged), ? (review), ! (not checked), a tick (clear)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, max(1.5, rect.width() / 6.0))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    m = rect.width() * 0.22
    r = rect.adjusted(m, m, -m, -m)
    if verdict == VerdictKind.FLAGGED:
        painter.drawLine(r.topLeft(), r.bottomRight())
        painter.drawLine(r.topRight(), r.bottomLeft())
    elif verdict == VerdictKind.CLEAR:
        path = QPainterPath(QPointF(r.left(), r.center().y()))
        path.lineTo(QPointF(r.left() + r.width() * 0.38, r.bottom()))
        path.lineTo(QPointF(r.right(), r.top()))
        painter.drawPath(path)
    else:
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(8, round(rect.height() * 0.9)))
        painter.setFont(font)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignCenter, "?" if verdict == VerdictKind.REVIEW else "!"
        )
    painter.restore()


_badge_widths: dict[tuple[str, int, str], int] = {}


def badge_size(painter: QPainter, verdict: str, height: int) -> tuple[int, int]:
    key = (verdict, height, painter.font().key())
    width = _badge_widths.get(key)
    if width is None:
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(9, round(height * 0.6)))
        label = STYLES.get(verdict, STYLES[VerdictKind.ERROR]).label
        width = QFontMetrics(font).horizontalAdvance(label) + height + round(height * 0.8)
        _badge_widths[key] = width
    return width, height


def paint_badge(
    painter: QPainter, x: float, y: float, height: int, verdict: str, palette: QPalette
) -> QRectF:
    """A rounded badge with glyph and word at (x, y); returns its rectangle."""
    style = STYLES.get(verdict, STYLES[VerdictKind.ERROR])
    fill, text = colors(verdict, palette)
    width, _ = badge_size(painter, style.verdict, height)
    rect = QRectF(x, y, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, height / 2, height / 2)
    draw_glyph(painter, QRectF(x + height * 0.2, y, height * 0.9, height), style.verdict, text)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(9, round(height * 0.6)))
    painter.setFont(font)
    painter.setPen(text)
    label_rect = QRectF(x + height * 1.15, y, width - height * 1.15, height)
    painter.drawText(
        label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, style.label
    )
    painter.restore()
    return rect


def verdict_icon(verdict: str, palette: QPalette, size: int = 32) -> QIcon:
    """A filled circle with the verdict's glyph, for buttons and lists."""
    fill, text = colors(verdict, palette)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    draw_glyph(painter, QRectF(0, 0, size, size), verdict, text)
    painter.end()
    return QIcon(pixmap)


def describe(verdict: str) -> str:
    """'Flagged: do not share' - for tooltips and accessible names."""
    style = STYLES.get(verdict, STYLES[VerdictKind.ERROR])
    return f"{style.label}: {style.meaning[0].lower()}{style.meaning[1:]}"
