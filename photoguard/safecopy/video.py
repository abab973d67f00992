"""Safe copies of videos: find faces frame by frame, follow them between samples, re-encode.

The scan samples a few frames a second; a safe copy must hide a face in every
frame. Faces are detected on every :data:`SOURCE_STEP_S`-th second of the
original (about 10 frames a second) and followed between those samples:

* detections in consecutive samples whose boxes overlap are one *track*;
* a track that matches an opted-out student anywhere (or comes within the
  review distance) is covered in every frame from its first to its last sample,
  even in samples where that face was turned away and did not match;
* between two samples the box is interpolated linearly and grown by
  :data:`GROW_PER_S` of its size per second of distance from the nearest
  sample, so a face that moves a little off the straight line is still covered;
* before a track's first and after its last sample the box is held for
  :func:`hold_frames` frames (the face may have been there, undetected).

The copy is rescanned on every frame (safecopy.py) and anything still found is
added to the tracks before the copy is made again.

Frames are re-encoded with OpenCV as MP4 ('mp4v'), at the original's frame rate
and size. Audio is not kept: OpenCV writes pictures only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from photoguard.faces.detect import Box, find_faces
from photoguard.faces.encode import Encoding
from photoguard.faces.match import Match
from photoguard.media import VIDEO_SHORTFALL_FRAMES, MediaError
from photoguard.media.scale import detection_scale
from photoguard.safecopy.cover import Region, cover, region_for

#: Seconds between the original's frames checked for faces (10 a second).
SOURCE_STEP_S = 0.1
#: Samples of one face further apart than this (seconds) are not interpolated across.
MAX_GAP_S = 1.0
#: Box growth between samples: this share of the face size per second from a sample.
GROW_PER_S = 1.0
#: A face is held at least this long (seconds) before its first and after its last sample.
HOLD_S = 0.2
#: Two boxes in consecutive samples are one face if they overlap this much (IoU) ...
TRACK_IOU = 0.2
#: ... or their centres are closer than this share of the face size.
TRACK_CENTRE = 0.75
FOURCC = "mp4v"


@dataclass(frozen=True)
class VideoFace:
    frame: int
    box: Box
    encoding: Encoding | None
    #: Turned far from the camera (faces/detect.py): judged with the profile distance.
    profile: bool = False


@dataclass(frozen=True)
class VideoScan:
    """Faces found in a range of frames of one video."""

    fps: float
    declared_frames: int
    width: int
    height: int
    #: Frames read (decoded or skipped) up to the end of the range.
    frames_read: int
    frames_checked: int
    faces: tuple[VideoFace, ...] = ()
    error: str | None = None


def _open(path: Path) -> tuple[Any, float, int, int, int]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise MediaError("not a readable video (OpenCV could not open it)")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not math.isfinite(fps) or fps <= 0 or fps > 1000:
        cap.release()
        raise MediaError("the video does not say its frame rate")
    declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
    if width <= 0 or height <= 0 or width * height > 89_478_485:
        cap.release()
        raise MediaError(f"the video's frame size ({width}x{height}) is not usable")
    return cap, fps, declared, width, height


def probe(path: Path) -> tuple[float, int, int, int]:
    """(fps, declared frame count, width, height)."""
    cap, fps, declared, width, height = _open(path)
    cap.release()
    return fps, declared, width, height


def _frames(
    cap: Any, start: int, stop: int | None, wanted: Callable[[int], bool]
) -> Iterator[tuple[int, np.ndarray | None]]:
    """(index, BGR) for every frame read from 0 up to ``stop``: pixels for frames in
    [start, stop) for which ``wanted(index)`` is true, else None (grabbed, not decoded)."""
    index = -1
    while stop is None or index + 1 < stop:
        if not cap.grab():
            return
        index += 1
        if index < start or not wanted(index):
            yield index, None
            continue
        ok, bgr = cap.retrieve()
        if not ok or bgr is None:
            raise MediaError(f"frame {index} would not decode")
        yield index, bgr


def scan_frames(
    path: Path, start: int, stop: int | None, step: int, min_face_px: int, encode: bool
) -> VideoScan:
    """Detect (and encode) faces in every ``step``-th frame of [start, stop); with
    ``stop=None`` up to the end, where the last frames are always checked. Boxes are in
    the video's own pixels. Decode failures come back as ``error``."""
    try:
        cap, fps, declared, width, height = _open(path)
    except MediaError as exc:
        return VideoScan(0.0, 0, 0, 0, 0, 0, error=str(exc))
    faces: list[VideoFace] = []
    checked = 0
    last = -1
    tail = declared - VIDEO_SHORTFALL_FRAMES - 1

    def wanted(i: int) -> bool:
        return i % step == 0 or (stop is None and declared > 0 and i >= tail)

    try:
        for index, bgr in _frames(cap, start, stop, wanted):
            last = index
            if bgr is None:
                continue
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            h, w = rgb.shape[:2]
            scale = detection_scale(w, h, min_face_px)
            small = _resize(rgb, scale)
            checked += 1
            for face in find_faces(small, encode=encode):
                if face.too_small and encode:  # never matched, so not covered (as in a scan);
                    continue  # in faces-off mode every face found is covered
                box = face.box.unscaled(scale, w, h)
                faces.append(VideoFace(index, box, face.encoding, face.profile))
    except MediaError as exc:
        return VideoScan(fps, declared, width, height, last + 1, checked, tuple(faces), str(exc))
    finally:
        cap.release()
    error = None
    if last < 0:
        error = "the video has no frames that decode"
    elif stop is None and declared > 0 and last + 1 < declared - VIDEO_SHORTFALL_FRAMES:
        error = f"the video stopped decoding at {(last + 1) / fps:.1f} s of {declared / fps:.1f} s"
    elif stop is not None and last + 1 < stop:
        error = f"the video stopped decoding at frame {last + 1}"
    return VideoScan(fps, declared, width, height, last + 1, checked, tuple(faces), error)


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    if target == (w, h):
        return rgb
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(rgb, target, interpolation=interp))


def chunks(declared: int, parts: int, step: int) -> list[tuple[int, int | None]]:
    """[start, stop) ranges that split a video for ``parts`` workers; the last is open."""
    if declared <= 0 or parts <= 1:
        return [(0, None)]
    size = max(step, math.ceil(declared / parts))
    edges = list(range(0, declared, size))
    return [(a, b) for a, b in itertools.pairwise(edges)] + [(edges[-1], None)]


# ---------------------------------------------------------------------------- tracks


@dataclass(frozen=True)
class Detection:
    """A face found in one frame, and the opted-out student it matches, if any."""

    frame: int
    box: Box
    student_id: str | None = None
    distance: float | None = None
    #: True when the face must be covered on its own (a match, or faces-off mode).
    cover: bool = False
    #: The scan's rule's answer (faces/match.py): band, distances, flag or review.
    match: Match | None = None


@dataclass
class Track:
    detections: list[Detection] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return any(d.cover for d in self.detections)

    @property
    def students(self) -> list[str]:
        return sorted({d.student_id for d in self.detections if d.cover and d.student_id})


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a.left, b.left), max(a.top, b.top)
    x1 = min(a.left + a.width, b.left + b.width)
    y1 = min(a.top + a.height, b.top + b.height)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def _same_face(a: Box, b: Box) -> float:
    """How likely two boxes in nearby frames are one face (0 = not at all)."""
    iou = _iou(a, b)
    if iou >= TRACK_IOU:
        return 1.0 + iou
    ca = (a.left + a.width / 2, a.top + a.height / 2)
    cb = (b.left + b.width / 2, b.top + b.height / 2)
    size = max(a.width, a.height, b.width, b.height)
    d = math.hypot(ca[0] - cb[0], ca[1] - cb[1])
    return 1.0 - d / (TRACK_CENTRE * size) if d < TRACK_CENTRE * size else 0.0


def build_tracks(detections: list[Detection], max_gap: int) -> list[Track]:
    """Link detections frame to frame into tracks (greedy, best overlap first)."""
    tracks: list[Track] = []
    by_frame: dict[int, list[Detection]] = {}
    for d in detections:
        by_frame.setdefault(d.frame, []).append(d)
    for frame in sorted(by_frame):
        open_tracks = [t for t in tracks if 0 < frame - t.detections[-1].frame <= max_gap]
        pairs = sorted(
            (
                (_same_face(t.detections[-1].box, d.box), ti, di)
                for ti, t in enumerate(open_tracks)
                for di, d in enumerate(by_frame[frame])
            ),
            key=lambda p: -p[0],
        )
        used_t: set[int] = set()
        used_d: set[int] = set()
        for score, ti, di in pairs:
            if score <= 0 or ti in used_t or di in used_d:
                continue
            open_tracks[ti].detections.append(by_frame[frame][di])
            used_t.add(ti)
            used_d.add(di)
        for di, d in enumerate(by_frame[frame]):
            if di not in used_d:
                tracks.append(Track([d]))
    return tracks


def hold_frames(fps: float, step: int) -> int:
    return max(2 * step, round(HOLD_S * fps))


def _lerp(a: Box, b: Box, t: float) -> Box:
    def mix(x: int, y: int) -> int:
        return round(x + (y - x) * t)

    return Box(
        mix(a.left, b.left), mix(a.top, b.top), mix(a.width, b.width), mix(a.height, b.height)
    )


def track_boxes(
    track: Track, fps: float, step: int, frame_count: int
) -> Iterator[tuple[int, Box, float]]:
    """(frame, box, extra growth) for every frame the track's face may be in."""
    hold = hold_frames(fps, step)
    max_gap = max(step, round(MAX_GAP_S * fps))
    ds = sorted(track.detections, key=lambda d: d.frame)
    last_frame = frame_count - 1 if frame_count > 0 else ds[-1].frame + hold

    def grow(distance: int) -> float:
        return GROW_PER_S * distance / fps

    for f in range(max(0, ds[0].frame - hold), ds[0].frame):
        yield f, ds[0].box, grow(ds[0].frame - f)
    for a, b in itertools.pairwise(ds):
        gap = b.frame - a.frame
        if gap <= max_gap:
            for f in range(a.frame, b.frame):
                t = (f - a.frame) / gap
                yield f, _lerp(a.box, b.box, t), grow(min(f - a.frame, b.frame - f))
        else:  # too far apart to assume the face stayed: hold each side
            for f in range(a.frame, min(b.frame, a.frame + hold + 1)):
                yield f, a.box, grow(f - a.frame)
            for f in range(max(a.frame + hold + 1, b.frame - hold), b.frame):
                yield f, b.box, grow(b.frame - f)
    end = ds[-1]
    for f in range(end.frame, min(last_frame, end.frame + hold) + 1):
        yield f, end.box, grow(f - end.frame)


def plan_covers(
    tracks: list[Track],
    fps: float,
    step: int,
    frame_count: int,
    width: int,
    height: int,
    level: int,
) -> dict[int, list[Region]]:
    """Frame -> regions to cover, for every covered track."""
    covers: dict[int, list[Region]] = {}
    for track in tracks:
        if not track.covered:
            continue
        for frame, box, grow in track_boxes(track, fps, step, frame_count):
            covers.setdefault(frame, []).append(region_for(box, width, height, level, grow))
    return covers


# ---------------------------------------------------------------------------- render


@dataclass(frozen=True)
class RenderedVideo:
    frames: int
    fps: float
    width: int
    height: int
    covered_frames: int


def render_video(
    source: Path, target: Path, covers: dict[int, list[Region]], style: str, level: int
) -> RenderedVideo:
    """Every frame of ``source``, covered, re-encoded to ``target`` (MP4, no audio)."""
    import cv2

    cap, fps, declared, width, height = _open(source)
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*FOURCC), fps, (width, height))
    frames = 0
    covered = 0
    try:
        if not writer.isOpened():
            raise MediaError(f"OpenCV cannot write {FOURCC} MP4 video on this machine")
        for index, bgr in _frames(cap, 0, None, lambda i: True):
            assert bgr is not None
            if bgr.shape[0] != height or bgr.shape[1] != width:
                raise MediaError(f"frame {index} has a different size from the video")
            regions = covers.get(index)
            if regions:
                rgb = np.ascontiguousarray(bgr[:, :, ::-1])
                cover(rgb, regions, style, level)
                bgr = np.ascontiguousarray(rgb[:, :, ::-1])
                covered += 1
            writer.write(bgr)
            frames += 1
    finally:
        writer.release()
        cap.release()
    if frames == 0:
        raise MediaError("the video has no frames that decode")
    if declared > 0 and frames < declared - VIDEO_SHORTFALL_FRAMES:
        raise MediaError(
            f"the video stopped decoding at {frames / fps:.1f} s of {declared / fps:.1f} s"
        )
    return RenderedVideo(frames, fps, width, height, covered)


def still(path: Path, time_s: float) -> np.ndarray:
    """The RGB frame of a video at ``time_s`` (for showing a copy beside its original)."""
    cap, fps, declared, _w, _h = _open(path)
    want = max(0, round(time_s * fps))
    if declared > 0:
        want = min(want, declared - 1)
    try:
        found: np.ndarray | None = None
        for _index, bgr in _frames(cap, want, want + 1, lambda i: True):
            found = bgr if bgr is not None else found
    finally:
        cap.release()
    if found is None:
        raise MediaError(f"no frame at {time_s:.1f} s")
    return np.ascontiguousarray(found[:, :, ::-1])
