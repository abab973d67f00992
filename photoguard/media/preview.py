"""Pictures to show a person: the upright photo, a video frame, a thumbnail.

The app draws face boxes over these. Boxes in a report are in pixels of the
UPRIGHT original (EXIF orientation applied, as the scan sees it), so every
picture here comes with the original's upright size: a box scales by
``picture.image.width / picture.width``.

Nothing here checks anything; it only decodes, turns upright and shrinks, with
the same safety limits as the scan (a decompression bomb is refused, not
decoded). No Qt: the app converts the Pillow image itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from photoguard import formats
from photoguard.media import Kind, MediaError, to_rgb
from photoguard.media.video import frame_at

#: The largest side of a picture shown large, and of a thumbnail.
LARGE_PX = 1600
THUMBNAIL_PX = 256


class PreviewError(Exception):
    """The picture cannot be shown; the message says why, in plain words."""


@dataclass(frozen=True)
class Picture:
    #: RGB, at most ``max_px`` on its longer side.
    image: Image.Image
    #: The upright original's size: the space that finding boxes are in.
    width: int
    height: int
    #: For a video frame, its time in seconds.
    time_s: float | None = None

    @property
    def scale(self) -> float:
        """Shown pixels per original pixel."""
        return self.image.width / self.width if self.width else 1.0


def register_heif() -> None:
    """Let Pillow open HEIC/HEIF (once). If pillow-heif cannot load, HEIC files are
    shown as not previewable rather than stopping the app."""
    try:
        formats.register_heif()
    except Exception:  # pragma: no cover - HEIC then shows as not previewable
        return


def upright_image(path: Path, max_px: int = LARGE_PX) -> Picture:
    """The photo turned upright (first frame of an animation), shrunk to ``max_px``."""
    register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                width, height = im.size
                orientation = _orientation(im)
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                if im.format == "JPEG" and getattr(im, "n_frames", 1) == 1:
                    im.draft("RGB", (max_px, max_px))
                im.load()
                upright = ImageOps.exif_transpose(im) if orientation else im
                rgb = Image.fromarray(to_rgb(upright))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise PreviewError("too large to show safely") from exc
        except MemoryError as exc:
            raise PreviewError("too large to show") from exc
        except OSError as exc:
            raise PreviewError(f"cannot be shown ({_first_line(exc)})") from exc
        except Exception as exc:
            raise PreviewError(f"cannot be shown ({type(exc).__name__})") from exc
    rgb.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return Picture(rgb, width, height)


def video_frame(path: Path, time_s: float = 0.0, max_px: int = LARGE_PX) -> Picture:
    """The frame of a video on screen at ``time_s`` (by presentation time, as the scan
    reports it: in a variable-frame-rate video a frame number would name another)."""
    try:
        rgb = frame_at(path, time_s)
    except MediaError as exc:
        raise PreviewError(str(exc)) from None
    except MemoryError as exc:
        raise PreviewError("too large to show") from exc
    height, width = rgb.shape[:2]
    image = Image.fromarray(rgb)
    image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return Picture(image, width, height, time_s)


def thumbnail(path: Path, kind: Kind, max_px: int = THUMBNAIL_PX) -> Picture:
    """A small upright picture of a photo, or of a video's first frame."""
    if kind == "video":
        return video_frame(path, 0.0, max_px)
    return upright_image(path, max_px)


def _orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # a damaged EXIF block: shown as stored
        return None
    return value if isinstance(value, int) and 2 <= value <= 8 else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
