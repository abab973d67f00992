"""The scale a picture is decoded at so that dlib's detector finds its smallest faces.

The numbers and the reasoning are in :mod:`photoguard.faces.detect`'s docstring. They
live here, without dlib, because the decoders (media/photo.py, media/video.py,
media/frames.py, media/exif_thumbnail.py) decode at this scale: media never imports
the face code.
"""

from __future__ import annotations

#: The face size (pixels at the detection scale) the smallest face is brought to.
DETECTOR_FACE_PX = 64
#: Faces smaller than this share of the photo's long side are not looked for in
#: large photos (a class photo's faces are about 2 % of its width).
MIN_FACE_FRACTION = 0.02
#: The long side counts as at most this many short sides for MIN_FACE_FRACTION: a
#: long strip is looked at like a row of 2:1 pictures. Photos (4:3, 3:2, 16:9) are under
#: it and keep the scale they always had; a 1080 x 8000 page counts as 1080 x 2160.
MAX_FRACTION_ASPECT = 2.0
#: The largest picture searched, in pixels at detection scale (3 bytes each, about
#: 540 MB). At the default ``min_face_px`` (48) no picture under media.MAX_PIXELS needs
#: more (the most is 159 million: a 1200 x 74,500 strip); a smaller setting on an
#: extreme strip is an error rather than a search for bigger faces only.
MAX_DETECTION_PIXELS = 180_000_000


def detection_scale(width: int, height: int, min_face_px: int) -> float:
    """How much to resize a ``width`` x ``height`` image before detection."""
    short_side, long_side = sorted((max(width, 1), max(height, 1)))
    counted = min(long_side, MAX_FRACTION_ASPECT * short_side)
    smallest = max(float(min_face_px), MIN_FACE_FRACTION * counted)
    return DETECTOR_FACE_PX / smallest
