"""The results grid: a thumbnail per file with its verdict badge, name and decision."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from photoguard.vocab import VerdictKind
from ui.models.results import (
    CHIP_LABELS,
    COL_FOUND,
    DECISION_ROLE,
    PATH_ROLE,
    THUMBNAIL_ROLE,
    VERDICT_ROLE,
)
from ui.verdicts import paint_badge

CARD_W = 172
CARD_H = 184
THUMB_H = 112
#: The thumbnail area's width inside a card (card margins 4, thumbnail inset 6).
THUMB_W = CARD_W - 20
BADGE_H = 22


#: Thumbnails scaled to their card, by (path, width, height): scaling once, not every paint.
_SCALED_MAX = 400


class ResultDelegate(QStyledItemDelegate):
    """Paints a card; thumbnails are scaled once per size and kept (bounded)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scaled: OrderedDict[tuple[str, int, int, float], QPixmap] = OrderedDict()

    def _fitted(self, key: str, thumb: QImage, area: QRectF, ratio: float) -> QPixmap:
        w, h = round(area.width()), round(area.height())
        cache_key = (key, w, h, ratio)
        found = self._scaled.get(cache_key)
        if found is not None:
            self._scaled.move_to_end(cache_key)
            return found
        scaled = thumb.scaled(
            round(w * ratio),
            round(h * ratio),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self._scaled[cache_key] = pixmap
        while len(self._scaled) > _SCALED_MAX:
            self._scaled.popitem(last=False)
        return pixmap

    def forget(self) -> None:
        self._scaled.clear()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(CARD_W, CARD_H)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        pal: QPalette = option.palette
        rect = QRectF(option.rect).adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        # The card.
        edge = pal.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Mid)
        painter.setPen(QPen(edge, 3 if selected else 1))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 8, 8)
        # The thumbnail, letterboxed.
        thumb_area = QRectF(rect.x() + 6, rect.y() + 6, rect.width() - 12, THUMB_H)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(thumb_area, 4, 4)
        thumb = index.data(THUMBNAIL_ROLE)
        if isinstance(thumb, QImage) and not thumb.isNull():
            ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
            pixmap = self._fitted(str(index.data(PATH_ROLE)), thumb, thumb_area, ratio)
            w = pixmap.width() / ratio
            h = pixmap.height() / ratio
            painter.drawPixmap(
                QPointF(
                    thumb_area.x() + (thumb_area.width() - w) / 2,
                    thumb_area.y() + (thumb_area.height() - h) / 2,
                ),
                pixmap,
            )
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            text = "Loading…" if thumb is None else "No preview"
            painter.drawText(thumb_area, Qt.AlignmentFlag.AlignCenter, text)
        # The verdict badge over the thumbnail's corner.
        verdict = index.data(VERDICT_ROLE) or VerdictKind.ERROR
        paint_badge(painter, thumb_area.x() + 4, thumb_area.y() + 4, BADGE_H, verdict, pal)
        # Name and what was found.
        text_color = pal.color(QPalette.ColorRole.Text)
        y = thumb_area.bottom() + 6
        fm = painter.fontMetrics()
        line = fm.height()
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.setPen(text_color)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        bold = painter.fontMetrics()
        painter.drawText(
            QRectF(rect.x() + 8, y, rect.width() - 16, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            bold.elidedText(name, Qt.TextElideMode.ElideMiddle, int(rect.width() - 16)),
        )
        font.setBold(False)
        painter.setFont(font)
        found = str(index.sibling(index.row(), COL_FOUND).data(Qt.ItemDataRole.DisplayRole) or "")
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            QRectF(rect.x() + 8, y + line + 2, rect.width() - 16, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(found, Qt.TextElideMode.ElideRight, int(rect.width() - 16)),
        )
        decision = index.data(DECISION_ROLE)
        if decision:
            label = CHIP_LABELS.get(decision, decision)
            width = min(fm.horizontalAdvance(label) + 14, rect.width() - 16)
            chip = QRectF(rect.x() + 8, y + 2 * line + 6, width, line + 4)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chip, 6, 6)
            painter.drawText(
                chip,
                Qt.AlignmentFlag.AlignCenter,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, int(width - 8)),
            )
        if focused and not selected:
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 6, 6)
        painter.restore()


class ResultGrid(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Checked files")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setGridSize(QSize(CARD_W + 8, CARD_H + 8))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.delegate = ResultDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setWordWrap(False)
        self.setMouseTracking(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def forget_thumbnails(self) -> None:
        """Drop the scaled thumbnails it has drawn (a new check is starting)."""
        self.delegate.forget()
