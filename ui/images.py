"""Pictures for the screen, decoded off the UI thread.

:class:`ThumbnailCache` loads small upright pictures through
:mod:`photoguard.media.preview` on a thread pool and says when each is ready; the
results grid asks for a thumbnail when it paints one and shows a placeholder
until then. Sizes are capped (``THUMBNAIL_PX``) and the cache is bounded, so a
folder of thousands of photos neither freezes the window nor fills the memory.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from photoguard.errors import UserError
from photoguard.media import Kind
from photoguard.media.preview import THUMBNAIL_PX, Picture, PreviewError, thumbnail
from ui.workers import TaskRunner

#: Thumbnails kept in memory (about 200 KB each at most).
CACHE_SIZE = 600


def to_qimage(image: Image.Image) -> QImage:
    """A Pillow RGB image as a QImage that owns its pixels (safe to pass between threads)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return qimage.copy()


def load_thumbnail(
    path: Path, kind: Kind, max_px: int = THUMBNAIL_PX, box: tuple[int, int] | None = None
) -> QImage | str:
    """The thumbnail (fitted into ``box`` if given), or why it cannot be shown."""
    try:
        picture = thumbnail(path, kind, max_px)
    except PreviewError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    image = picture.image
    if box is not None:
        image = image.copy()
        image.thumbnail(box, Image.Resampling.LANCZOS)
    return to_qimage(image)


def load_picture(
    path: Path, kind: Kind, time_s: float | None, max_px: int
) -> tuple[Picture, QImage]:
    """A large upright picture (or video frame) and its QImage; UserError says why not."""
    from photoguard.media.preview import upright_image, video_frame

    try:
        if kind == "video":
            picture = video_frame(path, time_s or 0.0, max_px)
        else:
            picture = upright_image(path, max_px)
    except PreviewError as exc:
        raise UserError(str(exc)) from exc
    except OSError as exc:
        raise UserError(f"it cannot be read ({exc.strerror or exc})") from exc
    return picture, to_qimage(picture.image)


class ThumbnailCache(QObject):
    """Thumbnails by path; ``ready(path)`` when one has loaded (or failed to)."""

    ready = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        max_px: int = THUMBNAIL_PX,
        box: tuple[int, int] | None = None,
    ) -> None:
        """``box``: fit thumbnails into this size (logical pixels), scaled in the loading
        thread rather than when painting."""
        super().__init__(parent)
        self.max_px = max_px
        self.box = box
        self._runner = TaskRunner(threads=2, parent=self)
        self._images: OrderedDict[str, QImage | str] = OrderedDict()
        self._loading: set[str] = set()

    @property
    def loading(self) -> int:
        return len(self._loading)

    def get(self, path: Path, kind: Kind) -> QImage | str | None:
        """The thumbnail, the reason it cannot be shown, or None while it loads."""
        key = str(path)
        found = self._images.get(key)
        if found is not None:
            self._images.move_to_end(key)
            return found
        if key not in self._loading:
            self._loading.add(key)
            self._runner.run(
                load_thumbnail,
                path,
                kind,
                self.max_px,
                self._device_box(),
                on_done=partial(self._store, key),
                on_error=partial(self._store, key),
            )
        return None

    def _device_box(self) -> tuple[int, int] | None:
        if self.box is None:
            return None
        from PySide6.QtGui import QGuiApplication

        ratio = (
            QGuiApplication.primaryScreen().devicePixelRatio()
            if QGuiApplication.primaryScreen()
            else 1.0
        )
        return (round(self.box[0] * ratio), round(self.box[1] * ratio))

    @Slot()
    def _store(self, key: str, result: QImage | str) -> None:
        self._loading.discard(key)
        self._images[key] = result
        while len(self._images) > CACHE_SIZE:
            self._images.popitem(last=False)
        self.ready.emit(key)

    def clear(self) -> None:
        self._images.clear()

    def wait(self, msecs: int = 30000) -> bool:
        return self._runner.wait(msecs)
