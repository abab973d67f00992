"""The EXIF thumbnail: a small JPEG in a photo's EXIF block (IFD1) that file managers,
cameras and some viewers show in place of the photo.

An editor that crops a photo or covers a face and keeps the EXIF block keeps the old
thumbnail too: a picture of what the edit took out (the classic leak of "cropped"
photos). So the thumbnail is decoded (bounded) and compared with the photo at the
thumbnail's scale. When it shows the same picture, the photo's own search covers it.
When it does not, it is searched for faces as one more frame, enlarged so that faces
of :data:`PREVIEW_MIN_FACE_PX` in it reach the detector's size; its faces are
matched like any other (analysis.py makes the file ``error`` when one of them is
not a face of the photo itself: at that size nobody can be sure who it is).
A thumbnail that cannot be read is an error: it was not checked.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import ExifTags, Image

from photoguard.media.frames import Frame, MediaError, resize, strict_decoding, upright
from photoguard.media.scale import DETECTOR_FACE_PX

#: The largest thumbnail decoded. EXIF recommends 160 x 120, and in a JPEG the
#: thumbnail must fit the 64 KB APP1 segment; a larger claim is a damaged or
#: hostile block, and is an error rather than a big allocation.
MAX_THUMBNAIL_PIXELS = 1024 * 1024

#: The smallest face looked for in a thumbnail that shows another picture, in the
#: thumbnail's own pixels: about an eighth of a 160 px thumbnail (a head and shoulders
#: portrait's face is 40-60 px there). Smaller faces are a few pixels of blur.
PREVIEW_MIN_FACE_PX = 20

#: Largest difference between the thumbnail and the photo (both grey, each scaled to
#: zero mean and unit deviation, on a 32-cell grid; the worst 3 x 3 cell neighbourhood)
#: for "the same picture". Measured on the fixture photos: their own camera/editor
#: thumbnails 0.10-0.15; thumbnails made from the photo 0.02-0.21 (letterboxed
#: 0.03-0.08); the photo cropped to its middle 70 % 2.1-3.6; another photo 2.2-5.6; one
#: face covered with a grey box 0.2-1.5 (0.2: a 16 px face in the thumbnail, smaller
#: than the thumbnail search finds anyway); one face blurred 0.08-1.1 (a blur keeps a
#: face's light and dark: one under about 25 thumbnail pixels can pass as the same
#: picture). A gamma/contrast edit made after the thumbnail reaches 0.2-0.56 and is
#: searched (its faces are the photo's own, so it stays clear).
SAME_PREVIEW_DIFF = 0.25
_GRID = 32

#: A letterboxed thumbnail's bars may hold picture (a slightly wider crop) if they are
#: thinner than this share of the thumbnail's side: no face fits in them.
_THIN_BAR = 0.1
#: Bars flatter than this (grey levels, standard deviation) are padding.
_FLAT_BAR = 10.0


def embedded_thumbnail(raw_exif: bytes) -> bytes | None:
    """The JPEG bytes of the EXIF thumbnail (IFD1) in an EXIF block, or None if there is
    none. Raises MediaError when there is one that cannot be read."""
    tiff = raw_exif[6:] if raw_exif.startswith(b"Exif\x00\x00") else raw_exif
    try:
        exif = Image.Exif()
        exif.load(raw_exif)
        ifd1 = dict(exif.get_ifd(ExifTags.IFD.IFD1))
    except Exception as exc:
        raise MediaError(
            "the photo's EXIF block could not be read, so its embedded thumbnail was not checked"
        ) from exc
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if offset is None and length is None:
        if 0x0111 in ifd1:  # StripOffsets: an uncompressed thumbnail
            raise MediaError(
                "the photo has an uncompressed embedded thumbnail, which photoguard cannot check"
            )
        return None
    if not isinstance(offset, int) or not isinstance(length, int) or length < 0:
        raise MediaError("the photo's embedded thumbnail could not be read (damaged EXIF)")
    if length == 0:
        return None
    if offset < 0 or offset + length > len(tiff):
        raise MediaError(
            "the photo's embedded thumbnail could not be read (it points outside the EXIF block)"
        )
    return tiff[offset : offset + length]


def decode_thumbnail(data: bytes, orientation: int) -> np.ndarray:
    """The thumbnail as upright 8-bit RGB (it is stored turned like the photo)."""
    try:
        with strict_decoding(), Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > MAX_THUMBNAIL_PIXELS or int(getattr(im, "n_frames", 1) or 1) > 1:
                raise MediaError(
                    f"the photo's embedded thumbnail is not a plain small picture ({w} x {h}), "
                    "so it was not checked"
                )
            im.load()
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(
            "the photo's embedded thumbnail could not be decoded, so it was not checked"
        ) from exc
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise MediaError("the photo's embedded thumbnail has no pixels")
    return upright(np.ascontiguousarray(rgb), orientation)


def preview_frame(
    data: bytes, orientation: int, photo_rgb: np.ndarray, photo: Frame
) -> Frame | None:
    """The thumbnail as a frame to search, or None when it shows the photo itself.

    ``photo_rgb`` is the photo's first picture, upright, at detection scale."""
    thumb = decode_thumbnail(data, orientation)
    if preview_difference(thumb, photo_rgb) < SAME_PREVIEW_DIFF:
        return None
    h, w = thumb.shape[:2]
    enlarge = DETECTOR_FACE_PX / PREVIEW_MIN_FACE_PX
    image = resize(thumb, max(1, round(w * enlarge)), max(1, round(h * enlarge)))
    # Faces are reported where they are in the thumbnail, scaled to the photo's width.
    return Frame(
        image=image,
        scale=image.shape[1] / photo.width,
        width=photo.width,
        height=photo.height,
        embedded_preview=True,
    )


def preview_difference(thumb: np.ndarray, photo: np.ndarray) -> float:
    """How different a thumbnail is from the photo (both upright RGB), as the smallest
    of three ways a thumbnail is made: the whole photo squeezed to the thumbnail's
    size; fitted inside it with bars (letterbox); or a centre crop filling it."""
    import cv2

    t = cv2.cvtColor(thumb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    p = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    # The photo is first shrunk by a whole factor to about twice the thumbnail's size
    # (OpenCV's fast path: under a millisecond, where any other factor costs 5-10).
    k = max(1, min(p.shape[0] // (2 * t.shape[0]), p.shape[1] // (2 * t.shape[1])))
    if k > 1:
        rows, cols = p.shape[0] // k, p.shape[1] // k
        p = cv2.resize(p[: rows * k, : cols * k], (cols, rows), interpolation=cv2.INTER_AREA)
    p = p.astype(np.float32)
    th, tw = t.shape
    ph, pw = p.shape
    t_aspect, p_aspect = tw / th, pw / ph
    pairs = [(t, p)]
    # Fitted: the photo's shape inside the thumbnail, bars around it.
    cw, ch = (tw, round(tw / p_aspect)) if p_aspect > t_aspect else (round(th * p_aspect), th)
    x0, y0 = (tw - cw) // 2, (th - ch) // 2
    if cw >= 8 and ch >= 8 and (cw, ch) != (tw, th):
        bars = np.concatenate(
            [t[:y0].ravel(), t[y0 + ch :].ravel(), t[:, :x0].ravel(), t[:, x0 + cw :].ravel()]
        )
        thin = max(y0, th - y0 - ch) <= _THIN_BAR * th and max(x0, tw - x0 - cw) <= _THIN_BAR * tw
        if thin or bars.size == 0 or float(bars.std()) < _FLAT_BAR:
            pairs.append((t[y0 : y0 + ch, x0 : x0 + cw], p))
    # Filled: the thumbnail shows the middle of the photo.
    cw, ch = (round(ph * t_aspect), ph) if p_aspect > t_aspect else (pw, round(pw / t_aspect))
    x0, y0 = (pw - cw) // 2, (ph - ch) // 2
    if cw >= 8 and ch >= 8:
        pairs.append((t, p[y0 : y0 + ch, x0 : x0 + cw]))
    return min(_grid_difference(a, b) for a, b in pairs)


def _grid_difference(a: np.ndarray, b: np.ndarray) -> float:
    import cv2

    h, w = a.shape
    gw, gh = (
        (_GRID, max(4, round(_GRID * h / w))) if w >= h else (max(4, round(_GRID * w / h)), _GRID)
    )
    # The photo's part first to the thumbnail part's own size, so both are averaged into
    # the grid's cells along the same lines.
    b = cv2.resize(np.ascontiguousarray(b), (w, h), interpolation=cv2.INTER_AREA)
    cells = [
        cv2.resize(np.ascontiguousarray(x), (gw, gh), interpolation=cv2.INTER_AREA) for x in (a, b)
    ]
    za, zb = ((c - c.mean()) / (float(c.std()) + 1e-6) for c in cells)
    diff = cv2.blur(np.abs(za - zb), (3, 3))
    return float(diff.max())
