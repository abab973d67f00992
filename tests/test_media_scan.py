"""Photos a school really has: sideways phone photos, small faces in big class photos,
HEIC, RGBA and 16-bit PNG, animations; and files that cannot be checked, which must
come out as errors, never clear. One scan of a built folder, shared by the tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import piexif
import pytest
from conftest import FACES, VIDEO
from PIL import Image

from photoguard.scan.report import ScanReport
from photoguard.scan.run import FileSkipped, ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

# obama.jpg's face, as face_recognition's pipeline measures it: left, top, right, bottom.
OBAMA_FACE = (349, 142, 617, 409)


def _face_crop(margin: int = 60) -> Image.Image:
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        left, top, right, bottom = OBAMA_FACE
        return im.convert("RGB").crop(
            (left - margin, top - margin, right + margin, bottom + margin)
        )


def _class_photo(path: Path, face_px: int) -> tuple[int, int]:
    """A 4000 x 3000 frame with Obama's face pasted at ``face_px`` wide, among noise."""
    rng = np.random.default_rng(7)
    canvas = Image.fromarray(rng.integers(90, 160, (3000, 4000, 3), dtype=np.uint8))
    crop = _face_crop()
    scale = face_px / (OBAMA_FACE[2] - OBAMA_FACE[0])
    small = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
    at = (2900, 2100)
    canvas.paste(small, at)
    canvas.save(path, quality=92)
    return at


def _sideways(path: Path) -> None:
    """obama.jpg stored rotated, with the EXIF tag (6) that tells viewers to turn it back."""
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        stored = im.convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})
    stored.save(path, exif=exif, quality=92)


@pytest.fixture(scope="module")
def built(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("media")
    home = base / "home"
    shutil.copytree(enrolled_home, home)
    d = base / "drop"
    d.mkdir()
    _sideways(d / "sideways.jpg")
    paste_at = _class_photo(d / "class_photo.jpg", 90)
    _class_photo(d / "class_photo_80px.jpg", 80)
    import pillow_heif

    pillow_heif.register_heif_opener()
    with Image.open(FACES / "kit_harington" / "kit2.jpg") as im:
        im.convert("RGB").save(d / "kit.heic", quality=85)
    shutil.copyfile(FACES / "misc" / "rgba_32bit.png", d / "rgba.png")
    with Image.open(FACES / "obama" / "obama2.jpg") as im:
        gray = np.asarray(im.convert("L"), dtype=np.uint16) * 257
    Image.fromarray(gray).save(d / "gray16.png")
    with Image.open(FACES / "kit_harington" / "kit2.jpg") as im:
        frames = [Image.new("RGB", im.size, (20, 20, 20)), im.convert("RGB")]
    frames[0].save(d / "animation.gif", save_all=True, append_images=frames[1:], duration=500)
    with Image.open(FACES / "rose_leslie" / "rose2.jpg") as im:
        im.convert("RGB").save(d / "rose.webp")
    data = (FACES / "obama" / "obama.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (d / "empty.jpg").write_bytes(b"")
    (d / "notes.jpg").write_text("these are not the photos you are looking for\n")
    (d / "broken.mp4").write_bytes(VIDEO.read_bytes()[:4000] + b"\x00" * 5000)
    (d / "readme.txt").write_text("not a photo")
    (d / ".hidden.jpg").write_bytes(data)
    (d / "sub").mkdir()
    shutil.copyfile(FACES / "biden" / "biden2.jpg", d / "sub" / "guest.jpg")
    with open_workspace(home) as ws:
        events = list(scan(ws, [d]))
    report: ScanReport = next(e for e in events if isinstance(e, ScanFinished)).report
    return {
        "files": {f.rel: f for f in report.files},
        "skipped": {s.rel: s.reason for s in report.skipped},
        "skip_events": [e for e in events if isinstance(e, FileSkipped)],
        "paste_at": paste_at,
        "report": report,
    }


def _opted_out_ids(result: Any) -> set[str]:
    return {f.student_id for f in result.findings if f.type == "opted_out_face"}


def test_sideways_phone_photo_is_turned_upright_before_detection(built: dict[str, Any]) -> None:
    r = built["files"]["sideways.jpg"]
    assert r.verdict == "flagged" and _opted_out_ids(r) == {"1001"}
    # The box is in the upright image (910 wide, 1137 tall), where the face is near the top.
    (hit,) = [f for f in r.findings if f.type == "opted_out_face"]
    assert hit.box is not None
    left, top, width, height = hit.box
    assert left + width <= 910 and top + height <= 1137
    # CenterFace's box is taller than HOG's square OBAMA_FACE (forehead to chin): it
    # holds that square, give or take a few pixels.
    o_left, o_top, o_right, o_bottom = OBAMA_FACE
    assert abs(left - o_left) < 40 and abs(left + width - o_right) < 40
    assert top <= o_top + 10 and top + height >= o_bottom - 10 and height < 1.6 * (o_bottom - o_top)


def test_a_90px_face_in_a_4000px_class_photo_is_found(built: dict[str, Any]) -> None:
    r = built["files"]["class_photo.jpg"]
    assert r.verdict == "flagged" and _opted_out_ids(r) == {"1001"}
    (hit,) = [f for f in r.findings if f.type == "opted_out_face"]
    assert hit.box is not None
    assert abs(hit.box[0] - (built["paste_at"][0] + 20)) < 30
    assert 70 <= hit.box[2] <= 120


def test_an_80px_face_in_a_4000px_frame_is_found(built: dict[str, Any]) -> None:
    r = built["files"]["class_photo_80px.jpg"]
    assert r.verdict in ("flagged", "review") and r.assessment.faces == 1


def test_heic_rgba_16bit_gif_and_webp_are_checked(built: dict[str, Any]) -> None:
    files = built["files"]
    assert _opted_out_ids(files["kit.heic"]) == {"1003"}
    assert _opted_out_ids(files["rgba.png"]) == {"1001"}
    assert _opted_out_ids(files["gray16.png"]) == {"1001"}
    assert _opted_out_ids(files["animation.gif"]) == {"1003"}
    assert files["animation.gif"].assessment.frames_checked == 2
    assert files["rose.webp"].verdict == "clear" and files["rose.webp"].assessment.faces == 1
    assert files["sub/guest.jpg"].verdict == "clear"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated.jpg", "truncated"),
        ("empty.jpg", "not a readable photo"),
        ("notes.jpg", "not a readable photo"),
        ("broken.mp4", "video"),
    ],
)
def test_files_that_cannot_be_checked_are_errors(
    built: dict[str, Any], name: str, words: str
) -> None:
    r = built["files"][name]
    assert r.verdict == "error"
    details = " ".join(f.detail or "" for f in r.findings if f.type == "error")
    assert words in details, details


def test_skipped_files_say_why(built: dict[str, Any]) -> None:
    assert built["skipped"] == {"readme.txt": "not a photo or video", ".hidden.jpg": "hidden"}
    assert len(built["skip_events"]) == 2


def test_report_is_not_all_clear(built: dict[str, Any]) -> None:
    report = built["report"]
    assert not report.all_clear
    assert report.counts["error"] == 4
