"""Photos whose pictures are more than one plain frame: every picture in them is decoded
at its own size, turned upright, searched where its smallest faces can be found, and any
damage ends as ``error``.

One scan over a built folder (real fixture faces, the fixture school): multi-image JPEGs
(MPF: an Ultra-HDR gain map) stored sideways; a 1080 x 8000 newsletter with 75 px faces;
a TIFF with a small cover page and a HEIC with two images of different sizes; damaged
and truncated PNG, HEIC, WebP, TIFF and GIF files; and EXIF thumbnails that show
another picture than the photo (the photo was cropped or replaced, the thumbnail kept).
"""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import piexif
import pytest
from conftest import FACES
from PIL import Image, ImageFile, TiffImagePlugin

from photoguard.faces.detect import detection_scale, detection_tiles
from photoguard.scan.analysis import AnalysisOptions, analyze_file
from photoguard.scan.report import ScanReport
from photoguard.scan.run import ScanFinished, ScanOptions, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

# obama.jpg's face, as face_recognition's pipeline measures it: left, top, right, bottom.
OBAMA_FACE = (349, 142, 617, 409)
OBAMA = FACES / "obama" / "obama.jpg"
ROSE = FACES / "rose_leslie" / "rose1.jpg"  # not opted out
TALL = (1080, 8000)
#: Where the tall page's two 75 px Obama faces are pasted (the face's top-left corner).
#: The first lies where two detection tiles overlap, so it is found twice and must be
#: reported once; the second is in the last tile only.
TALL_FACES = ((500, 4000), (200, 7200))
FACE_PX = 75


def _rgb(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def _face_crop(face_px: int, margin: int = 60) -> tuple[Image.Image, int]:
    """Obama's face with a margin, scaled so the face is ``face_px`` wide; and where the
    face starts inside the crop."""
    left, top, right, bottom = OBAMA_FACE
    crop = _rgb(OBAMA).crop((left - margin, top - margin, right + margin, bottom + margin))
    scale = face_px / (right - left)
    size = (round(crop.width * scale), round(crop.height * scale))
    return crop.resize(size, Image.Resampling.LANCZOS), round(margin * scale)


def _jpeg(im: Image.Image, **kw: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, **kw)
    return out.getvalue()


def mpf_jpeg(path: Path, primary: Image.Image, exif: bytes, others: list[Image.Image]) -> None:
    """A JPEG with an MPF index (CIPA DC-007) and more images after it, each a JPEG of
    its own without EXIF: the layout of an Ultra-HDR photo and its gain map."""
    tails = [_jpeg(o) for o in others]
    n = 1 + len(tails)
    ifd_len = 66 + 16 * n  # as Pillow's own MPO writer reserves it
    placeholder = b"\xff\xe2" + struct.pack(">H", 6 + ifd_len) + b"MPF\0" + b" " * ifd_len
    head = bytearray(_jpeg(primary, exif=exif, extra=placeholder))
    start = head.index(b"MPF\0") + 4  # offsets in the index count from here
    entries, at = b"", 0
    for i, size in enumerate([len(head), *map(len, tails)]):
        kind = 0x030000 if i == 0 else 0x000000  # baseline primary; undefined (a gain map)
        entries += struct.pack("<LLLHH", kind, size, 0 if i == 0 else at - start, 0, 0)
        at += size
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[0xB000] = b"0100"
    ifd[0xB001] = n
    ifd[0xB002] = entries
    blob = b"II\x2a\x00" + struct.pack("<I", 8) + ifd.tobytes(8)
    head[start : start + len(blob)] = blob
    path.write_bytes(bytes(head) + b"".join(tails))


def _sideways(im: Image.Image) -> Image.Image:
    """Stored as a phone stores a portrait: turned, with orientation 6 to turn it back."""
    return im.transpose(Image.Transpose.ROTATE_90)


ORIENTATION_6 = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})


def tall_page(path: Path) -> None:
    rng = np.random.default_rng(11)
    canvas = Image.fromarray(rng.integers(90, 160, (TALL[1], TALL[0], 3), dtype=np.uint8))
    crop, inset = _face_crop(FACE_PX)
    for x, y in TALL_FACES:
        canvas.paste(crop, (x - inset, y - inset))
    canvas.save(path, quality=92)


def two_pictures(path: Path, fmt: str) -> None:
    """A wide cover (a banner with no face) and then obama.jpg, each at its own size."""
    cover = Image.new("RGB", (1200, 300), (40, 90, 160))
    cover.paste((230, 200, 40), (100, 100, 1100, 200))
    cover.save(path, fmt, save_all=True, append_images=[_rgb(OBAMA)])


def damaged_png(path: Path) -> None:
    """obama.jpg as a PNG whose image data is damaged early (before the face's rows)."""
    data = bytearray(_png_bytes(_rgb(OBAMA)))
    first_idat = data.index(b"IDAT") + 4
    for k in range(64):
        data[first_idat + 9000 + k] ^= 0x5A
    path.write_bytes(bytes(data))


def png_with_bad_idat_checksum(path: Path) -> None:
    """Image data intact, the checksum of one IDAT chunk wrong: the file was damaged."""
    data = bytearray(_png_bytes(_rgb(ROSE)))
    at = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[at - 4 : at])
    data[at + 4 + length] ^= 0xFF
    path.write_bytes(bytes(data))


def _png_bytes(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def gif_with_damaged_second_frame(path: Path) -> None:
    """An animation whose second frame (Rose) has a run of zeros in its picture data."""
    frames = [Image.new("RGB", (400, 300), (20, 20, 20)), _rgb(ROSE).resize((400, 300))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=500)
    data = bytearray(out.getvalue())
    second = data.rindex(b"\x21\xf9")  # the second frame's control block; its data follows
    middle = (second + len(data)) // 2
    data[middle : middle + 50] = bytes(50)
    path.write_bytes(bytes(data))


def truncated(path: Path, im: Image.Image, fmt: str, keep: float = 0.6, **kw: Any) -> None:
    out = io.BytesIO()
    im.save(out, fmt, **kw)
    data = out.getvalue()
    path.write_bytes(data[: int(len(data) * keep)])


def with_thumbnail(path: Path, picture: Path, thumbnail: Image.Image | bytes) -> None:
    """``picture`` saved with an EXIF thumbnail (IFD1) of ``thumbnail``."""
    if isinstance(thumbnail, Image.Image):
        thumbnail = _jpeg(thumbnail)
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Canon"},
            "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0},
            "thumbnail": thumbnail,
        }
    )
    _rgb(picture).save(path, quality=92, exif=exif)


def _small(path: Path, size: tuple[int, int] = (160, 120), letterbox: bool = False) -> Image.Image:
    im = _rgb(path)
    im.thumbnail(size)
    if not letterbox:
        return im
    boxed = Image.new("RGB", size, (0, 0, 0))
    boxed.paste(im, ((size[0] - im.width) // 2, (size[1] - im.height) // 2))
    return boxed


def write_folder(d: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    d.mkdir(parents=True)
    obama = _rgb(OBAMA)
    # Case 2: an Ultra-HDR-style JPEG (primary + a quarter-size grey gain map without
    # EXIF), stored sideways; and Pillow's own MPO writer (EXIF in both images).
    stored = _sideways(obama)
    gain = stored.convert("L").resize((stored.width // 4, stored.height // 4)).convert("RGB")
    mpf_jpeg(d / "ultrahdr_sideways.jpg", stored, ORIENTATION_6, [gain])
    stored.save(
        d / "mpo_sideways.jpg", "MPO", save_all=True, append_images=[gain], exif=ORIENTATION_6
    )
    # Case 3.
    tall_page(d / "newsletter.jpg")
    # Case 6.
    two_pictures(d / "cover_page.tif", "TIFF")
    two_pictures(d / "two_images.heic", "HEIF")
    # Case 13.
    damaged_png(d / "damaged.png")
    png_with_bad_idat_checksum(d / "bad_checksum.png")
    truncated(d / "truncated.heic", obama, "HEIF")
    truncated(d / "truncated.webp", obama, "WEBP")
    truncated(d / "truncated.tif", obama, "TIFF")
    truncated(d / "truncated_deflate.tif", obama, "TIFF", compression="tiff_deflate")
    gif_with_damaged_second_frame(d / "damaged_frame.gif")
    # Case 16: the photo is Rose; the thumbnail kept from before shows Obama.
    with_thumbnail(d / "replaced.jpg", ROSE, _small(OBAMA))
    # ...Obama's face covered with a grey box in an editor that kept the thumbnail.
    left, top, right, bottom = OBAMA_FACE
    covered = obama.copy()
    covered.paste((128, 128, 128), (left - 10, top - 10, right + 10, bottom + 10))
    covered.save(d / "_covered.png")
    with_thumbnail(d / "covered.jpg", d / "_covered.png", _small(OBAMA))
    (d / "_covered.png").unlink()
    # ...or someone who is in no roster (Alex, not opted out): who it is cannot be told.
    with_thumbnail(
        d / "stranger_thumbnail.jpg", ROSE, _small(FACES / "alex_lacamoire" / "alex1.jpg")
    )
    # ...a crop that cut Obama out of obama_biden_1.jpg, with the old thumbnail kept.
    group = FACES / "groups" / "obama_biden_1.jpg"
    with Image.open(group) as im:
        biden_only = im.convert("RGB").crop((560, 0, 1126, 661))
    biden_only.save(d / "_crop.png")
    with_thumbnail(d / "cropped.jpg", d / "_crop.png", _small(group, (320, 240)))
    (d / "_crop.png").unlink()
    # ...and photos whose thumbnail is their own (plain and letterboxed): clear.
    with_thumbnail(d / "own_thumbnail.jpg", ROSE, _small(ROSE))
    with_thumbnail(d / "own_letterboxed.jpg", ROSE, _small(ROSE, letterbox=True))
    cut = _jpeg(_small(ROSE))
    with_thumbnail(d / "cut_thumbnail.jpg", ROSE, cut[: len(cut) // 2])


@pytest.fixture(scope="module")
def decoded(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("photo-decoding")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    drop = base / "drop"
    write_folder(drop)
    with open_workspace(home) as ws:
        events = list(scan(ws, [drop], ScanOptions(processes=2)))
    report: ScanReport = next(e for e in events if isinstance(e, ScanFinished)).report
    return {"files": {f.rel: f for f in report.files}, "drop": drop}


def _opted_out(result: Any) -> list[Any]:
    return [f for f in result.findings if f.type == "opted_out_face"]


def _errors(result: Any) -> str:
    return " | ".join(f.detail or "" for f in result.findings if f.type == "error")


# ------------------------------------------------------------ case 2: MPF orientation


@pytest.mark.parametrize("name", ["ultrahdr_sideways.jpg", "mpo_sideways.jpg"])
def test_a_sideways_multi_image_jpeg_is_turned_upright(decoded: dict[str, Any], name: str) -> None:
    r = decoded["files"][name]
    assert r.verdict == "flagged", (r.verdict, r.assessment.reason)
    assert {f.student_id for f in _opted_out(r)} == {"1001"}
    # Boxes are in the upright primary image (910 wide, 1137 tall), the gain map's too.
    assert (r.assessment.width, r.assessment.height) == (910, 1137)
    for hit in _opted_out(r):
        left, top, width, height = hit.box
        assert abs(left - OBAMA_FACE[0]) < 50 and abs(top - OBAMA_FACE[1]) < 50, hit.box
        assert left + width <= 910 and top + height <= 1137


# ------------------------------------------------------------ case 3: tall pictures


def test_75px_faces_on_a_1080x8000_page_are_found_once_each(decoded: dict[str, Any]) -> None:
    r = decoded["files"]["newsletter.jpg"]
    assert r.verdict == "flagged", (r.verdict, r.assessment.reason)
    hits = sorted(_opted_out(r), key=lambda f: f.box[1])
    assert [f.student_id for f in hits] == ["1001", "1001"], [f.box for f in hits]
    for hit, (x, y) in zip(hits, TALL_FACES, strict=True):
        left, top, width, _ = hit.box
        assert abs(left - x) < 25 and abs(top - y) < 25 and 55 <= width <= 100, hit.box


def test_detection_tiles_hold_every_face_that_fits_the_picture() -> None:
    """Every square a face could fill (up to the short side) lies wholly in one tile, and
    no tile is larger than it must be."""
    for width, height in [(1440, 10667), (10667, 1440), (1333, 118667), (6400, 1600)]:
        tiles = detection_tiles(width, height)
        short_side = min(width, height)
        for start in range(0, max(width, height) - short_side + 1, 97):
            if width < height:
                window = (0, start, width, start + short_side)
            else:
                window = (start, 0, start + short_side, height)
            assert any(
                t[0] <= window[0] and t[1] <= window[1] and t[2] >= window[2] and t[3] >= window[3]
                for t in tiles
            ), (width, height, window)
        assert all(
            (r - le) * (b - t) <= max(3200 * 3200, 2 * short_side**2) for le, t, r, b in tiles
        )


def test_ordinary_photos_keep_their_detection_scale() -> None:
    """4:3, 3:2 and 16:9 photos are detected as before (the cost of a scan is unchanged);
    only pictures more than twice as long as wide are searched for smaller faces."""
    assert detection_scale(4000, 3000, 48) == pytest.approx(0.8)
    assert detection_scale(6000, 4000, 48) == pytest.approx(64 / 120)
    assert detection_scale(4000, 2250, 48) == pytest.approx(0.8)
    assert detection_scale(1080, 8000, 48) == pytest.approx(64 / 48)


# ------------------------------------------------------------ case 6: pages of their own size


@pytest.mark.parametrize("name", ["cover_page.tif", "two_images.heic"])
def test_a_later_page_of_another_size_is_decoded_at_its_own_size(
    decoded: dict[str, Any], name: str
) -> None:
    r = decoded["files"][name]
    assert r.verdict == "flagged", (r.verdict, r.assessment.reason)
    assert r.assessment.frames_checked == 2
    (hit,) = _opted_out(r)
    assert hit.student_id == "1001"
    left, top, _, _ = hit.box  # in the page's own pixels
    assert abs(left - OBAMA_FACE[0]) < 50 and abs(top - OBAMA_FACE[1]) < 50, hit.box


# ------------------------------------------------------------ case 13: damage is an error


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("damaged.png", "damaged"),
        ("bad_checksum.png", "checksum"),
        # The HEIF encoder's output differs in length from run to run, so the cut at 60 %
        # sometimes leaves the container's index whole (then the decoder says it ran out).
        ("truncated.heic", "not a readable photo|could not be decoded"),
        ("truncated.webp", "could not be decoded"),
        ("truncated.tif", "truncated"),
        ("truncated_deflate.tif", "not a readable photo"),
        ("damaged_frame.gif", "truncated"),
    ],
)
def test_a_damaged_or_truncated_photo_is_an_error(
    decoded: dict[str, Any], name: str, words: str
) -> None:
    r = decoded["files"][name]
    assert r.verdict == "error", (name, r.verdict, r.assessment.reason)
    assert any(w in _errors(r) for w in words.split("|")), _errors(r)


def test_truncated_photos_are_errors_even_if_pillow_is_told_to_accept_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some library in the same process may set Pillow's LOAD_TRUNCATED_IMAGES: photoguard
    does not rely on it being off. (The worker's own analysis step, run here.)"""
    obama = _rgb(OBAMA)
    files = {
        "t.png": ("PNG", {}),
        "t.jpg": ("JPEG", {}),
        "t.gif": ("GIF", {}),
        "t.tif": ("TIFF", {}),
        "t.bmp": ("BMP", {}),
    }
    for name, (fmt, kw) in files.items():
        truncated(tmp_path / name, obama, fmt, keep=0.5, **kw)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    options = AnalysisOptions(min_face_px=48, frames_per_second=4.0, encode=False)
    for name in files:
        result = analyze_file(tmp_path / name, "photo", options)
        assert result.error and "truncated" in result.error, (name, result)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back as it was found


# ------------------------------------------------------------ case 16: the EXIF thumbnail


@pytest.mark.parametrize("name", ["replaced.jpg", "covered.jpg"])
def test_a_thumbnail_showing_an_opted_out_face_is_not_clear(
    decoded: dict[str, Any], name: str
) -> None:
    """The photo shows Rose (or Obama with his face covered); the thumbnail kept in its
    EXIF block still shows Obama."""
    r = decoded["files"][name]
    assert r.verdict == "flagged", (r.verdict, r.assessment.reason, _errors(r))
    assert {f.student_id for f in _opted_out(r)} == {"1001"}


def test_a_cropped_photo_whose_thumbnail_shows_who_was_cut_out_is_not_clear(
    decoded: dict[str, Any],
) -> None:
    r = decoded["files"]["cropped.jpg"]
    assert r.verdict == "flagged", (r.verdict, r.assessment.reason)
    assert {f.student_id for f in _opted_out(r)} == {"1001"}
    assert "thumbnail" in _errors(r) and "different picture" in _errors(r), _errors(r)


def test_a_thumbnail_face_that_is_not_in_the_photo_is_an_error(decoded: dict[str, Any]) -> None:
    r = decoded["files"]["stranger_thumbnail.jpg"]
    assert r.verdict == "error", (r.verdict, r.assessment.reason)
    assert "thumbnail" in _errors(r) and "1 face(s) that are not in the photo" in _errors(r)


def test_a_photo_with_its_own_thumbnail_is_clear(decoded: dict[str, Any]) -> None:
    for name in ("own_thumbnail.jpg", "own_letterboxed.jpg"):
        r = decoded["files"][name]
        assert r.verdict == "clear", (name, r.verdict, r.assessment.reason, _errors(r))
        assert r.assessment.frames_checked == 1


def test_an_unreadable_thumbnail_is_an_error(decoded: dict[str, Any]) -> None:
    r = decoded["files"]["cut_thumbnail.jpg"]
    assert r.verdict == "error", (r.verdict, r.assessment.reason)
    assert "thumbnail" in _errors(r), _errors(r)
