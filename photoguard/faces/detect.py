"""Finding faces in a picture: at which scale, in which tiles, with dlib's HOG detector.

Detection is dlib's HOG detector; it finds faces from about 56-60 px wide at the
scale it runs on (measured: a face pasted at 56 px is found, at 48 px not).
Rather than running it on every photo at full size, or on a thumbnail where small
faces vanish, each photo is decoded at the scale that brings the smallest face
that must be found to :data:`DETECTOR_FACE_PX`:

    smallest face = max(settings.min_face_px,
                        MIN_FACE_FRACTION x min(long side, MAX_FRACTION_ASPECT x short side))

A class photo of 30 children at 4000 px has faces of 80-100 px, 2 % of the long
side: it is detected at 0.8x (3200 px). A 1000 px web image is detected at 1.33x
so that faces of 48 px (the default ``min_face_px``) are found. A picture more
than twice as long as it is wide (a newsletter page, a collage, a panorama) counts
as twice its short side: a 1080 x 8000 newsletter is searched for 48 px faces, as
a 1080 x 1080 one is, not for 160 px ones. Small faces cost pixels; they are spent
only where needed.

Such long pictures are searched in overlapping tiles (:func:`detection_tiles`), so
the detector never works on more than :data:`DETECTION_TILE_PIXELS` at once, and a
face found twice where tiles overlap is reported once.

The faces found are encoded by :mod:`photoguard.faces.encode` (when ``encode``
is asked for) and compared with the opted-out students' references by
:mod:`photoguard.faces.match`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from photoguard.faces.encode import Encoding, Image, encode_faces
from photoguard.faces.model import load_detector, load_model

# The scale a picture is decoded at for detection lives with the decoders (media/scale.py,
# no dlib); it is part of this module's public face too.
from photoguard.media.scale import DETECTOR_FACE_PX as DETECTOR_FACE_PX
from photoguard.media.scale import MAX_DETECTION_PIXELS as MAX_DETECTION_PIXELS
from photoguard.media.scale import MAX_FRACTION_ASPECT as MAX_FRACTION_ASPECT
from photoguard.media.scale import MIN_FACE_FRACTION as MIN_FACE_FRACTION
from photoguard.media.scale import detection_scale as detection_scale

#: The detector never runs on more pixels than this at once: larger detection images
#: are cut into overlapping tiles. 3200 x 3200 is the most any photo of at most 2:1
#: reaches at the scale above (its long side is at most 64 / 2 % = 3200 px), so only
#: long strips are ever tiled. dlib's HOG needs about 10 bytes a pixel for its
#: pyramid: about 100 MB a tile.
DETECTION_TILE_PIXELS = 3200 * 3200
#: Two boxes from overlapping tiles that overlap by more than this (intersection over
#: union) are the same face found twice.
SAME_FACE_IOU = 0.5


@dataclass(frozen=True)
class Box:
    """A face's place in the upright (orientation-applied) image, in its own pixels."""

    left: int
    top: int
    width: int
    height: int

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.width, self.height]

    def unscaled(self, scale: float, width: int, height: int) -> Box:
        """This box, found on a picture resized by ``scale``, in the pixels of the
        ``width`` x ``height`` original (clipped to it)."""
        left = max(0, round(self.left / scale))
        top = max(0, round(self.top / scale))
        right = min(width, round((self.left + self.width) / scale))
        bottom = min(height, round((self.top + self.height) / scale))
        return Box(left, top, max(1, right - left), max(1, bottom - top))


def detection_tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) tiles that cover a ``width`` x ``height`` detection
    image, none over DETECTION_TILE_PIXELS unless the short side alone needs more.

    Tiles run along the long side and span the whole short side; neighbours overlap
    by the short side. No face is larger than the short side, so every face (every
    window the detector tries on the whole image) lies wholly inside some tile."""
    short_side, long_side = min(width, height), max(width, height)
    if width * height <= DETECTION_TILE_PIXELS or short_side <= 0:
        return [(0, 0, width, height)]
    length = max(2 * short_side, DETECTION_TILE_PIXELS // short_side)
    if length >= long_side:
        return [(0, 0, width, height)]
    stride = length - short_side
    starts = [*range(0, long_side - length, stride), long_side - length]
    if width >= height:
        return [(a, 0, a + length, height) for a in starts]
    return [(0, a, width, a + length) for a in starts]


def find_faces(image: Image, *, encode: bool) -> list[tuple[Box, Encoding | None]]:
    """Detect (and optionally encode) faces in an RGB image already at detection scale.

    Boxes are in the pixels of ``image``; the caller maps them back.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("find_faces needs an 8-bit RGB image")
    import dlib

    detector = load_model().detector if encode else load_detector()
    h, w = image.shape[:2]
    tiles = detection_tiles(w, h)
    rects: list[Any] = []
    for left, top, right, bottom in tiles:
        gray = to_gray(image[top:bottom, left:right])
        for r in detector(gray, 0):
            if left or top:
                r = dlib.rectangle(
                    r.left() + left, r.top() + top, r.right() + left, r.bottom() + top
                )
            if len(tiles) == 1 or not any(_iou(r, seen) > SAME_FACE_IOU for seen in rects):
                rects.append(r)
    if not rects:
        return []
    boxes = []
    for r in rects:
        left, top = max(0, r.left()), max(0, r.top())
        right, bottom = min(w, r.right() + 1), min(h, r.bottom() + 1)
        boxes.append(Box(left, top, max(1, right - left), max(1, bottom - top)))
    if not encode:
        return [(b, None) for b in boxes]
    descriptors = encode_faces(image, rects)
    return [(b, d) for b, d in zip(boxes, descriptors, strict=True)]


def _iou(a: Any, b: Any) -> float:
    """Intersection over union of two dlib rectangles."""
    iw = min(a.right(), b.right()) - max(a.left(), b.left()) + 1
    ih = min(a.bottom(), b.bottom()) - max(a.top(), b.top()) + 1
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a.width() * a.height()) + (b.width() * b.height()) - inter
    return inter / union if union > 0 else 0.0


def to_gray(image: Image) -> Image:
    """Luma (ITU-R BT.601). HOG on one channel is 1.2-1.6x faster than on RGB, and
    measured on the fixtures it finds the same faces."""
    import cv2

    return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
