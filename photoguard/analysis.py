"""What a worker process does with one file: decode it, find and encode its faces.

This runs away from the database (in a worker process, see workers.py) and
returns plain values. It knows nothing about students: matching faces against
the opted-out references happens in the parent (scan.py), so biometric
references never leave the process that decrypted them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from photoguard.faces import Box, Encoding, find_faces
from photoguard.media import Frame, Kind, MediaError, VideoInfo, photo_frames, video_frames


@dataclass(frozen=True)
class AnalysisOptions:
    min_face_px: int
    frames_per_second: float
    #: False in faces-off mode: faces are detected but never encoded.
    encode: bool


@dataclass(frozen=True)
class FaceHit:
    box: Box
    encoding: Encoding | None
    time_s: float | None = None


@dataclass(frozen=True)
class FileAnalysis:
    kind: Kind
    width: int = 0
    height: int = 0
    frames_checked: int = 0
    duration_s: float | None = None
    faces: tuple[FaceHit, ...] = ()
    #: Why the pictures could not be fully checked; None when every frame was.
    error: str | None = None


def _to_original(box: Box, scale: float, width: int, height: int) -> Box:
    left = max(0, round(box.left / scale))
    top = max(0, round(box.top / scale))
    right = min(width, round((box.left + box.width) / scale))
    bottom = min(height, round((box.top + box.height) / scale))
    return Box(left, top, max(1, right - left), max(1, bottom - top))


def _check_frames(frames: Iterator[Frame], encode: bool) -> tuple[list[FaceHit], int, Frame | None]:
    hits: list[FaceHit] = []
    count = 0
    first: Frame | None = None
    for frame in frames:
        if first is None:
            first = frame
        count += 1
        for box, encoding in find_faces(frame.image, encode=encode):
            hits.append(
                FaceHit(
                    _to_original(box, frame.scale, frame.width, frame.height),
                    encoding,
                    None if frame.time_s is None else round(frame.time_s, 2),
                )
            )
    return hits, count, first


def analyze_file(path: Path, kind: Kind, options: AnalysisOptions) -> FileAnalysis:
    """Check every picture in one file. Decode failures come back as ``error``, not raised."""
    info: list[VideoInfo] = []
    frames = (
        photo_frames(path, options.min_face_px)
        if kind == "photo"
        else video_frames(path, options.frames_per_second, options.min_face_px, info)
    )
    try:
        hits, count, first = _check_frames(frames, options.encode)
    except MediaError as exc:
        return FileAnalysis(kind=kind, error=str(exc))
    except MemoryError:
        return FileAnalysis(kind=kind, error="too large to decode in memory")
    if first is None:
        return FileAnalysis(kind=kind, error="no picture in the file could be decoded")
    duration = info[0].duration_s if info else None
    return FileAnalysis(
        kind=kind,
        width=first.width,
        height=first.height,
        frames_checked=count,
        duration_s=duration,
        faces=tuple(hits),
    )


@dataclass(frozen=True)
class ReferenceAnalysis:
    """A candidate reference photo: its faces, and a small crop of the face if only one."""

    faces: tuple[FaceHit, ...] = ()
    #: JPEG bytes of the face (about 96 px), for the app's thumbnails; sealed before storing.
    thumbnail: bytes | None = None
    error: str | None = None


THUMBNAIL_PX = 96


def analyze_reference(path: Path, options: AnalysisOptions) -> ReferenceAnalysis:
    """Find and encode the faces of a reference photo (the first picture in the file)."""
    try:
        frame = next(iter(photo_frames(path, options.min_face_px)), None)
        if frame is None:
            return ReferenceAnalysis(error="no picture in the file could be decoded")
        found = find_faces(frame.image, encode=True)
    except MediaError as exc:
        return ReferenceAnalysis(error=str(exc))
    except MemoryError:
        return ReferenceAnalysis(error="too large to decode in memory")
    hits = tuple(
        FaceHit(_to_original(box, frame.scale, frame.width, frame.height), enc)
        for box, enc in found
    )
    thumb = _thumbnail(frame.image, found[0][0]) if len(found) == 1 else None
    return ReferenceAnalysis(faces=hits, thumbnail=thumb)


def _thumbnail(image: object, box: Box) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    assert isinstance(image, np.ndarray)
    h, w = image.shape[:2]
    pad = box.width // 4
    crop = image[
        max(0, box.top - pad) : min(h, box.top + box.height + pad),
        max(0, box.left - pad) : min(w, box.left + box.width + pad),
    ]
    pic = Image.fromarray(crop)
    pic.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    pic.save(out, format="JPEG", quality=80)
    return out.getvalue()
