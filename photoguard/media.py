"""Opening photos and videos and turning them into frames ready for face detection.

Photos: JPEG, PNG (8- and 16-bit, with alpha), HEIC/HEIF, WebP, TIFF, BMP, GIF.
The EXIF orientation is applied before detection: phones store portrait photos
sideways with a tag that says so, and a detector that ignores the tag (as
face_recognition's own loader does) misses those faces. Animated GIF/WebP and
multi-page TIFF: every frame is checked.

Videos: MP4, MOV, M4V, AVI, MKV through OpenCV, sampled at
``settings.frames_per_second`` plus the first and the last frame.

Everything here fails loudly: a file that cannot be decoded completely raises
:class:`MediaError`, which the scan turns into an ``error`` verdict.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

from photoguard.faces import detection_scale

Kind = Literal["photo", "video"]

PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".heic",
        ".heif",
        ".hif",
        ".webp",
        ".tif",
        ".tiff",
        ".bmp",
        ".dib",
        ".gif",
    }
)
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"})

#: Animated images with more frames than this are not checked frame by frame.
MAX_IMAGE_FRAMES = 500
#: The most pixels one picture (photo, animation frame or video frame) may have: Pillow's
#: own default limit (about 9500 x 9500), kept here so that nothing that changes Pillow's
#: global setting can switch it off. A header that claims more is an error before any
#: pixel is decoded: a "decompression bomb" (a small file that expands to gigabytes) or
#: absurd dimensions are never allocated.
MAX_PIXELS = 89_478_485
#: A video whose frames stop this far short of what its header says is an error.
VIDEO_SHORTFALL_FRAMES = 3

_heif_registered = False


class MediaError(Exception):
    """The file could not be fully decoded; the message says why, in plain words."""


@dataclass(frozen=True)
class Frame:
    """One picture to check, resized for detection."""

    #: RGB pixels at detection scale.
    image: np.ndarray
    #: Detection pixels per pixel of the upright original.
    scale: float
    #: The upright original's size.
    width: int
    height: int
    #: Seconds from the start (videos and animations), else None.
    time_s: float | None = None


def sniff_kind(head: bytes) -> Kind | None:
    """What the first bytes of a file say it is."""
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "photo"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (
            b"heic",
            b"heix",
            b"heim",
            b"heis",
            b"hevc",
            b"hevx",
            b"mif1",
            b"msf1",
            b"avif",
        ):
            return "photo"
        return "video"
    return None


def kind_of(path: Path, head: bytes) -> Kind | None:
    """Photo, video, or neither: by content first, then by name."""
    sniffed = sniff_kind(head)
    if sniffed is not None:
        return sniffed
    suffix = path.suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return "photo"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return None


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def to_rgb(im: Image.Image) -> np.ndarray:
    """Any Pillow mode as 8-bit RGB. Transparent areas are laid on mid grey."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # float32 in place: a 16-bit photo at the pixel limit needs about 1 GB, not 2.5.
        a = np.asarray(im).astype(np.float32)
        top = float(a.max()) if a.size else 0.0
        a *= 255.0 / (65535.0 if top > 255 else 255.0)
        np.clip(a, 0, 255, out=a)
        g = a.astype(np.uint8)
        del a
        rgb = np.empty((*g.shape, 3), dtype=np.uint8)
        rgb[..., 0] = rgb[..., 1] = rgb[..., 2] = g
        return rgb
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (128, 128, 128, 255))
        im = Image.alpha_composite(base, rgba)
    if im.mode != "RGB":
        im = im.convert("RGB")
    # np.asarray copies out of Pillow's memory already; convert() on an RGB image
    # would copy once more (0.04 s for 12 megapixels).
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    shrinking = width < rgb.shape[1]
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=interp))


def _upright_size(im: Image.Image) -> tuple[int, int]:
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # a corrupt EXIF block: orientation unknown, size as stored
        orientation = None
    w, h = im.size
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise MediaError(
            f"too large to check safely: the file says it has {width * height:,} pixels "
            f"({width} x {height}), more than the {MAX_PIXELS:,} photoguard decodes"
        )


def photo_frames(path: Path, min_face_px: int) -> Iterator[Frame]:
    """Each picture in a photo file (one, or every frame of an animation), at detection scale."""
    _register_heif()
    with warnings.catch_warnings():
        # Pillow warns above its pixel limit (89 MP) and refuses above twice that.
        # A warning here becomes an error: a decompression bomb is never decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                _check_pixels(*im.size)
                yield from _frames_of(im, min_face_px)
        except MediaError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            claimed = re.search(r"\((\d+) pixels\)", str(exc))
            many = f"{int(claimed.group(1)):,} pixels" if claimed else "more pixels"
            raise MediaError(
                f"too large to check safely: the file says it has {many}, more than "
                f"the {MAX_PIXELS:,} photoguard decodes"
            ) from exc
        except MemoryError as exc:
            raise MediaError("too large to decode in memory") from exc
        except Exception as exc:
            raise MediaError(_describe_decode_error(exc)) from exc


def _describe_decode_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "truncated" in text.lower():
        return f"the file is truncated ({text})"
    if "cannot identify image file" in text:
        return "not a readable photo (the contents are not an image this tool can decode)"
    return f"the photo could not be decoded ({text})"


def _frames_of(im: Image.Image, min_face_px: int) -> Iterator[Frame]:
    n_frames = int(getattr(im, "n_frames", 1) or 1)
    if n_frames > MAX_IMAGE_FRAMES:
        raise MediaError(
            f"{n_frames} frames in one image, more than the {MAX_IMAGE_FRAMES} checked"
        )
    width, height = _upright_size(im)
    if width <= 0 or height <= 0:
        raise MediaError("the image has no pixels")
    scale = detection_scale(width, height, min_face_px)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    durations = 0.0
    for index in range(n_frames):
        if n_frames > 1:
            im.seek(index)
            _check_pixels(*im.size)  # each frame of a multi-page file has its own header
        if n_frames == 1 and im.format == "JPEG" and scale < 1:
            # Decode only the pixels detection needs (JPEG DCT scaling: 1/2, 1/4, 1/8).
            stored = (target[1], target[0]) if (width, height) != im.size else target
            im.draft("RGB", stored)
        im.load()
        upright = ImageOps.exif_transpose(im) if n_frames == 1 else im
        rgb = to_rgb(upright)
        frame_time = durations / 1000.0 if n_frames > 1 else None
        durations += float(im.info.get("duration", 0) or 0)
        yield Frame(
            image=_resize(rgb, *target),
            scale=scale,
            width=width,
            height=height,
            time_s=frame_time,
        )


# -------------------------------------------------------------------------- video


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def video_frames(
    path: Path,
    frames_per_second: float,
    min_face_px: int,
    info_out: list[VideoInfo] | None = None,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Frame]:
    """Sampled frames of a video: ``frames_per_second`` of them per second, plus the first
    and the last. Raises MediaError if the video cannot be opened or stops decoding early.

    ``keep(n)`` chooses which samples (numbered from 0 in time order) are converted and
    yielded; every frame is still decoded, so a video cut short is found by every caller.
    """
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise MediaError("not a readable video (OpenCV could not open it)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            raise MediaError("the video does not say its frame rate, so it cannot be sampled")
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width <= 0 or height <= 0:
            raise MediaError("the video has no picture to check (its frames have no size)")
        if width * height > MAX_PIXELS:
            raise MediaError(
                f"too large to check safely: the video says its frames are {width} x {height} "
                f"pixels, more than the {MAX_PIXELS:,} photoguard decodes"
            )
        if declared <= 0:
            # Without a frame count, a video that stops decoding early looks complete.
            raise MediaError(
                "the video does not say how many frames it has, so it cannot be shown "
                "that every part of it was checked"
            )
        if info_out is not None:
            info_out.append(VideoInfo(fps, declared, width, height))
        step = max(1, round(fps / frames_per_second))
        index = -1
        last: tuple[int, np.ndarray] | None = None
        last_regular = -1
        scale = 0.0
        while True:
            if not cap.grab():
                break
            index += 1
            near_end = declared > 0 and index >= declared - VIDEO_SHORTFALL_FRAMES - 1
            if index % step and not near_end:
                continue
            if index % step == 0:
                last_regular = index
                if keep is not None and not keep(index // step) and not near_end:
                    continue  # another worker searches this sample
            ok, bgr = cap.retrieve()
            if not ok or bgr is None:
                raise MediaError(f"frame {index} ({index / fps:.1f} s) would not decode")
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            h, w = rgb.shape[:2]
            scale = detection_scale(w, h, min_face_px)
            if index % step == 0:
                if keep is None or keep(index // step):
                    yield _video_frame(rgb, scale, index / fps)
            else:
                last = (index, rgb)
        if index < 0:
            raise MediaError("the video has no frames that decode")
        if declared > 0 and index + 1 < declared - VIDEO_SHORTFALL_FRAMES:
            raise MediaError(
                f"the video stopped decoding at {(index + 1) / fps:.1f} s of {declared / fps:.1f} s"
            )
        if last is not None and last[0] > last_regular:
            number = last_regular // step + 1  # the sample after the last regular one
            if keep is None or keep(number):
                yield _video_frame(last[1], scale, last[0] / fps)
    finally:
        cap.release()


def _video_frame(rgb: np.ndarray, scale: float, time_s: float) -> Frame:
    h, w = rgb.shape[:2]
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    return Frame(image=_resize(rgb, *target), scale=scale, width=w, height=h, time_s=time_s)
