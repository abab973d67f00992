"""Where text is in a picture: PP-OCR's detector (DB, "differentiable binarisation")
gives each pixel a probability of being text; regions above it become boxes.

The post-processing is PaddleOCR's (DBPostProcess) with its defaults, written here
on OpenCV and numpy alone: the region's minimum-area rectangle is grown by
``area x UNCLIP_RATIO / perimeter`` on every side (what pyclipper's offset does to a
rectangle), so the box holds the whole word and not the core the network marks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photoguard.ocr.model import session

#: The detector reads the picture with its long side brought to this many pixels
#: (never enlarged; sides rounded to a multiple of 32, as the network needs). Cost grows
#: with the pixels; text smaller than about 1 % of the long side (9-10 px at this size)
#: is not found. Measured in tests/test_ocr.py and `make bench`.
DETECT_LONG_SIDE = 736
#: A pixel is text above this probability (PaddleOCR's default).
PIXEL_THRESHOLD = 0.3
#: A region is kept when its mean probability is at least this (PaddleOCR's default).
BOX_THRESHOLD = 0.5
UNCLIP_RATIO = 1.6
#: Regions with a side under this (detector pixels) are noise.
MIN_SIDE = 3
MAX_REGIONS = 1000


@dataclass(frozen=True)
class TextRegion:
    """A region of text: four corners (clockwise from top-left of the text's own
    direction) in the pixels of the image given to :func:`find_text`, and the
    detector's score."""

    corners: np.ndarray  # shape (4, 2), float32
    score: float

    def bounds(self) -> tuple[int, int, int, int]:
        """The upright bounding box: left, top, width, height."""
        xs, ys = self.corners[:, 0], self.corners[:, 1]
        left, top = int(np.floor(xs.min())), int(np.floor(ys.min()))
        return left, top, int(np.ceil(xs.max())) - left, int(np.ceil(ys.max())) - top


def _input(image: np.ndarray) -> tuple[np.ndarray, float, float]:
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, DETECT_LONG_SIDE / max(height, width))
    h = max(32, round(height * scale / 32) * 32)
    w = max(32, round(width * scale / 32) * 32)
    resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    # The network was trained on BGR pictures scaled to [-1, 1].
    blob = (resized[:, :, ::-1].astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
    return np.ascontiguousarray(blob), width / w, height / h


def find_text(image: np.ndarray) -> list[TextRegion]:
    """Every region of text in an RGB picture (uint8, height x width x 3), top to bottom."""
    import cv2

    if image.ndim != 3 or min(image.shape[:2]) < 8:
        return []
    blob, sx, sy = _input(image)
    prob = session("detect").run(None, {"x": blob})[0][0, 0]
    mask = (prob > PIXEL_THRESHOLD).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    height, width = image.shape[:2]
    regions: list[TextRegion] = []
    for contour in contours[:MAX_REGIONS]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < MIN_SIDE:
            continue
        score = _mean_inside(prob, cv2.boxPoints(rect))
        if score < BOX_THRESHOLD:
            continue
        (cx, cy), (w, h), angle = rect
        grow = w * h * UNCLIP_RATIO / (2 * (w + h))
        grown = ((cx, cy), (w + 2 * grow, h + 2 * grow), angle)
        if min(grown[1]) < MIN_SIDE + 2:
            continue
        corners = _ordered(cv2.boxPoints(grown))
        corners[:, 0] = np.clip(corners[:, 0] * sx, 0, width - 1)
        corners[:, 1] = np.clip(corners[:, 1] * sy, 0, height - 1)
        regions.append(TextRegion(corners.astype(np.float32), score))
    regions.sort(key=lambda r: (float(r.corners[:, 1].min()), float(r.corners[:, 0].min())))
    return regions


def _mean_inside(prob: np.ndarray, points: np.ndarray) -> float:
    """The mean probability inside a polygon (PaddleOCR's "fast" box score)."""
    import cv2

    h, w = prob.shape
    xs = np.clip(points[:, 0], 0, w - 1)
    ys = np.clip(points[:, 1], 0, h - 1)
    x0, x1 = int(np.floor(xs.min())), int(np.ceil(xs.max()))
    y0, y1 = int(np.floor(ys.min())), int(np.ceil(ys.max()))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    shifted = np.stack([xs - x0, ys - y0], axis=1).round().astype(np.int32)
    cv2.fillPoly(mask, [shifted], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _ordered(points: np.ndarray) -> np.ndarray:
    """Four corners as top-left, top-right, bottom-right, bottom-left (PaddleOCR's
    get_mini_boxes order: the two leftmost, then which of each pair is higher)."""
    by_x = points[np.argsort(points[:, 0])]
    left, right = by_x[:2], by_x[2:]
    tl, bl = (left[0], left[1]) if left[0][1] <= left[1][1] else (left[1], left[0])
    tr, br = (right[0], right[1]) if right[0][1] <= right[1][1] else (right[1], right[0])
    return np.array([tl, tr, br, bl], np.float32)
