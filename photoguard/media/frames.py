"""What every decoder hands on: a picture at detection scale, and the error it raises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

#: The most pixels one picture (photo, animation frame or video frame) may have: Pillow's
#: own default limit (about 9500 x 9500), kept here so that nothing that changes Pillow's
#: global setting can switch it off. A header that claims more is an error before any
#: pixel is decoded: a "decompression bomb" (a small file that expands to gigabytes) or
#: absurd dimensions are never allocated.
MAX_PIXELS = 89_478_485


class MediaError(Exception):
    """The file could not be fully decoded; the message says why, in plain words."""


@contextmanager
def strict_decoding() -> Iterator[None]:
    """Pillow raises on a truncated file while this is active, whatever another part of
    the program set ``ImageFile.LOAD_TRUNCATED_IMAGES`` to (True turns a cut-off photo
    into a grey half without a word)."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


@dataclass(frozen=True)
class Frame:
    """One picture to check, resized for detection."""

    #: RGB pixels at detection scale.
    image: np.ndarray
    #: Detection pixels per pixel of the upright original.
    scale: float
    #: The upright original's size.
    width: int
    height: int
    #: Seconds from the start (videos and animations), else None.
    time_s: float | None = None
    #: True for the EXIF thumbnail of a photo when it shows a different picture than
    #: the photo itself (see exif_thumbnail.py); its faces are reported at their place
    #: in the thumbnail, scaled to the photo's size.
    embedded_preview: bool = False


#: How each EXIF orientation (2-8) turns stored pixels (rows, columns) upright.
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
    7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
    8: lambda a: a.transpose(1, 0, 2)[::-1],
}


def upright(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """Stored pixels turned the way the EXIF orientation tag says a viewer shows them
    (as Pillow's ImageOps.exif_transpose does), done after resizing: it is cheaper."""
    turn = _UPRIGHT.get(orientation)
    return rgb if turn is None else np.ascontiguousarray(turn(rgb))


def resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    shrinking = width < rgb.shape[1]
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=interp))


def check_pixels(width: int, height: int) -> None:
    """Refuse a picture whose header claims more than MAX_PIXELS, before decoding it."""
    if width * height > MAX_PIXELS:
        raise MediaError(
            f"too large to check safely: the file says it has {width * height:,} pixels "
            f"({width} x {height}), more than the {MAX_PIXELS:,} photoguard decodes"
        )


def check_detection_size(width: int, height: int, scale: float, min_face_px: int) -> None:
    """Refuse a picture that would need more than MAX_DETECTION_PIXELS to search for
    faces of the smallest size everywhere (only extreme strips with a small
    ``min_face_px`` setting do: at the default 48 px every picture under MAX_PIXELS fits)."""
    from photoguard.media.scale import MAX_DETECTION_PIXELS

    pixels = width * scale * height * scale
    if pixels > MAX_DETECTION_PIXELS:
        raise MediaError(
            f"too long and narrow to check: finding faces of {min_face_px} px everywhere in "
            f"this {width} x {height} picture would need {pixels / 1e6:,.0f} million pixels, "
            f"more than the {MAX_DETECTION_PIXELS / 1e6:,.0f} million photoguard searches at once"
        )
