"""Faces turned in the pixels, with no EXIF orientation tag to say so (a print scanned
sideways or upside down, a phone that wrote no tag): found by searching the photo
turned, reported where they are in the photo as stored, and covered there in a safe copy.

Obama (1001) and Kit Harington (1003) are opted out (tests/faceworld.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FACES
from PIL import Image

from photoguard.faces.detect import find_faces
from photoguard.media import photo_frames
from photoguard.safecopy import make_safe_copy, save_safe_copy
from photoguard.scan.report import FileResult
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

# obama.jpg's face (left, top, right, bottom), as in test_media_scan.py.
OBAMA_FACE = (349, 142, 617, 409)
TURNS = {
    "90": Image.Transpose.ROTATE_90,
    "180": Image.Transpose.ROTATE_180,
    "270": Image.Transpose.ROTATE_270,
}


def _turned_box(
    size: tuple[int, int], box: tuple[int, int, int, int], turn: Image.Transpose
) -> tuple[int, int, int, int]:
    """Where ``box`` (left, top, right, bottom) of a ``size`` picture lands when the
    picture is turned with ``turn``: a mask of the box turned the same way."""
    mask = Image.new("L", size, 0)
    mask.paste(255, box)
    turned = mask.transpose(turn).getbbox()
    assert turned is not None
    return turned


def _obama_turned(path: Path, turn: Image.Transpose) -> tuple[int, int, int, int]:
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        upright = im.convert("RGB")
    upright.transpose(turn).save(path, quality=92)  # no EXIF: the pixels are turned
    return _turned_box(upright.size, OBAMA_FACE, turn)


def _scanned_tiff(path: Path) -> None:
    """Two scanned pages of one size: blank paper, then a print of kit2.jpg lying on its side."""
    with Image.open(FACES / "kit_harington" / "kit2.jpg") as im:
        page = im.convert("RGB").transpose(Image.Transpose.ROTATE_270)
    paper = Image.new("RGB", page.size, (236, 232, 224))
    paper.save(path, save_all=True, append_images=[page], compression="tiff_deflate")


def _phone_sized(path: Path, face_px: int) -> tuple[int, int, int, int]:
    """A 4000 x 3000 frame (noise) with obama.jpg's face ``face_px`` wide, stored turned a
    quarter (no tag); where the face is in the turned pixels."""
    rng = np.random.default_rng(11)
    canvas = Image.fromarray(rng.integers(90, 160, (3000, 4000, 3), dtype=np.uint8))
    left, top, right, bottom = OBAMA_FACE
    margin = 60
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        crop = im.convert("RGB").crop(
            (left - margin, top - margin, right + margin, bottom + margin)
        )
    scale = face_px / (right - left)
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
    at = (2100, 1500)
    canvas.paste(crop, at)
    face = (
        at[0] + round(margin * scale),
        at[1] + round(margin * scale),
        at[0] + round((margin + right - left) * scale),
        at[1] + round((margin + bottom - top) * scale),
    )
    turn = Image.Transpose.ROTATE_270
    canvas.transpose(turn).save(path, quality=90)
    return _turned_box(canvas.size, face, turn)


def _no_face(path: Path) -> None:
    """A photo with no face at all (the wall behind obama3.jpg), turned sideways."""
    with Image.open(FACES / "obama" / "obama3.jpg") as im:
        wall = im.convert("RGB").crop((0, 1700, 1434, 2333))
    wall.transpose(Image.Transpose.ROTATE_90).save(path, quality=90)


@pytest.fixture(scope="module")
def built(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("turned")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    d = base / "scans"
    d.mkdir()
    expected = {name: _obama_turned(d / f"obama_{name}.jpg", t) for name, t in TURNS.items()}
    _scanned_tiff(d / "scanned_pages.tif")
    # 160 px is 4 % of the long side of a 4000 x 3000 photo, stored lying on its side.
    expected["phone"] = _phone_sized(d / "phone_sideways.jpg", 160)
    _no_face(d / "wall.jpg")
    with open_workspace(home) as ws:
        events = list(scan(ws, [d]))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    return {"files": {f.rel: f for f in final.report.files}, "expected": expected}


def _holds(box: tuple[int, int, int, int], want: tuple[int, int, int, int]) -> bool:
    """Whether a found face ``box`` (left, top, width, height) covers the face at
    ``want`` (left, top, right, bottom): at least 80 % of it, in a box at most twice its
    area. (CenterFace's boxes are taller than HOG's squares, which OBAMA_FACE is.)"""
    left, top, width, height = box
    w_left, w_top, w_right, w_bottom = want
    inter_w = max(0, min(left + width, w_right) - max(left, w_left))
    inter_h = max(0, min(top + height, w_bottom) - max(top, w_top))
    want_area = (w_right - w_left) * (w_bottom - w_top)
    return inter_w * inter_h >= 0.8 * want_area and width * height <= 2 * want_area


def _opted_out(result: FileResult) -> list[Any]:
    return [f for f in result.findings if f.type == "opted_out_face"]


@pytest.mark.parametrize("turn", sorted(TURNS))
def test_a_face_turned_in_the_pixels_is_found(built: dict[str, Any], turn: str) -> None:
    r = built["files"][f"obama_{turn}.jpg"]
    assert r.verdict == "flagged", r.assessment.reason
    (hit,) = _opted_out(r)
    assert hit.student_id == "1001"
    # The box is where the face is in the photo as stored (and as a viewer shows it).
    assert hit.box is not None
    assert _holds(hit.box, built["expected"][turn]), (hit.box, built["expected"][turn])


def test_a_turned_face_in_a_large_photo_is_found_where_it_is(built: dict[str, Any]) -> None:
    r = built["files"]["phone_sideways.jpg"]
    assert r.verdict == "flagged", r.assessment.reason
    (hit,) = _opted_out(r)
    assert hit.student_id == "1001" and hit.box is not None
    assert _holds(hit.box, built["expected"]["phone"]), (hit.box, built["expected"]["phone"])


def test_a_scanned_page_with_a_print_on_its_side_is_flagged(built: dict[str, Any]) -> None:
    r = built["files"]["scanned_pages.tif"]
    assert r.verdict == "flagged", r.assessment.reason
    assert {f.student_id for f in _opted_out(r)} == {"1003"}
    assert r.assessment.frames_checked == 2


def test_a_photo_with_no_face_is_still_clear(built: dict[str, Any]) -> None:
    """Guard: searching the turned photo too finds no face where there is none."""
    r = built["files"]["wall.jpg"]
    assert r.verdict == "clear" and r.assessment.faces == 0, r.assessment.reason


def test_the_safe_copy_of_a_turned_photo_covers_the_turned_face(
    copy_home: Path, tmp_path: Path
) -> None:
    """obama_biden_1.jpg scanned sideways: the safe copy covers Obama where he is in
    the sideways picture, keeps Biden, and comes out clear when scanned again."""
    with Image.open(FACES / "groups" / "obama_biden_1.jpg") as im:
        upright = im.convert("RGB")
    upright_path = tmp_path / "upright" / "group.jpg"
    upright_path.parent.mkdir()
    upright.save(upright_path, quality=95)
    source = tmp_path / "scans" / "group_scan.jpg"
    source.parent.mkdir()
    upright.transpose(Image.Transpose.ROTATE_90).save(source, quality=95)
    with open_workspace(copy_home) as ws:
        (known,) = [
            f
            for f in _scan(ws, upright_path).findings
            if f.type == "opted_out_face" and f.student_id == "1001"
        ]
        assert known.box is not None
        left, top, width, height = known.box
        obama = _turned_box(
            upright.size, (left, top, left + width, top + height), Image.Transpose.ROTATE_90
        )
        with make_safe_copy(ws, source) as preview:
            saved = save_safe_copy(ws, preview, tmp_path / "safe", "Ms. Rivera")
        assert [f.student_id for f in preview.faces] == ["1001"]
        assert preview.rescan.verdict == "clear"
        assert _scan(ws, saved.path).verdict == "clear"
    # The covered face is Obama's, in the sideways pixels.
    face = preview.faces[0]
    assert _overlap(face.box, obama) > 0.5
    with Image.open(source) as a, Image.open(saved.path) as b:
        original = np.asarray(a.convert("RGB"), dtype=np.int16)
        copy = np.asarray(b.convert("RGB"), dtype=np.int16)
    assert original.shape == copy.shape
    r_left, r_top, r_width, r_height = face.region
    inside = (slice(r_top, r_top + r_height), slice(r_left, r_left + r_width))
    mask = np.ones(original.shape[:2], dtype=bool)
    mask[inside] = False
    assert (
        np.abs(original[inside] - copy[inside]).mean()
        > 8 * np.abs(original[mask] - copy[mask]).mean()
    )
    # Turned upright again, the copy shows one face (Biden's); Obama's is gone.
    upright_copy = tmp_path / "check.png"
    with Image.open(saved.path) as im:
        im.transpose(Image.Transpose.ROTATE_270).save(upright_copy)
    frame = next(iter(photo_frames(upright_copy, 48)))
    assert len([f for f in find_faces(frame.image, encode=False) if not f.too_small]) == 1


def _scan(ws: Any, path: Path) -> FileResult:
    final = list(scan(ws, [path]))[-1]
    assert isinstance(final, ScanFinished)
    (result,) = final.report.files
    return result


def _overlap(box: tuple[int, int, int, int], ltrb: tuple[int, int, int, int]) -> float:
    """Intersection over union of a (left, top, width, height) box and a
    (left, top, right, bottom) one."""
    a = (box[0], box[1], box[0] + box[2], box[1] + box[3])
    w = min(a[2], ltrb[2]) - max(a[0], ltrb[0])
    h = min(a[3], ltrb[3]) - max(a[1], ltrb[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (ltrb[2] - ltrb[0]) * (ltrb[3] - ltrb[1]) - inter
    return inter / union
