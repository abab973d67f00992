"""What every decoder hands on: a picture at detection scale, and the error it raises."""

from __future__ import annotations

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
