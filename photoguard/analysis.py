"""What a worker process does with one file: decode it, find and encode its faces.

This runs away from the database (in a worker process, see workers.py) and
returns plain values. It knows nothing about students: matching faces against
the opted-out references happens in the parent (scan.py), so biometric
references never leave the process that decrypted them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from photoguard.faces import Box, Encoding, find_faces
from photoguard.media import Frame, Kind, MediaError, VideoInfo, photo_frames, video_frames
from photoguard.metadata import CaptionFields, read_embedded_fields


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
    #: The captions inside the file (EXIF, IPTC, XMP, ...), read in the worker too.
    captions: CaptionFields | None = None
    #: Videos: every frame decoded (all video streams), of which ``frames_checked``
    #: were searched; the report says how densely the video was sampled.
    frames_in_video: int | None = None


@dataclass
class _Tally:
    hits: list[FaceHit]
    checked: int = 0
    searched: int = 0
    first: Frame | None = None
    #: Encodings of the faces found in a photo's differing EXIF thumbnail, and of the
    #: photo's own faces (see _preview_problem).
    preview_faces: list[Encoding | None] = field(default_factory=list)
    photo_faces: list[Encoding | None] = field(default_factory=list)


def _check_frames(frames: Iterator[Frame], encode: bool) -> _Tally:
    """Search each frame given (for a video, the part's share of the samples).

    A frame of an animation or video is searched unless it is *the same picture* as
    the last one searched: pixel for pixel identical at detection scale, where the
    detector and the encoder see nothing else, so the same faces are certain. Any
    difference at all means it is searched. (A mean difference on a thumbnail, used
    before, let a 160 px head that walked into a still shot change the picture by
    less than its threshold, and the head was never searched.) Measured: on the
    fixture clip and the bench's 720p clip no sample is identical to the one before,
    so every sample is searched; static GIF frames and repeated frames of screen
    recordings are identical and are not searched twice.
    """
    tally = _Tally(hits=[])
    last_image: np.ndarray | None = None
    last_found: list[tuple[Box, Encoding | None]] = []
    for frame in frames:
        if tally.first is None:
            tally.first = frame
        tally.checked += 1
        if (
            frame.time_s is not None
            and last_image is not None
            and _same_picture(frame.image, last_image)
        ):
            found = last_found
        else:
            found = [
                (box.unscaled(frame.scale, frame.width, frame.height), enc)
                for box, enc in find_faces(frame.image, encode=encode)
            ]
            tally.searched += 1
            last_image, last_found = frame.image, found
        for box, encoding in found:
            time_s = None if frame.time_s is None else round(frame.time_s, 2)
            tally.hits.append(FaceHit(box, encoding, time_s))
            (tally.preview_faces if frame.embedded_preview else tally.photo_faces).append(encoding)
    return tally


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    """Identical pixels (the images are at detection scale already)."""
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _preview_problem(tally: _Tally) -> str | None:
    """Why a photo whose EXIF thumbnail shows another picture is not clear: a face in
    the thumbnail that is not one of the photo's own faces (an encoding within
    MATCH_DISTANCE of one). At thumbnail size, who it is cannot be told for sure."""
    from photoguard.settings import MATCH_DISTANCE

    own = [e for e in tally.photo_faces if e is not None]
    strangers = sum(
        1
        for e in tally.preview_faces
        if e is None or not any(float(np.linalg.norm(e - o)) <= MATCH_DISTANCE for o in own)
    )
    if not strangers:
        return None
    return (
        f"the photo's embedded thumbnail (a small preview inside the file) shows a different "
        f"picture, with {strangers} face(s) that are not in the photo itself; they are too "
        "small to tell who they are, so a person must look (a safe copy leaves the "
        "thumbnail out)"
    )


def analyze_file(
    path: Path, kind: Kind, options: AnalysisOptions, part: int = 0, parts: int = 1
) -> FileAnalysis:
    """Check every picture in one file. Decode failures come back as ``error``, not raised.

    A video can be split between workers: part ``k`` of ``n`` searches samples
    k, k+n, k+2n... (every part decodes the whole video, which is cheap next to
    searching, and so picks the same samples and finds the same damage).
    :func:`merge_parts` joins the parts.
    """
    info: list[VideoInfo] = []
    if kind == "photo":
        part, parts = 0, 1
        frames = photo_frames(path, options.min_face_px)
    else:
        # The other parts' samples are decoded (so a video cut short is found by every
        # part) but never converted, resized or searched here.
        frames = video_frames(
            path,
            options.frames_per_second,
            options.min_face_px,
            info,
            keep=None if parts == 1 else lambda n: n % parts == part,
        )
    captions = read_embedded_fields(path) if part == 0 else None
    try:
        tally = _check_frames(frames, options.encode)
    except MediaError as exc:
        return FileAnalysis(kind=kind, error=str(exc), captions=captions)
    except MemoryError:
        return FileAnalysis(kind=kind, error="too large to decode in memory", captions=captions)
    if tally.first is None and not (parts > 1 and info):
        return FileAnalysis(
            kind=kind, error="no picture in the file could be decoded", captions=captions
        )
    duration = info[0].duration_s if info else None
    preview_error = _preview_problem(tally) if tally.preview_faces else None
    # A video's size is its (first) moving picture's, not cover art's; and a part can
    # hold no sample of a very short video.
    if info:
        width, height = info[0].width, info[0].height
    else:
        assert tally.first is not None  # a photo with no picture returned above
        width, height = tally.first.width, tally.first.height
    return FileAnalysis(
        kind=kind,
        width=width,
        height=height,
        frames_checked=tally.checked,
        duration_s=duration,
        faces=tuple(tally.hits),
        error=preview_error,
        captions=captions,
        frames_in_video=info[0].frames if info else None,
    )


def merge_parts(parts: Sequence[FileAnalysis]) -> FileAnalysis:
    """One file's analysis from its parts (all must be present)."""
    first = parts[0]
    errors = [p.error for p in parts if p.error]
    faces = sorted(
        (f for p in parts for f in p.faces),
        key=lambda f: (f.time_s or 0.0, f.box.left, f.box.top),
    )
    return FileAnalysis(
        kind=first.kind,
        width=max(p.width for p in parts),
        height=max(p.height for p in parts),
        frames_checked=sum(p.frames_checked for p in parts),
        duration_s=next((p.duration_s for p in parts if p.duration_s is not None), None),
        faces=tuple(faces),
        error=errors[0] if errors else None,
        captions=next((p.captions for p in parts if p.captions is not None), None),
        frames_in_video=next(
            (p.frames_in_video for p in parts if p.frames_in_video is not None), None
        ),
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
        FaceHit(box.unscaled(frame.scale, frame.width, frame.height), enc) for box, enc in found
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
