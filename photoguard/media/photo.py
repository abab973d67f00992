"""Photos: every picture in a photo file, upright, each at its own detection scale.

JPEG (with MPF: Ultra-HDR gain maps, stereo pairs, previews), PNG (8- and 16-bit, with
alpha), HEIC/HEIF, WebP, TIFF, BMP, GIF. The EXIF orientation is applied before
detection: phones store portrait photos sideways with a tag that says so, and a
detector that ignores the tag (as face_recognition's own loader does) misses those
faces. Every frame of an animation, every page of a TIFF, every image of a HEIC and
every image of an MPF JPEG is checked, each at its own size, and so is the EXIF
thumbnail when it shows a different picture (exif_thumbnail.py).

A decoder's complaint always ends the check: nothing here reads a picture in a way
that could hide an error (Pillow's ``getexif()`` on a PNG decodes the image and, if
that fails, a second ``load()`` hands back the pixels decoded so far), Pillow's
``LOAD_TRUNCATED_IMAGES`` is switched off around every decode whatever it was set
to, and a PNG's chunk checksums are verified (Pillow skips those of the image data).
"""

from __future__ import annotations

import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile

from photoguard.formats import register_heif
from photoguard.media.exif_thumbnail import embedded_thumbnail, preview_frame
from photoguard.media.frames import (
    MAX_PIXELS,
    Frame,
    MediaError,
    check_detection_size,
    check_pixels,
    resize,
    strict_decoding,
    upright,
)
from photoguard.media.scale import detection_scale

#: Animated images with more frames than this are not checked frame by frame.
MAX_IMAGE_FRAMES = 500

#: Formats whose frames are moments of one animation (they carry times). The frames
#: of the others (TIFF pages, HEIC images, MPF images) are separate pictures.
_ANIMATIONS = frozenset({"GIF", "WEBP", "PNG"})


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


def photo_frames(path: Path, min_face_px: int) -> Iterator[Frame]:
    """Each picture in a photo file (one, every frame of an animation, every page or
    image of a multi-image file, and a differing EXIF thumbnail), at detection scale."""
    register_heif()
    with warnings.catch_warnings():
        # Pillow warns above its pixel limit (89 MP) and refuses above twice that.
        # A warning here becomes an error: a decompression bomb is never decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with strict_decoding():
                im = Image.open(path)
            with im:
                check_pixels(*im.size)
                if im.format == "PNG":
                    with open(path, "rb") as f:
                        check_png_checksums(f)
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
    if "cannot identify image file" in text:  # (the message names the file: not repeated)
        return "not a readable photo (the contents are not an image this tool can decode)"
    if "truncated" in text.lower():
        return f"the file is truncated ({text})"
    return f"the photo could not be decoded ({text})"


@dataclass(frozen=True)
class _Decoded:
    frame: Frame
    orientation: int
    #: Upright RGB at detection scale (the same array as frame.image).
    rgb: np.ndarray


def _frames_of(im: Image.Image, min_face_px: int) -> Iterator[Frame]:
    n_frames = int(getattr(im, "n_frames", 1) or 1)
    if n_frames > MAX_IMAGE_FRAMES:
        raise MediaError(
            f"{n_frames} frames in one image, more than the {MAX_IMAGE_FRAMES} checked"
        )
    animated = n_frames > 1 and im.format in _ANIMATIONS
    primary: _Decoded | None = None
    thumbnail = None
    durations = 0.0
    for index in range(n_frames):
        with strict_decoding():
            if index:
                im.seek(index)
                check_pixels(*im.size)  # each frame of a multi-page file has its own header
            inherited = primary.orientation if primary is not None else 1
            decoded = _decode_frame(im, min_face_px, inherited)
            if index == 0:
                thumbnail = _thumbnail_bytes(im)
        frame = decoded.frame
        if primary is not None and im.format == "MPO":
            frame = _in_primary_pixels(frame, primary.frame)
        if animated:
            frame = _with_time(frame, durations / 1000.0)
            durations += float(im.info.get("duration", 0) or 0)
        if primary is None:
            primary = decoded
        yield frame
    if primary is not None and thumbnail is not None:
        extra = preview_frame(thumbnail, primary.orientation, primary.rgb, primary.frame)
        if extra is not None:
            yield extra


def _with_time(frame: Frame, time_s: float) -> Frame:
    return replace(frame, time_s=time_s)


def _in_primary_pixels(frame: Frame, primary: Frame) -> Frame:
    """A later image of an MPF file (a gain map, depth map, preview or the other eye of a
    stereo pair) shows the primary's scene: its faces are reported in the primary's
    pixels, when the two have the same shape."""
    if abs(frame.width * primary.height - primary.width * frame.height) > 0.02 * (
        primary.width * frame.height
    ):
        return frame
    scale = frame.image.shape[1] / primary.width
    return replace(frame, scale=scale, width=primary.width, height=primary.height)


def _decode_frame(im: Image.Image, min_face_px: int, inherited: int) -> _Decoded:
    """The current frame of ``im``, decoded at its own size, turned upright, resized."""
    jpeg = im.format in ("JPEG", "MPO")
    if jpeg:
        # The EXIF block is in the header: reading it decodes nothing, so the picture
        # can be decoded at the reduced size detection needs (JPEG DCT scaling).
        orientation = _orientation(im, inherited)
    else:
        # Load first: reading a PNG's EXIF decodes the picture and hides its errors.
        im.load()
        orientation = _orientation(im, inherited)
    stored_w, stored_h = im.size
    width, height = (stored_h, stored_w) if orientation in (5, 6, 7, 8) else (stored_w, stored_h)
    if width <= 0 or height <= 0:
        raise MediaError("the image has no pixels")
    scale = detection_scale(width, height, min_face_px)
    check_detection_size(width, height, scale, min_face_px)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    stored_target = (target[1], target[0]) if orientation in (5, 6, 7, 8) else target
    if jpeg:
        # Each MPF image is a JPEG of its own: Pillow keeps the first one's DCT
        # scaling across seek(), which would decode the next at the wrong size.
        if isinstance(im, ImageFile.ImageFile):
            im.decoderconfig = ()
        if scale < 1:
            im.draft("RGB", stored_target)
        im.load()
    rgb = upright(resize(to_rgb(im), *stored_target), orientation)
    frame = Frame(image=rgb, scale=scale, width=width, height=height)
    return _Decoded(frame, orientation, rgb)


def _orientation(im: Image.Image, inherited: int) -> int:
    """The EXIF orientation (1-8) of the current frame. An MPF image without an EXIF
    block of its own (an Ultra-HDR gain map) is stored like the primary image."""
    if im.format == "MPO" and "exif" not in im.info:
        return inherited
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # a corrupt EXIF block (the caption reader reports it): as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _thumbnail_bytes(im: Image.Image) -> bytes | None:
    if im.format == "TIFF":
        return None  # a TIFF's second IFD is its second page: checked as a frame
    raw = im.info.get("exif")
    return embedded_thumbnail(raw) if isinstance(raw, bytes) and raw else None


# ------------------------------------------------------------------------ PNG


def check_png_checksums(f: BinaryIO) -> None:
    """Every chunk's CRC, up to IEND. Pillow checks those of the header chunks but not
    of the image data (IDAT, fdAT), where damage decodes to wrong pixels or fails."""
    f.seek(8)
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise MediaError("the file is truncated (the PNG ends before its last chunk)")
        length, kind = struct.unpack(">I4s", head)
        crc = zlib.crc32(kind)
        left = length
        while left:
            block = f.read(min(left, 1 << 20))
            if not block:
                raise MediaError("the file is truncated (the PNG ends inside a chunk)")
            crc = zlib.crc32(block, crc)
            left -= len(block)
        stored = f.read(4)
        if len(stored) < 4:
            raise MediaError("the file is truncated (the PNG ends inside a chunk)")
        if struct.unpack(">I", stored)[0] != crc:
            name = kind.decode("latin-1", "replace")
            raise MediaError(
                f"the photo is damaged (the checksum of its {name} chunk is wrong), "
                "so its pixels cannot be trusted"
            )
        if kind == b"IEND":
            return
