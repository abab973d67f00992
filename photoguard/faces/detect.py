"""Finding faces in a picture: CenterFace at the scale that finds the smallest face that
must be found, then dlib's landmarks on a box shaped the way they were trained on.

**The scales.** The decoders bring each picture to the *analysis scale*
(media/scale.py): the scale at which the smallest face that must be found is
:data:`ANALYSIS_FACE_PX` (64) wide,

    smallest face = max(settings.min_face_px,
                        MIN_FACE_FRACTION x min(long side, MAX_FRACTION_ASPECT x short side))

so a class photo of 4000 px (faces 80-100 px, 2 % of its width) is analysed at 0.8x
and a 1000 px web image at 1.33x (faces of 48 px, the default ``min_face_px``).
Landmarks, chips and encodings are made at that scale, as they were with dlib's HOG
detector, so the distances in settings.py keep their meaning. CenterFace finds faces
from about 10 px; it runs on the picture shrunk further, to :data:`DETECTOR_SCALE`
of the analysis scale, where the smallest face that must be found is
:data:`DETECTOR_FACE_PX` (24) wide. That is the rule the study of issue 17 measured
("r24": 36 of 36 held-out opted-out appearances, against HOG's 35), at a quarter of
HOG's time.

**Large faces.** CenterFace splits a face wider than about 600 px at its input into
two or three partial boxes. A picture whose detector input is more than
:data:`LARGEST_FACE_AT_INPUT` on its short side (so could hold such a face), and in
which the fine search found a face of :data:`COARSE_TRIGGER_AT_INPUT` or more (such a
face's pieces are), is also searched at a coarse scale with that short side; a face
found there larger than :data:`COARSE_FACE_AT_INPUT` (at the fine input) replaces the
fine boxes inside it.

**Long pictures** (a newsletter page, a panorama) are searched in overlapping tiles
(:func:`detection_tiles`); a face found twice where tiles overlap is reported once.

**Tiny faces.** CenterFace also finds faces too small for the encoder to tell who
they are (10-12 px at its input). A face narrower than :data:`MIN_ENCODED_FACE_PX` at
the analysis scale (half the smallest face that must be found) is not encoded: it is
below the size a check promises to look at, and the report counts such faces
("too small to recognise") without calling the file anything but what its other
faces make it.

**Profiles.** CenterFace finds faces turned away, which HOG never did; their
encodings sit 0.55-0.79 from the same person's frontal references. :func:`turn_of`
reads from the landmarks how far a face is turned; a face at :data:`PROFILE_TURN` or
more is a *profile*, which the scan judges with a wider review distance
(settings.py, PROFILE_REVIEW_DISTANCE).

The faces found are encoded by :mod:`photoguard.faces.encode` (when ``encode`` is
asked for) and compared with the opted-out students' references by
:mod:`photoguard.faces.match`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from photoguard.faces.centerface import Detections, detect, intersections, suppress_overlaps
from photoguard.faces.encode import Encoding, Image, encode_faces

# The scale a picture is decoded at lives with the decoders (media/scale.py, no
# dlib, no onnxruntime); it is part of this module's public face too.
from photoguard.media.scale import DETECTOR_FACE_PX as ANALYSIS_FACE_PX
from photoguard.media.scale import MAX_DETECTION_PIXELS as MAX_DETECTION_PIXELS
from photoguard.media.scale import MAX_FRACTION_ASPECT as MAX_FRACTION_ASPECT
from photoguard.media.scale import MIN_FACE_FRACTION as MIN_FACE_FRACTION
from photoguard.media.scale import detection_scale as detection_scale

#: The width of the smallest face that must be found, at CenterFace's input. The
#: study of issue 17 found every held-out face from this size (HOG needs 64).
DETECTOR_FACE_PX = 24
#: CenterFace runs at this share of the analysis scale (24 / 64).
DETECTOR_SCALE = DETECTOR_FACE_PX / ANALYSIS_FACE_PX
#: A face wider than about 600 px at CenterFace's input comes back as partial boxes;
#: pictures that could hold one (their input's short side is larger) are searched
#: again with their short side at this size.
LARGEST_FACE_AT_INPUT = 512
#: Faces the coarse search finds wider than this (in the fine input's pixels) replace
#: what the fine search found inside them; smaller ones the fine search finds better.
COARSE_FACE_AT_INPUT = 400
#: The coarse search runs only where the fine one found a face at least this wide at
#: its input: a face too large for the fine search comes back from it as two or three
#: pieces, each a third of it or more (a third of 600 px is 200). A class photo (faces
#: of 30-40 px at the input) or a photo with no face costs one search, not two.
COARSE_TRIGGER_AT_INPUT = 150
#: A fine box with at least this share of its area inside a large coarse face, and at
#: least PIECE_SHARE of its width, is a part of that face. (The pieces CenterFace cuts
#: a too-large face into are each a third of it or more; a smaller face half inside
#: the large one's box, a child's cheek to cheek with a parent's close-up, is a face
#: of its own and is kept.)
INSIDE_SHARE = 0.5
PIECE_SHARE = 0.25
#: Faces narrower than this at the analysis scale (half ANALYSIS_FACE_PX) are too small
#: to recognise, and below what a check looks for: not encoded or matched, counted.
MIN_ENCODED_FACE_PX = ANALYSIS_FACE_PX // 2

#: The square dlib's 5-point landmarks are run in, from a CenterFace box (left, top,
#: width w, height h; CenterFace's boxes are taller than HOG's squares, height/width
#: 1.24-1.38): side SQUARE_SIDE x w, centred SQUARE_DX x w right of and SQUARE_DY x h
#: below the box's centre. Fitted on 193 faces both detectors found (30 of the adult
#: fixtures, 163 FG-NET children's photos): the encoding from this square and from
#: HOG's own box differ by median 0.026, 90th percentile 0.07 (the same as HOG's box
#: moved by 3-10 %); every side from 1.00 to 1.10 w and every SQUARE_DY from 0.04 to
#: 0.06 gave medians 0.025-0.028, so the choice is not delicate.
SQUARE_SIDE = 1.04
SQUARE_DX = 0.005
SQUARE_DY = 0.05

#: How far a face is turned from looking at the camera, from its landmarks (see
#: turn_of): 0 frontal, about 1 when the nose tip reaches the line of an eye. From
#: this value on it is a profile. Measured: the 30 faces of the fixture photos (all
#: frontal or three-quarter) are 0.00-0.74; the profiles in the fixture video at
#: 7.2-9.1 s are 1.3-3.9.
PROFILE_TURN = 1.0

#: The detector never runs on more pixels (at the analysis scale) than this at once:
#: larger pictures are cut into overlapping tiles. 3200 x 3200 is the most any photo
#: of at most 2:1 reaches at the analysis scale (its long side is at most 64 / 2 % =
#: 3200 px), so only long strips are ever tiled.
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

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.width, self.height)

    def unscaled(self, scale: float, width: int, height: int) -> Box:
        """This box, found on a picture resized by ``scale``, in the pixels of the
        ``width`` x ``height`` original (clipped to it)."""
        left = max(0, round(self.left / scale))
        top = max(0, round(self.top / scale))
        right = min(width, round((self.left + self.width) / scale))
        bottom = min(height, round((self.top + self.height) / scale))
        return Box(left, top, max(1, right - left), max(1, bottom - top))


@dataclass(frozen=True)
class Face:
    """One face found: where, its 128 numbers (None unless asked for), how far turned."""

    box: Box
    encoding: Encoding | None = None
    #: :func:`turn_of` its landmarks.
    turn: float = 0.0
    #: Narrower than MIN_ENCODED_FACE_PX: found, never encoded or matched.
    too_small: bool = False

    @property
    def profile(self) -> bool:
        return self.turn >= PROFILE_TURN


def detection_tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) tiles that cover a ``width`` x ``height`` picture,
    none over DETECTION_TILE_PIXELS unless the short side alone needs more.

    Tiles run along the long side and span the whole short side; neighbours overlap
    by the short side. No face is larger than the short side, so every face lies
    wholly inside some tile."""
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


def find_faces(image: Image, *, encode: bool) -> list[Face]:
    """Detect (and optionally encode) the faces in an RGB image at the analysis scale.

    Boxes are in the pixels of ``image``; the caller maps them back. Faces too small to
    recognise come last, marked ``too_small`` and never encoded: a check counts them
    and says so, but cannot tell who they are.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("find_faces needs an 8-bit RGB image")
    found = detect_faces(image)
    h, w = image.shape[:2]
    wide = (found.boxes[:, 2] - found.boxes[:, 0]) >= MIN_ENCODED_FACE_PX
    tiny = [Face(_pixel_box(b, w, h), too_small=True) for b in found.boxes[~wide]]
    found = found.take(np.nonzero(wide)[0])
    if not len(found):
        return tiny
    away = [turn_of(marks) for marks in found.landmarks]
    upright = [i for i, m in enumerate(found.landmarks) if quarter_turns_upright(m) == 0]
    lying = [i for i in range(len(found)) if i not in upright]
    faces: dict[int, Face] = {}
    if upright:
        descriptors = (
            encode_faces(image, [landmark_square(found.boxes[i]) for i in upright])
            if encode
            else [None] * len(upright)
        )
        for i, d in zip(upright, descriptors, strict=True):
            faces[i] = Face(_pixel_box(found.boxes[i], w, h), d, away[i])
    for i in lying:
        box, encoding = _stood_up(image, found.boxes[i], found.landmarks[i], encode)
        faces[i] = Face(box, encoding, away[i])
    return [faces[i] for i in range(len(found))] + tiny


def _stood_up(
    image: Image, box: npt.NDArray[np.float32], marks: npt.NDArray[np.float32], encode: bool
) -> tuple[Box, Encoding | None]:
    """A face lying on its side or upside down (CenterFace finds those too, but its box
    for them is loose and dlib's landmarks need an upright face): the region around it
    is turned upright and searched again, and the face is boxed and encoded there.
    The box comes back in ``image``'s pixels."""
    h, w = image.shape[:2]
    turns = quarter_turns_upright(marks)
    side = 2 * float(max(box[2] - box[0], box[3] - box[1]))
    cx, cy = float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2
    left, top = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    right, bottom = min(w, int(cx + side / 2) + 1), min(h, int(cy + side / 2) + 1)
    crop = image[top:bottom, left:right]
    ch, cw = crop.shape[:2]
    turned = np.ascontiguousarray(np.rot90(crop, turns))
    th, tw = turned.shape[:2]
    again = detect(turned, DETECTOR_SCALE)
    mine = turned_box(box - np.array([left, top, left, top], np.float32), turns, cw, ch)
    # The face found again is the one whose centre lies inside this face's own box; a
    # neighbour in the crop, or nothing, leaves the box as first found.
    centres = (again.boxes[:, :2] + again.boxes[:, 2:]) / 2
    inside = (
        (centres[:, 0] >= mine[0])
        & (centres[:, 0] <= mine[2])
        & (centres[:, 1] >= mine[1])
        & (centres[:, 1] <= mine[3])
    )
    if inside.any():
        target = (mine[:2] + mine[2:]) / 2
        distance = np.where(inside, np.linalg.norm(centres - target, axis=1), np.inf)
        mine = again.boxes[int(np.argmin(distance))]
    back = turned_box(mine, (4 - turns) % 4, tw, th) + np.array([left, top, left, top], np.float32)
    encoding = encode_faces(turned, [landmark_square(mine)])[0] if encode else None
    return _pixel_box(back, w, h), encoding


def quarter_turns_upright(landmarks: npt.NDArray[np.float32]) -> int:
    """How many quarter turns counter-clockwise (numpy.rot90) stand this face upright:
    CenterFace finds faces lying on their side or upside down too, but dlib's
    landmarks must start from an upright face. From the direction of eyes to mouth."""
    down = (landmarks[3] + landmarks[4]) / 2 - (landmarks[0] + landmarks[1]) / 2
    dx, dy = float(down[0]), float(down[1])
    # Where "down" points after 0, 1, 2, 3 counter-clockwise quarter turns: its y.
    after = (dy, -dx, -dy, dx)
    return int(np.argmax(after))


def turned_box(
    box: npt.NDArray[np.float32], turns: int, width: int, height: int
) -> npt.NDArray[np.float32]:
    """A box (left, top, right, bottom) on a ``width`` x ``height`` picture, on that
    picture turned ``turns`` quarter turns counter-clockwise (numpy.rot90)."""
    left, top, right, bottom = (float(v) for v in box)
    if turns % 4 == 1:
        out = (top, width - right, bottom, width - left)
    elif turns % 4 == 2:
        out = (width - right, height - bottom, width - left, height - top)
    elif turns % 4 == 3:
        out = (height - bottom, left, height - top, right)
    else:
        out = (left, top, right, bottom)
    return np.array(out, dtype=np.float32)


def detect_faces(image: Image) -> Detections:
    """CenterFace's faces in ``image`` (at the analysis scale), in its pixels: tiled
    where it is long, with the coarse search where it could hold a very large face."""
    h, w = image.shape[:2]
    tiles = detection_tiles(w, h)
    parts = []
    for left, top, right, bottom in tiles:
        tile = image[top:bottom, left:right]
        parts.append(_with_large_faces(tile).moved(float(left), float(top)))
    found = Detections.joined(parts)
    if len(tiles) > 1 and len(found):
        found = found.take(sorted(suppress_overlaps(found.boxes, found.scores, SAME_FACE_IOU)))
    return found


def _with_large_faces(image: Image) -> Detections:
    fine = detect(image, DETECTOR_SCALE)
    short_side = min(image.shape[:2]) * DETECTOR_SCALE
    widest = float((fine.boxes[:, 2] - fine.boxes[:, 0]).max()) if len(fine) else 0.0
    if short_side <= LARGEST_FACE_AT_INPUT or widest * DETECTOR_SCALE < COARSE_TRIGGER_AT_INPUT:
        return fine
    coarse = detect(image, LARGEST_FACE_AT_INPUT / min(image.shape[:2]))
    large_px = COARSE_FACE_AT_INPUT / DETECTOR_SCALE  # in image pixels
    large = coarse.take(np.nonzero(coarse.boxes[:, 2] - coarse.boxes[:, 0] > large_px)[0])
    if not len(large):
        return fine
    keep = [i for i, box in enumerate(fine.boxes) if not _piece_of_any(box, large.boxes)]
    return Detections.joined([large, fine.take(keep)])


def _piece_of_any(box: npt.NDArray[np.float32], others: npt.NDArray[np.float32]) -> bool:
    """Whether ``box`` is a piece of one of ``others``: INSIDE_SHARE of its area lies
    inside it, and it is at least PIECE_SHARE of its width."""
    area = max(1e-6, float((box[2] - box[0]) * (box[3] - box[1])))
    inside = intersections(box, others) >= INSIDE_SHARE * area
    wide = (box[2] - box[0]) >= PIECE_SHARE * (others[:, 2] - others[:, 0])
    return bool(np.any(inside & wide))


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (left, top, width, height) boxes: how far a face
    found again is the face found before (a safe copy's cover, a learned reference)."""
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - w * h
    return w * h / union if union > 0 else 0.0


def _pixel_box(box: npt.NDArray[np.float32], width: int, height: int) -> Box:
    left, top = max(0, round(float(box[0]))), max(0, round(float(box[1])))
    right = min(width, round(float(box[2])))
    bottom = min(height, round(float(box[3])))
    return Box(left, top, max(1, right - left), max(1, bottom - top))


def landmark_square(box: npt.NDArray[np.float32]) -> object:
    """The dlib rectangle dlib's landmarks are run in, for a CenterFace box
    (SQUARE_SIDE, SQUARE_DX, SQUARE_DY). It may reach past the picture's edge, as
    HOG's boxes do for faces cut by it; the landmarks cope."""
    import dlib

    w = float(box[2] - box[0])
    h = float(box[3] - box[1])
    cx = float(box[0] + box[2]) / 2 + SQUARE_DX * w
    cy = float(box[1] + box[3]) / 2 + SQUARE_DY * h
    half = SQUARE_SIDE * w / 2
    left, top = round(cx - half), round(cy - half)
    side = max(1, round(2 * half))
    return dlib.rectangle(left, top, left + side - 1, top + side - 1)


def turn_of(landmarks: npt.NDArray[np.float32]) -> float:
    """How far a face is turned left or right, from CenterFace's landmarks (left eye,
    right eye, nose tip, mouth corners): the nose tip's distance from the line down the
    middle of the eyes and mouth, in half the eyes' distance. 0 looking at the camera;
    about 1 when the nose reaches the line of an eye; more in a full profile, where
    the eyes' distance shrinks too."""
    eyes_mid = (landmarks[0] + landmarks[1]) / 2
    mouth_mid = (landmarks[3] + landmarks[4]) / 2
    half_eyes = float(np.linalg.norm(landmarks[1] - landmarks[0])) / 2
    axis = mouth_mid - eyes_mid
    length = float(np.linalg.norm(axis))
    if length < 1e-6:
        return 0.0
    normal = np.array([axis[1], -axis[0]]) / length
    off = abs(float(np.dot(landmarks[2] - eyes_mid, normal)))
    return off / max(half_eyes, 0.1 * length)
