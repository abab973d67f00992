"""Safe copies of the real fixture photos: opted-out faces covered, everyone else kept,
and the copy comes out clear when the scan itself is run on it again.

Obama (1001), Kit Harington (1003) and Lin-Manuel Miranda (1006) are opted out
(tests/faceworld.py); Biden and Rose Leslie are not.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image

from photoguard.safecopy import make_safe_copy, save_safe_copy
from photoguard.safecopy.cover import BOX_COLOUR
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import Workspace, open_workspace
from photoguard.workspace.settings import with_overrides

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def school(copy_home: Path) -> Iterator[Workspace]:
    with open_workspace(copy_home) as ws:
        yield ws


def rescan(ws: Workspace, path: Path) -> list[str]:
    """The verdicts of an ordinary scan of ``path``."""
    events = list(scan(ws, [path]))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    return [f.verdict for f in final.report.files]


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def inside(a: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
    left, top, width, height = region
    return a[top : top + height, left : left + width]


def test_group_photo_covers_only_the_opted_out_face(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    source = fixtures_dir / "faces" / "groups" / "obama_biden_1.jpg"
    before = sha(source)
    out = tmp_path / "safe"
    with make_safe_copy(school, source) as preview:
        saved = save_safe_copy(school, preview, out, "Ms. Rivera")
    assert [f.student_id for f in preview.faces] == ["1001"]
    assert preview.rescan.verdict == "clear"
    assert preview.rescan.faces == 1  # Biden is still there, and still recognisable as a face
    assert rescan(school, saved.path) == ["clear"]
    assert sha(source) == before

    face = preview.faces[0]
    region = face.region
    # About a third larger than the face box (where the picture's edge allows), and it
    # contains the whole box.
    original, copy = pixels(source), pixels(saved.path)
    picture_h = original.shape[0]
    assert region[2] >= face.box[2] * 1.3
    assert region[3] >= face.box[3] * 1.3 or region[1] == 0 or region[1] + region[3] == picture_h
    assert region[0] <= face.box[0] and region[1] <= face.box[1]
    assert region[0] + region[2] >= face.box[0] + face.box[2]
    assert region[1] + region[3] >= face.box[1] + face.box[3]
    assert original.shape == copy.shape
    changed = np.abs(inside(original, region) - inside(copy, region)).mean()
    mask = np.ones(original.shape[:2], dtype=bool)
    mask[region[1] : region[1] + region[3], region[0] : region[0] + region[2]] = False
    elsewhere = np.abs(original[mask] - copy[mask]).mean()
    assert changed > 8 * elsewhere  # the face is gone; the rest is the same picture


@pytest.mark.parametrize("style", ["blur", "pixelate", "box"])
def test_every_style_comes_out_clear(
    school: Workspace, fixtures_dir: Path, tmp_path: Path, style: str
) -> None:
    source = fixtures_dir / "faces" / "groups" / "kit_rose.jpg"
    with make_safe_copy(school, source, style) as preview:
        saved = save_safe_copy(school, preview, tmp_path / style, "Ms. Rivera")
    assert [f.student_id for f in preview.faces] == ["1003"]
    assert preview.style == style
    assert rescan(school, saved.path) == ["clear"]
    if style == "box":
        left, top, width, height = preview.faces[0].region
        centre = pixels(saved.path)[top + height // 2, left + width // 2]
        assert np.abs(centre - np.array(BOX_COLOUR)).max() <= 6  # JPEG rounding


def test_sideways_phone_photo_is_copied_upright(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    """Stored sideways with orientation 6, as phones do: boxes are in upright pixels,
    so the copy is written upright and has no orientation tag."""
    with Image.open(fixtures_dir / "faces" / "groups" / "obama_biden_1.jpg") as im:
        upright = im.convert("RGB")
    source = tmp_path / "phone" / "IMG_0001.jpg"
    source.parent.mkdir()
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})
    upright.transpose(Image.Transpose.ROTATE_90).save(source, "JPEG", quality=92, exif=exif)
    with make_safe_copy(school, source) as preview:
        assert [f.student_id for f in preview.faces] == ["1001"]
        assert (preview.width, preview.height) == upright.size
        with Image.open(preview.path) as copy:
            assert copy.size == upright.size
            assert piexif.ImageIFD.Orientation not in piexif.load(str(preview.path))["0th"]
        saved = save_safe_copy(school, preview, tmp_path / "safe", "Ms. Rivera")
    assert rescan(school, saved.path) == ["clear"]


def test_heic_photo_becomes_a_clear_jpeg(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    import pillow_heif

    with Image.open(fixtures_dir / "faces" / "groups" / "kit_rose.jpg") as im:
        heif = pillow_heif.from_pillow(im.convert("RGB"))
    source = tmp_path / "phone" / "IMG_0002.HEIC"
    source.parent.mkdir()
    heif.save(str(source), quality=90)
    with make_safe_copy(school, source) as preview:
        assert preview.name == "IMG_0002-safe.jpg"
        assert [f.student_id for f in preview.faces] == ["1003"]
        saved = save_safe_copy(school, preview, tmp_path / "safe", "Ms. Rivera")
    with Image.open(saved.path) as im:
        assert im.format == "JPEG"
    assert rescan(school, saved.path) == ["clear"]


def test_png_with_alpha_stays_png_and_the_cover_is_opaque(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    source = fixtures_dir / "faces" / "misc" / "rgba_32bit.png"
    with make_safe_copy(school, source) as preview:
        saved = save_safe_copy(school, preview, tmp_path / "safe", "Ms. Rivera")
    assert saved.path.name == "rgba_32bit-safe.png"
    with Image.open(saved.path) as im:
        assert im.format == "PNG" and im.mode == "RGBA"
        alpha = np.asarray(im)[..., 3]
    assert (inside(alpha, preview.faces[0].region) == 255).all()
    assert rescan(school, saved.path) == ["clear"]


def test_faces_in_the_review_band_are_covered_too(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    """A review verdict is not clear, so a possible match is covered like a match.
    A wide review band makes Biden a possible match here."""
    ws = school.with_settings(with_overrides(school.settings, review_distance=1.2))
    source = fixtures_dir / "faces" / "groups" / "obama_biden_1.jpg"
    with make_safe_copy(ws, source) as preview:
        distances = sorted(f.distance or 0.0 for f in preview.faces)
        assert len(preview.faces) == 2
        assert distances[0] <= ws.settings.match_distance < distances[1]
        assert any("review band" in f.reason for f in preview.faces)
        assert preview.rescan.verdict == "clear"


def test_faces_off_mode_covers_every_face(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    ws = school.with_settings(with_overrides(school.settings, faces=False))
    source = fixtures_dir / "faces" / "groups" / "obama_biden_2.jpg"
    with make_safe_copy(ws, source) as preview:
        assert len(preview.faces) >= 2
        assert all(f.student_id is None for f in preview.faces)
        assert preview.rescan.verdict == "clear"
        assert preview.rescan.faces == 0
        saved = save_safe_copy(ws, preview, tmp_path / "safe", "Ms. Rivera")
    assert rescan(ws, saved.path) == ["clear"]


def test_a_photo_without_opted_out_faces_gets_no_cover(
    school: Workspace, fixtures_dir: Path, tmp_path: Path
) -> None:
    source = fixtures_dir / "faces" / "biden" / "biden.jpg"
    shutil.copyfile(source, tmp_path / "biden.jpg")
    with make_safe_copy(school, tmp_path / "biden.jpg") as preview:
        assert preview.faces == ()
        assert preview.rescan.faces == 1
        data = preview.path.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == Image.open(source).size
