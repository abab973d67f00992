"""What a worker process does with one file: decode it, find and encode its faces.

This runs away from the database (in a worker process, see workers.py) and
returns plain values. It knows nothing about students: matching faces against
the opted-out references happens in the parent (scan.py), so biometric
references never leave the process that decrypted them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from photoguard.faces.detect import Box, Face, detect_faces, find_faces, turned_box
from photoguard.faces.encode import Encoding
from photoguard.media import Frame, Kind, MediaError, VideoInfo, photo_frames, video_frames
from photoguard.media.motion import extracted, find_embedded_videos
from photoguard.metadata import CaptionFields, read_embedded_fields


@dataclass(frozen=True)
class AnalysisOptions:
    min_face_px: int
    frames_per_second: float
    #: False in faces-off mode: faces are detected but never encoded.
    encode: bool
    #: Read the text written in the pictures (the setting read_text_in_pictures).
    read_text: bool = False


#: What FaceHit.embedded says of a face found in a motion photo's video.
MOTION_VIDEO = "motion-photo video"


@dataclass(frozen=True)
class FaceHit:
    box: Box
    encoding: Encoding | None
    time_s: float | None = None
    #: None for the file's own pictures. For a picture carried inside the file, what it
    #: is (:data:`MOTION_VIDEO`); ``box`` is then in that video's pixels and ``time_s``
    #: in its seconds.
    embedded: str | None = None
    #: Turned far from the camera (faces/detect.py, PROFILE_TURN): its encoding is far
    #: from the same person's frontal references, so it is judged with a wider review
    #: distance (settings.py).
    profile: bool = False


#: Videos and animations: text is read in at most one sampled frame per this many
#: seconds (faces: every sample). Text in a video stays on screen for seconds (a title,
#: a name card, a poster behind the speaker), and reading it costs about as much as
#: finding the faces; the report says how densely (report.py). In a video split between
#: workers (analyze_file's parts), each part keeps to it on its own samples.
TEXT_EVERY_S = 1.0


@dataclass(frozen=True)
class TextHit:
    """A line of text read in a picture (photoguard/ocr): what it says, how sure the
    reader was (0-1), and where, in the upright original's pixels."""

    text: str
    confidence: float
    box: Box
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
    #: Photos: videos stored inside the file (motion photos) that were searched too;
    #: their frames count in ``frames_checked``.
    embedded_videos: int = 0
    #: Faces found too small to recognise (faces/detect.py, MIN_ENCODED_FACE_PX), in
    #: every frame searched: not in ``faces``, never matched.
    faces_too_small: int = 0
    #: Text read in the pictures (when AnalysisOptions.read_text), and in how many frames.
    texts: tuple[TextHit, ...] = ()
    text_frames: int = 0


@dataclass
class _Tally:
    hits: list[FaceHit]
    texts: list[TextHit] = field(default_factory=list)
    text_frames: int = 0
    too_small: int = 0
    checked: int = 0
    searched: int = 0
    first: Frame | None = None
    #: Encodings of the faces found in a photo's differing EXIF thumbnail, and of the
    #: photo's own faces (see _preview_problem).
    preview_faces: list[Encoding | None] = field(default_factory=list)
    photo_faces: list[Encoding | None] = field(default_factory=list)


Search = Callable[[Frame, bool], list[Face]]


def search_upright(frame: Frame, encode: bool) -> list[Face]:
    """The faces in a frame as it is, in the upright original's pixels."""
    return [_unscaled(face, frame) for face in find_faces(frame.image, encode=encode)]


#: Quarter turns (counter-clockwise, as numpy.rot90 counts them) tried on a photo in
#: which no upright face was found: a print scanned sideways or upside down, a phone
#: that wrote no orientation tag. CenterFace, like HOG before it, finds faces tilted up
#: to about 30-45 degrees; it often finds faces lying on their side or upside down as
#: well (and detect.py stands those up), but not always. A faceless photo costs three
#: more searches.
QUARTER_TURNS = (1, 3, 2)
#: The turned searches of a photo larger than this (pixels at the analysis scale: about
#: 1730 x 1150) run on a copy shrunk to it first, and an orientation in which that
#: finds a face is searched again at full scale, so every face of the minimum size
#: beside it is found too. A lone turned face in the largest photos (3200 px at the
#: analysis scale) is so found from about 2.8 % of the long side, not 2 %. Measured on
#: the bench folder's four faceless 3000 x 2000 photos, one core: 0.93 s each with the
#: turned searches at full scale, 0.55-0.60 s with this.
TURNED_SEARCH_PIXELS = 2_000_000


def search_any_orientation(frame: Frame, encode: bool) -> list[Face]:
    """The faces in a photo's frame; where there is none upright, the faces found with
    the frame turned 90, 270 and 180 degrees (every one of them: a scanned page can hold
    prints turned different ways). Boxes are in the upright original's pixels.

    Only where no upright face (big enough to recognise) is found: a photo with faces
    costs nothing more. (A
    turned face in a photo that also has an upright one is not looked for; the same
    face found in two turns is listed twice.)
    """
    found = find_faces(frame.image, encode=encode)
    # Faces too small to recognise do not count as "a face upright": one in the
    # background must not stop the search for a print lying on its side.
    # (The tiny faces are those found upright: the same ones turned are not added again.)
    if all(face.too_small for face in found):
        found = found + [f for f in _turned_faces(frame.image, encode) if not f.too_small]
    return [_unscaled(face, frame) for face in found]


def _unscaled(face: Face, frame: Frame) -> Face:
    return replace(face, box=face.box.unscaled(frame.scale, frame.width, frame.height))


def _turned_faces(image: np.ndarray, encode: bool) -> list[Face]:
    """Faces found in ``image`` turned each of QUARTER_TURNS, in ``image``'s pixels."""
    import cv2

    height, width = image.shape[:2]
    shrink = min(1.0, (TURNED_SEARCH_PIXELS / max(1, width * height)) ** 0.5)
    small: np.ndarray | None = None
    if shrink < 1:
        size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    found: list[Face] = []
    for turns in QUARTER_TURNS:
        if small is not None and not len(
            detect_faces(np.ascontiguousarray(np.rot90(small, turns)))
        ):
            continue
        turned = np.ascontiguousarray(np.rot90(image, turns))
        found += [
            replace(face, box=_turned_back(face.box, turns, width, height))
            for face in find_faces(turned, encode=encode)
        ]
    return found


def _turned_back(box: Box, turns: int, width: int, height: int) -> Box:
    """A box found on a ``width`` x ``height`` image turned ``turns`` quarter turns
    counter-clockwise (numpy.rot90), in the pixels of the image before the turn."""
    turned_w, turned_h = (height, width) if turns % 2 else (width, height)
    corners = np.array([box.left, box.top, box.left + box.width, box.top + box.height], np.float32)
    left, top, right, bottom = (
        int(v) for v in turned_box(corners, (4 - turns) % 4, turned_w, turned_h)
    )
    return Box(left, top, right - left, bottom - top)


def _read_text(frame: Frame, tally: _Tally) -> None:
    """The text in one frame, into ``tally`` (boxes in the upright original's pixels)."""
    from photoguard.ocr.read import read_text

    tally.text_frames += 1
    time_s = None if frame.time_s is None else round(frame.time_s, 2)
    for line in read_text(frame.image):
        box = Box(*line.box).unscaled(frame.scale, frame.width, frame.height)
        tally.texts.append(TextHit(line.text, line.confidence, box, time_s))


def _check_frames(
    frames: Iterator[Frame],
    encode: bool,
    search: Search = search_upright,
    read_text: bool = False,
) -> _Tally:
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
    last_found: list[Face] = []
    next_text_s = 0.0
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
            found = search(frame, encode)
            tally.searched += 1
            last_image, last_found = frame.image, found
            # A photo's own picture always; a video's samples at most every TEXT_EVERY_S
            # (a repeated identical picture is not read twice); never the EXIF
            # thumbnail (a differing one is sent to a person by _preview_problem).
            if read_text and not frame.embedded_preview:
                if frame.time_s is None:
                    _read_text(frame, tally)
                elif frame.time_s >= next_text_s:
                    _read_text(frame, tally)
                    next_text_s = frame.time_s + TEXT_EVERY_S
        for face in found:
            if face.too_small and encode:
                # Faces-off mode matches nobody: there every face found goes to a person,
                # however small. Here it cannot be recognised, so it is counted.
                tally.too_small += 1
                continue
            time_s = None if frame.time_s is None else round(frame.time_s, 2)
            tally.hits.append(FaceHit(face.box, face.encoding, time_s, profile=face.profile))
            (tally.preview_faces if frame.embedded_preview else tally.photo_faces).append(
                face.encoding
            )
    return tally


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    """Identical pixels (the images are at detection scale already)."""
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _preview_problem(tally: _Tally) -> str | None:
    """Why a photo whose EXIF thumbnail shows another picture is not clear: a face in
    the thumbnail that is not one of the photo's own faces (an encoding within
    MATCH_DISTANCE of one). At thumbnail size, who it is cannot be told for sure."""
    from photoguard.workspace.settings import MATCH_DISTANCE

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


@dataclass(frozen=True)
class _Carried:
    """What was found in the videos a photo carries (motion photos)."""

    hits: tuple[FaceHit, ...] = ()
    videos: int = 0
    frames: int = 0
    error: str | None = None
    too_small: int = 0


def _until_error(frames: Iterator[Frame], errors: list[str]) -> Iterator[Frame]:
    """The frames until the decoder fails; the failure goes to ``errors``, so the faces
    found before it are kept."""
    try:
        yield from frames
    except MediaError as exc:
        errors.append(str(exc))


def _check_carried_videos(path: Path, options: AnalysisOptions) -> _Carried:
    """Search the videos stored inside a photo (a motion photo's clip) as videos are
    searched: sampled frames, upright (a phone writes the clip's rotation into it, and
    the decoder applies it), with times. Anything there that cannot be read is an error."""
    try:
        found = find_embedded_videos(path)
    except OSError as exc:
        return _Carried(
            error=f"could not be read to look for a motion-photo video ({exc.strerror or exc})"
        )
    hits: list[FaceHit] = []
    frames = 0
    too_small = 0
    problems = [found.problem] if found.problem else []
    for video in found.videos:
        stopped: list[str] = []
        tally: _Tally | None = None
        try:
            with extracted(path, video) as clip:
                samples = video_frames(clip, options.frames_per_second, options.min_face_px)
                tally = _check_frames(_until_error(samples, stopped), options.encode)
        except MediaError as exc:
            stopped.append(str(exc))
        except MemoryError:
            stopped.append("too large to decode in memory")
        except OSError as exc:
            stopped.append(f"it could not be copied out to be read ({exc.strerror or exc})")
        if tally is not None:
            hits += [replace(h, embedded=MOTION_VIDEO) for h in tally.hits]
            frames += tally.checked
            too_small += tally.too_small
            if tally.first is None and not stopped:
                stopped.append("none of its frames could be decoded")
        problems += stopped
    error = (
        f"holds a motion-photo video that could not be checked: {problems[0]}" if problems else None
    )
    return _Carried(tuple(hits), len(found.videos), frames, error, too_small)


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
    search: Search = search_upright
    if kind == "photo":
        part, parts = 0, 1
        frames = photo_frames(path, options.min_face_px)
        search = search_any_orientation  # videos are upright: their rotation is applied
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
        tally = _check_frames(frames, options.encode, search, options.read_text)
    except MediaError as exc:
        return FileAnalysis(kind=kind, error=str(exc), captions=captions)
    except MemoryError:
        return FileAnalysis(kind=kind, error="too large to decode in memory", captions=captions)
    if tally.first is None and not (parts > 1 and info):
        return FileAnalysis(
            kind=kind, error="no picture in the file could be decoded", captions=captions
        )
    carried = _check_carried_videos(path, options) if kind == "photo" else _Carried()
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
        frames_checked=tally.checked + carried.frames,
        duration_s=duration,
        faces=(*tally.hits, *carried.hits),
        error=preview_error or carried.error,
        captions=captions,
        frames_in_video=info[0].frames if info else None,
        embedded_videos=carried.videos,
        faces_too_small=tally.too_small + carried.too_small,
        texts=tuple(tally.texts),
        text_frames=tally.text_frames,
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
        embedded_videos=max(p.embedded_videos for p in parts),
        faces_too_small=sum(p.faces_too_small for p in parts),
        texts=tuple(
            sorted(
                (t for p in parts for t in p.texts),
                key=lambda t: (t.time_s or 0.0, t.box.top, t.box.left),
            )
        ),
        text_frames=sum(p.text_frames for p in parts),
    )


@dataclass(frozen=True)
class ReferenceAnalysis:
    """A candidate reference photo: its faces, and a small crop of the face if only one."""

    faces: tuple[FaceHit, ...] = ()
    #: JPEG bytes of the face (about 96 px), for the app's thumbnails; sealed before storing.
    thumbnail: bytes | None = None
    error: str | None = None


THUMBNAIL_PX = 96


@dataclass(frozen=True)
class ReferenceTask:
    """One reference photo for a worker to find and encode the faces of (enrolment
    builds these; a worker runs :func:`run_reference_task`)."""

    path: Path
    options: AnalysisOptions


def run_reference_task(task: ReferenceTask) -> ReferenceAnalysis:
    """What an enrolment's worker process does with one task."""
    return analyze_reference(task.path, task.options)


def analyze_reference(path: Path, options: AnalysisOptions) -> ReferenceAnalysis:
    """Find and encode the faces of a reference photo (the first picture in the file)."""
    try:
        frame = next(iter(photo_frames(path, options.min_face_px)), None)
        if frame is None:
            return ReferenceAnalysis(error="no picture in the file could be decoded")
        image, turns = frame.image, 0
        found = [f for f in find_faces(image, encode=True) if not f.too_small]
        # A picture-day print scanned on its side, with no orientation tag: searched
        # turned, as a scan searches a photo with no upright face (QUARTER_TURNS).
        for turns in QUARTER_TURNS if not found else ():
            image = np.ascontiguousarray(np.rot90(frame.image, turns))
            found = [f for f in find_faces(image, encode=True) if not f.too_small]
            if found:
                break
    except MediaError as exc:
        return ReferenceAnalysis(error=str(exc))
    except MemoryError:
        return ReferenceAnalysis(error="too large to decode in memory")
    height, width = frame.image.shape[:2]
    hits = tuple(
        FaceHit(
            _turned_back(f.box, turns, width, height).unscaled(
                frame.scale, frame.width, frame.height
            )
            if found and turns
            else f.box.unscaled(frame.scale, frame.width, frame.height),
            f.encoding,
            profile=f.profile,
        )
        for f in found
    )
    # The thumbnail shows the face upright (from the turned picture it was found in).
    thumb = _thumbnail(image, found[0].box) if len(found) == 1 else None
    return ReferenceAnalysis(faces=hits, thumbnail=thumb)


def face_thumbnail(frame: Frame, box: Box) -> bytes:
    """A reference's thumbnail of the face at ``box`` (in the upright original's pixels)."""
    s = frame.scale
    scaled = Box(
        round(box.left * s),
        round(box.top * s),
        max(1, round(box.width * s)),
        max(1, round(box.height * s)),
    )
    return _thumbnail(frame.image, scaled)


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
