"""A picture scaled to fit, with face boxes and who each face was matched to."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.verdicts import colors


@dataclass(frozen=True)
class FaceBox:
    #: [left, top, width, height] in pixels of the upright original.
    box: tuple[int, int, int, int]
    #: The verdict whose colours the box takes ("flagged", "review").
    verdict: str
    label: str


class ImageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Picture")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self._image: QImage | None = None
        self._width = 0
        self._height = 0
        self._boxes: list[FaceBox] = []
        self._message = ""
        #: The picture scaled to the widget, made once per size (not on every paint).
        self._scaled: QPixmap | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 420)

    @property
    def boxes(self) -> list[FaceBox]:
        return list(self._boxes)

    @property
    def message(self) -> str:
        return self._message

    def has_image(self) -> bool:
        return self._image is not None

    def set_picture(
        self, image: QImage, width: int, height: int, boxes: list[FaceBox] | None = None
    ) -> None:
        """``width`` x ``height``: the upright original's size, the space of the boxes."""
        self._image = image
        self._width = width or image.width()
        self._height = height or image.height()
        self._boxes = list(boxes or [])
        self._message = ""
        self._scaled = None
        labels = "; ".join(b.label for b in self._boxes)
        self.setAccessibleDescription(
            f"{len(self._boxes)} face box(es): {labels}" if self._boxes else "No face boxes"
        )
        self.update()

    def set_message(self, text: str) -> None:
        """No picture: say why (loading, cannot be shown)."""
        self._image = None
        self._scaled = None
        self._boxes = []
        self._message = text
        self.setAccessibleDescription(text)
        self.update()

    def image_rect(self) -> QRectF:
        if self._image is None or self._image.width() == 0:
            return QRectF()
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        iw, ih = self._image.width(), self._image.height()
        s = min(area.width() / iw, area.height() / ih)
        w, h = iw * s, ih * s
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    def box_rect(self, box: tuple[int, int, int, int]) -> QRectF:
        target = self.image_rect()
        f = target.width() / self._width if self._width else 1.0
        left, top, width, height = box
        return QRectF(target.x() + left * f, target.y() + top * f, width * f, height * f)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        if self._image is None:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
            return
        target = self.image_rect()
        ratio = self.devicePixelRatioF()
        want = (round(target.width() * ratio), round(target.height() * ratio))
        if self._scaled is None or (self._scaled.width(), self._scaled.height()) != want:
            scaled = self._image.scaled(
                want[0],
                want[1],
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled = QPixmap.fromImage(scaled)
            self._scaled.setDevicePixelRatio(ratio)
        painter.drawPixmap(target.topLeft(), self._scaled)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        fm = QFontMetrics(font)
        for fb in self._boxes:
            fill, text = colors(fb.verdict, pal)
            rect = self.box_rect(fb.box)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # A dark-and-light double line stays visible on any picture.
            painter.setPen(QPen(text, 5))
            painter.drawRect(rect)
            painter.setPen(QPen(fill, 3))
            painter.drawRect(rect)
            if fb.label:
                tw = fm.horizontalAdvance(fb.label) + 12
                th = fm.height() + 6
                y = rect.top() - th - 2
                if y < self.image_rect().top():
                    y = rect.bottom() + 2
                x = min(rect.left(), self.width() - tw - 2)
                label_rect = QRectF(max(2.0, x), y, tw, th)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(label_rect, 4, 4)
                painter.setPen(text)
                painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, fb.label)
