"""What a region of text says: the region is cut out straight (a perspective warp of
its four corners), turned the right way up when the orientation classifier is sure it
is upside down, and read by PP-OCR's recogniser, whose output is decoded greedily
(CTC: the most likely character at each step, repeats and blanks dropped).

Pre- and post-processing are PaddleOCR's (its defaults), written on OpenCV and numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from photoguard.ocr.model import characters, session

#: The recogniser's input height, and the width a batch is padded to at least.
HEIGHT = 48
MIN_WIDTH = 320
#: The classifier's input (PaddleOCR's cls_image_shape), and how sure it must be that a
#: line is upside down before it is turned (its cls_thresh).
CLASSIFIER_SIZE = (48, 192)
UPSIDE_DOWN_SURE = 0.9
#: Regions read per network call.
BATCH = 6


@dataclass(frozen=True)
class Reading:
    text: str
    #: The mean probability of the characters read (0-1).
    confidence: float


def cut_out(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The region inside ``corners`` (tl, tr, br, bl), straightened; a region much
    taller than wide is turned to lie along its length (vertical text)."""
    import cv2

    tl, tr, br, bl = corners.astype(np.float32)
    width = int(max(np.linalg.norm(tl - tr), np.linalg.norm(bl - br)))
    height = int(max(np.linalg.norm(tl - bl), np.linalg.norm(tr - br)))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    warp = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl], np.float32), target)
    crop = cv2.warpPerspective(
        image, warp, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    if height / width >= 1.5:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _normalised(crop: np.ndarray, height: int, width: int, max_width: int) -> np.ndarray:
    """``crop`` (RGB) resized to ``height`` x ``width``, as BGR in [-1, 1], padded with
    zeros on the right to ``max_width``."""
    import cv2

    resized = cv2.resize(crop, (width, height))
    out = np.zeros((3, height, max_width), np.float32)
    out[:, :, :width] = (resized[:, :, ::-1].astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
    return out


def upright(crops: list[np.ndarray]) -> list[np.ndarray]:
    """The crops, each turned 180 degrees where the classifier is sure it is upside down."""
    out = list(crops)
    h, max_w = CLASSIFIER_SIZE
    for start in range(0, len(crops), BATCH):
        batch = crops[start : start + BATCH]
        blob = np.stack(
            [
                _normalised(c, h, min(max_w, math.ceil(h * c.shape[1] / c.shape[0])), max_w)
                for c in batch
            ]
        )
        probs = session("orientation").run(None, {"x": blob})[0]
        for offset, p in enumerate(probs):
            if int(np.argmax(p)) == 1 and float(p[1]) >= UPSIDE_DOWN_SURE:
                out[start + offset] = np.ascontiguousarray(np.rot90(batch[offset], 2))
    return out


def read_crops(crops: list[np.ndarray]) -> list[Reading]:
    """What each straightened crop says, in order."""
    alphabet = characters()
    readings: list[Reading | None] = [None] * len(crops)
    # Crops of similar shape share a batch (each batch is padded to its widest).
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
    for start in range(0, len(order), BATCH):
        chosen = order[start : start + BATCH]
        ratios = [crops[i].shape[1] / crops[i].shape[0] for i in chosen]
        max_w = max(MIN_WIDTH, math.ceil(HEIGHT * max(ratios)))
        blob = np.stack(
            [
                _normalised(crops[i], HEIGHT, min(max_w, math.ceil(HEIGHT * r)), max_w)
                for i, r in zip(chosen, ratios, strict=True)
            ]
        )
        probs = session("recognise").run(None, {"x": blob})[0]
        for i, steps in zip(chosen, probs, strict=True):
            readings[i] = _decoded(steps, alphabet)
    return [r for r in readings if r is not None]


def _decoded(steps: np.ndarray, alphabet: tuple[str, ...]) -> Reading:
    best = steps.argmax(axis=1)
    sure = steps.max(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    chars = [alphabet[int(i)] if int(i) < len(alphabet) else "" for i in best[keep]]
    confidence = float(sure[keep].mean()) if keep.any() else 0.0
    return Reading("".join(chars).strip(), confidence)
