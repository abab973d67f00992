"""Reading the text in one picture: :func:`read_text`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photoguard.ocr.detect import find_text
from photoguard.ocr.recognise import cut_out, read_crops, upright

#: Readings below this confidence are dropped as noise (a texture read as letters).
#: PaddleOCR drops them below 0.5; photoguard keeps more, because a full name read
#: even unsurely must be found (a noise reading that spells no name costs nothing), and
#: text one letter from a full name goes to a person at any confidence
#: (scan/verdict.py). The names drawn in tests/test_ocr.py read at 0.95-1.00.
MIN_READING = 0.3


@dataclass(frozen=True)
class TextRead:
    """A line of text read in a picture."""

    text: str
    confidence: float
    #: Upright bounding box in the pixels of the image read: left, top, width, height.
    box: tuple[int, int, int, int]


def read_text(image: np.ndarray) -> list[TextRead]:
    """Every line of text in an RGB picture (uint8, height x width x 3), top to bottom."""
    regions = find_text(image)
    if not regions:
        return []
    crops = upright([cut_out(image, r.corners) for r in regions])
    out = []
    for region, reading in zip(regions, read_crops(crops), strict=True):
        if reading.text and reading.confidence >= MIN_READING:
            out.append(TextRead(reading.text, round(reading.confidence, 3), region.bounds()))
    return out
