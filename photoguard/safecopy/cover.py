"""Covering a face in a safe copy: which pixels, and how (blur, pixelate or a solid box).

A face box from the detector is tight: eyebrows to chin, cheek to cheek. Hair,
ears and the top of the head still identify a child, so the covered region is the
box enlarged by about a third (:data:`ENLARGE`), a little more upwards than
downwards. Each style hides the face strongly enough that the detector should no
longer find it; the safe copy is rescanned to prove it, and if a face is still
recognised the copy is made again at the next :data:`LEVELS` step (a larger
region, coarser cells).

Every style works on a small version of the region, so covering a 2000 px face
costs about as much as a 100 px one.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from photoguard.faces.detect import Box

Style = Literal["blur", "pixelate", "box"]
STYLES: tuple[str, ...] = get_args(Style)

#: Region = face box enlarged by this share of its size (a third: hair and ears go too).
ENLARGE = 1 / 3
#: Of the extra height, this share goes above the face (hair), the rest below (chin, neck).
ABOVE_SHARE = 0.6

#: Strength levels tried in turn until the rescan is clear: (extra enlargement, cells
#: across the region). Fewer cells = less left of the face.
LEVELS: tuple[tuple[float, int], ...] = ((0.0, 8), (1 / 3, 5), (2 / 3, 3))
#: Colour of the "box" style (dark grey: plainly a cover, not a shadow).
BOX_COLOUR = (48, 48, 48)

Region = tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels, x1/y1 exclusive."""

Pixels = npt.NDArray[np.uint8]


def region_for(box: Box, width: int, height: int, level: int = 0, grow: float = 0.0) -> Region:
    """The pixels to cover for one face box, clipped to the picture.

    ``grow`` enlarges further (a share of the box size); videos use it between samples.
    """
    extra = ENLARGE + LEVELS[min(level, len(LEVELS) - 1)][0] + grow
    dw = box.width * extra
    dh = box.height * extra
    x0 = box.left - dw / 2
    x1 = box.left + box.width + dw / 2
    y0 = box.top - dh * ABOVE_SHARE
    y1 = box.top + box.height + dh * (1 - ABOVE_SHARE)
    return (
        max(0, int(np.floor(x0))),
        max(0, int(np.floor(y0))),
        min(width, int(np.ceil(x1))),
        min(height, int(np.ceil(y1))),
    )


def region_as_box(region: Region) -> tuple[int, int, int, int]:
    """[left, top, width, height], the way reports write boxes."""
    x0, y0, x1, y1 = region
    return (x0, y0, x1 - x0, y1 - y0)


def cover(image: Pixels, regions: list[Region], style: str, level: int = 0) -> None:
    """Cover each region of an RGB (or RGBA) image in place. Alpha becomes opaque there,
    so the cover shows and nothing under it can be recovered by dropping the alpha."""
    if style not in STYLES:
        raise ValueError(f"unknown cover style {style!r}")
    cells = LEVELS[min(level, len(LEVELS) - 1)][1]
    for x0, y0, x1, y1 in regions:
        if x1 <= x0 or y1 <= y0:
            continue
        patch = image[y0:y1, x0:x1, :3]
        if style == "box":
            patch[...] = BOX_COLOUR
        elif style == "pixelate":
            patch[...] = _pixelate(patch, cells)
        else:
            patch[...] = _blur(patch, cells)
        if image.shape[2] == 4:
            image[y0:y1, x0:x1, 3] = 255


def _small_size(w: int, h: int, cells: int) -> tuple[int, int]:
    """A size of about ``cells`` across the region's longer side, at least 1 x 1."""
    longest = max(w, h)
    return max(1, round(w * cells / longest)), max(1, round(h * cells / longest))


def _pixelate(patch: Pixels, cells: int) -> Pixels:
    import cv2

    h, w = patch.shape[:2]
    sw, sh = _small_size(w, h, cells)
    small = cv2.resize(np.ascontiguousarray(patch), (sw, sh), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST), dtype=np.uint8)


def _blur(patch: Pixels, cells: int) -> Pixels:
    """A blur as strong as pixelating to ``cells`` across, without the blocks: average
    down to a few cells, smooth them at a modest size, then scale up smoothly."""
    import cv2

    h, w = patch.shape[:2]
    sw, sh = _small_size(w, h, cells)
    small = cv2.resize(np.ascontiguousarray(patch), (sw, sh), interpolation=cv2.INTER_AREA)
    mid_w, mid_h = min(w, sw * 8), min(h, sh * 8)
    mid = cv2.resize(small, (mid_w, mid_h), interpolation=cv2.INTER_LINEAR)
    mid = cv2.GaussianBlur(mid, (0, 0), sigmaX=4.0)
    return np.asarray(cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
