"""Photos: every picture in a photo file, upright, at detection scale.

JPEG, PNG (8- and 16-bit, with alpha), HEIC/HEIF, WebP, TIFF, BMP, GIF. The EXIF
orientation is applied before detection: phones store portrait photos sideways
with a tag that says so, and a detector that ignores the tag (as
face_recognition's own loader does) misses those faces. Animated GIF/WebP and
multi-page TIFF: every frame is checked.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photoguard.faces import detection_scale
from photoguard.media.frames import MAX_PIXELS, Frame, MediaError, check_pixels, resize

#: Animated images with more frames than this are not checked frame by frame.
MAX_IMAGE_FRAMES = 500

_heif_registered = False


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


def _upright_size(im: Image.Image) -> tuple[int, int]:
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # a corrupt EXIF block: orientation unknown, size as stored
        orientation = None
    w, h = im.size
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def photo_frames(path: Path, min_face_px: int) -> Iterator[Frame]:
    """Each picture in a photo file (one, or every frame of an animation), at detection scale."""
    _register_heif()
    with warnings.catch_warnings():
        # Pillow warns above its pixel limit (89 MP) and refuses above twice that.
        # A warning here becomes an error: a decompression bomb is never decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                check_pixels(*im.size)
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
            check_pixels(*im.size)  # each frame of a multi-page file has its own header
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
            image=resize(rgb, *target),
            scale=scale,
            width=width,
            height=height,
            time_s=frame_time,
        )


# -------------------------------------------------------------------------- video
