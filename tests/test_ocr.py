"""Names written in the pictures (issue 20): name tags, certificates, posters, text
turned, a first name alone, a name of someone not on the roster; in a video frame; and
a safe copy that covers the name tag and comes out clear.

The names are drawn (DejaVu Sans, so accents are real glyphs) onto the real fixture
photos and frames, and everything runs through the real pipeline: the scan, its workers,
the OCR models from the rapidocr wheel, the cache, the safe copy and its rescan.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FACES, VIDEO, require_fixtures
from PIL import Image, ImageDraw, ImageFont

from photoguard.errors import UserError
from photoguard.roster.importing import apply_import, preview_import
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex
from photoguard.roster.near_names import near_full_names
from photoguard.safecopy import make_safe_copy
from photoguard.safecopy.cover import BOX_COLOUR
from photoguard.scan.report import FileResult
from photoguard.scan.run import ScanFinished, scan
from photoguard.scan.verdict import TEXT_IN_PICTURE
from photoguard.vocab import FindingType, VerdictKind
from photoguard.workspace.folder import Workspace, open_workspace
from photoguard.workspace.settings import with_overrides

pytestmark = [pytest.mark.faces, pytest.mark.engine_neutral]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ROSTER = (
    "Student ID,Last Name,First Name,Grade,Privacy Law Opt-Out\n"
    "1001,O'Brien,Liam,3,N\n"
    "1002,Martínez,Zoë,4,N\n"
    "1003,Chen,Maya,5,N\n"
    "1004,Park,Noah,2,N\n"
    "1005,Singh,Ava,K,N\n"
)
Rect = tuple[int, int, int, int]  # left, top, right, bottom


def font(px: int) -> ImageFont.FreeTypeFont:
    if not FONT.is_file():
        import os

        if os.environ.get("PHOTOGUARD_REQUIRE_FIXTURES"):
            pytest.fail(f"{FONT} is missing (.ci/run installs fonts-dejavu-core)")
        pytest.skip(f"{FONT} is missing: install fonts-dejavu-core")
    return ImageFont.truetype(str(FONT), px)


def label(im: Image.Image, lines: list[str], at: tuple[int, int], px: int) -> Rect:
    """Black text on a white card at ``at``; the card's rectangle."""
    draw = ImageDraw.Draw(im)
    f = font(px)
    widths = [draw.textbbox((0, 0), line, font=f)[2] for line in lines]
    x, y = at
    card = (x, y, x + max(widths) + 2 * px // 2, y + len(lines) * round(px * 1.4) + px // 2)
    draw.rectangle(card, fill="white")
    for n, line in enumerate(lines):
        draw.text((x + px // 2, y + px // 4 + n * round(px * 1.4)), line, fill="black", font=f)
    return card


def turned_label(im: Image.Image, text: str, at: tuple[int, int], px: int, angle: float) -> Rect:
    f = font(px)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    _l, _t, r, b = probe.textbbox((0, 0), text, font=f)
    card = Image.new("RGB", (r + px, b + px), "white")
    ImageDraw.Draw(card).text((px // 2, px // 3), text, fill="black", font=f)
    card = card.rotate(angle, expand=True, fillcolor="white")
    im.paste(card, at)
    return (at[0], at[1], at[0] + card.width, at[1] + card.height)


def fixture(name: str, size: tuple[int, int] | None = None) -> Image.Image:
    im = Image.open(FACES / name).convert("RGB")
    return im.resize(size) if size else im


def draw_photos(folder: Path) -> dict[str, Rect]:
    """The photos to check, and where the text of each was drawn."""
    folder.mkdir(parents=True)
    where: dict[str, Rect] = {}
    im = fixture("obama/obama.jpg", (1600, 1200))
    where["tag.jpg"] = label(im, ["HELLO my name is", "Liam O'Brien"], (900, 780), 40)
    im.save(folder / "tag.jpg", quality=92)
    im = fixture("kit_harington/kit1.jpg", (1400, 1000))
    where["certificate.jpg"] = label(
        im, ["Certificate of Achievement: Zoë Martínez"], (120, 60), 34
    )
    im.save(folder / "certificate.jpg", quality=92)
    im = fixture("rose_leslie/rose1.jpg", (1200, 900))
    where["poster.jpg"] = label(im, ["CONGRATULATIONS", "AVA SINGH"], (40, 600), 44)
    im.save(folder / "poster.jpg", quality=92)
    im = fixture("biden/biden.jpg", (1200, 900))
    where["turned.jpg"] = turned_label(im, "Maya Chen", (760, 420), 44, 25)
    im.save(folder / "turned.jpg", quality=92)
    im = fixture("alex_lacamoire/alex1.jpg", (1200, 900))
    where["first-name.jpg"] = label(im, ["Great job, Noah!"], (60, 700), 44)
    im.save(folder / "first-name.jpg", quality=92)
    im = fixture("obama/obama2.jpg", (1200, 900))
    where["stranger.jpg"] = label(im, ["Harry Potter"], (60, 60), 44)
    im.save(folder / "stranger.jpg", quality=92)
    return where


def school(home: Path, roster: Path) -> None:
    roster.write_text(ROSTER, "utf-8")
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, roster), "office")


def run_scan(ws: Workspace, paths: list[Path]) -> dict[str, FileResult]:
    events = list(scan(ws, paths))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    return {Path(f.rel).name: f for f in final.report.files}


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The drawn photos scanned once (the OCR is the costly part), and a second time."""
    require_fixtures()
    base = tmp_path_factory.mktemp("written")
    where = draw_photos(base / "photos")
    home = base / "home"
    school(home, base / "roster.csv")
    with open_workspace(home) as ws:
        first = run_scan(ws, [base / "photos"])
        again = run_scan(ws, [base / "photos"])
    return {"where": where, "first": first, "again": again, "home": home, "folder": base / "photos"}


def names_read(result: FileResult) -> set[str]:
    return {
        str(f.student_id)
        for f in result.findings
        if f.type == FindingType.FULL_NAME and f.field == TEXT_IN_PICTURE
    }


def centre_inside(box: tuple[int, int, int, int], rect: Rect) -> bool:
    left, top, width, height = box
    cx, cy = left + width / 2, top + height / 2
    return rect[0] <= cx <= rect[2] and rect[1] <= cy <= rect[3]


EXPECTED = {
    "tag.jpg": {"1001"},
    "certificate.jpg": {"1002"},
    "poster.jpg": {"1005"},
    "turned.jpg": {"1003"},
    "first-name.jpg": set(),
    "stranger.jpg": set(),
}


def test_exactly_the_full_names_of_roster_students_are_found(written: dict) -> None:
    results = written["first"]
    assert {name: names_read(r) for name, r in results.items()} == EXPECTED
    for name, expected in EXPECTED.items():
        verdict = results[name].verdict
        assert verdict == (VerdictKind.FLAGGED if expected else VerdictKind.CLEAR), (
            name,
            results[name].assessment.reason,
        )


def test_each_name_has_the_box_of_its_text_the_text_read_and_a_confidence(
    written: dict,
) -> None:
    for name, _expected in EXPECTED.items():
        for f in written["first"][name].findings:
            if f.type != FindingType.FULL_NAME:
                continue
            assert f.box is not None and centre_inside(f.box, written["where"][name]), name
            assert f.text is not None and f.span is not None
            start, end = f.span
            read = f.text[start:end].casefold()
            assert read.replace("'", "").replace("’", "") in {
                "liam obrien",
                "zoë martínez",
                "zoe martinez",
                "ava singh",
                "maya chen",
            }, read
            assert f.confidence is not None and 0.5 <= f.confidence <= 1.0
    reason = written["first"]["tag.jpg"].assessment.reason
    assert "text in the picture" in reason


def test_the_report_says_text_was_read_and_how_often(written: dict) -> None:
    tag = written["first"]["tag.jpg"]
    doc = tag.as_json()
    assert doc["text_frames_read"] == 1
    finding = next(f for f in doc["findings"] if f["type"] == "full_name")
    assert finding["field"] == "text in the picture" and "confidence" in finding


def test_a_rescan_reads_the_text_from_the_cache(written: dict) -> None:
    for name, result in written["again"].items():
        assert result.cached, name
        assert names_read(result) == EXPECTED[name]
        first = written["first"][name].findings
        assert result.findings == first


def test_off_in_settings_no_text_is_read_and_the_report_says_so(
    written: dict, tmp_path: Path
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(written["home"], home)
    with open_workspace(home) as ws:
        off = ws.with_settings(with_overrides(ws.settings, read_text_in_pictures=False))
        events = list(scan(off, [written["folder"] / "tag.jpg"]))
    final = events[-1]
    assert isinstance(final, ScanFinished)
    (tag,) = final.report.files
    assert names_read(tag) == set() and tag.assessment.text_frames == 0
    assert final.report.settings["read_text_in_pictures"] is False
    assert tag.verdict == VerdictKind.CLEAR


def test_a_safe_copy_of_a_photo_with_a_name_tag_comes_out_clear(
    written: dict, tmp_path: Path
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(written["home"], home)
    with open_workspace(home) as ws:
        preview = make_safe_copy(ws, written["folder"] / "tag.jpg", "blur", processes=1)
        try:
            assert preview.rescan.verdict == VerdictKind.CLEAR, preview.rescan.reason
            assert [t.student_ids for t in preview.texts] == [("1001",)]
            (covered,) = preview.texts
            assert centre_inside(covered.box, written["where"]["tag.jpg"])
            left, top, width, height = covered.region
            with Image.open(preview.path) as im:
                pixels = np.asarray(im.convert("RGB"), dtype=np.int16)
            patch = pixels[top : top + height, left : left + width]
            # A solid cover (JPEG moves a few levels), not a blur of the name.
            assert np.abs(patch - np.array(BOX_COLOUR)).max() <= 24
            assert any("solid box" in note for note in preview.notes)
            # Nothing else was covered: "HELLO my name is" holds no name.
            assert covered.box[1] > written["where"]["tag.jpg"][1] + 40
        finally:
            preview.discard()


def test_a_full_name_written_in_a_video_frame_is_found_with_its_time(
    written: dict, tmp_path: Path
) -> None:
    import av
    from videos import write_video  # tests/videos.py

    frames = []
    with av.open(str(VIDEO)) as clip:
        start: float | None = None
        for frame in clip.decode(video=0):
            start = float(frame.time) if start is None else start
            t = float(frame.time) - start  # the copy starts at 0 s
            if t > 4.0:
                break
            picture = frame.to_image()
            if 2.0 <= t < 3.0:
                label(picture, ["Liam O'Brien"], (20, 280), 30)
            frames.append((t, np.asarray(picture)))
    video = write_video(tmp_path / "name-card.mp4", frames)
    import shutil

    home = tmp_path / "home"
    shutil.copytree(written["home"], home)
    with open_workspace(home) as ws:
        (result,) = run_scan(ws, [video]).values()
    found = [
        f for f in result.findings if f.type == FindingType.FULL_NAME and f.field == TEXT_IN_PICTURE
    ]
    assert found, result.assessment.reason
    assert {f.student_id for f in found} == {"1001"}
    assert all(f.time_s is not None and 2.0 <= f.time_s < 3.0 for f in found), [
        f.time_s for f in found
    ]
    assert result.verdict == VerdictKind.FLAGGED
    doc = result.as_json(frames_per_second=4.0)
    assert doc["sampling"]["text_every_s"] == 1.0
    # Text is read less densely than faces are searched.
    assert result.assessment.text_frames < result.assessment.frames_checked


# --------------------------------------------------------------- near names, models


@pytest.fixture
def index() -> NameIndex:
    return NameIndex(
        [
            Student("1001", "O'Brien", "Liam"),
            Student("1002", "Martínez", "Zoë"),
            Student("1003", "Li", "Al"),
        ]
    )


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("HELLO my name is Liam 0'Brien", {"1001"}),  # a zero read for the O
        ("Lian OBrien", {"1001"}),
        ("Zoe Martlnez", {"1002"}),
        ("Liam O'Brien", set()),  # exact: names.py's finding, not a near one
        ("Al Lu", set()),  # short names must be read exactly
        ("Team Liam rocks", set()),
        ("Kim O'Hara", set()),
    ],
)
def test_text_one_letter_from_a_full_name_is_near_it(
    index: NameIndex, text: str, who: set[str]
) -> None:
    near = {n.student_id for n in near_full_names(index, text)}
    exact = {m.student_id for m in index.find(text)}
    assert near - exact == who


def test_a_blurred_name_tag_goes_to_review_not_clear(tmp_path: Path) -> None:
    from photoguard.faces.detect import Box
    from photoguard.faces.match import ReferenceSet
    from photoguard.metadata import CaptionFields
    from photoguard.scan.analysis import FileAnalysis, TextHit
    from photoguard.scan.verdict import assess

    names = NameIndex([Student("1001", "O'Brien", "Liam")])
    analysis = FileAnalysis(
        kind="photo",
        width=800,
        height=600,
        frames_checked=1,
        texts=(TextHit("Liam O'Brlen", 0.62, Box(10, 10, 200, 40)),),
        text_frames=1,
    )
    got = assess(analysis, CaptionFields((), ()), ReferenceSet([]), names)
    assert got.verdict == VerdictKind.REVIEW
    (finding,) = got.findings
    assert finding.type == FindingType.POSSIBLE_FULL_NAME and finding.student_id == "1001"
    assert finding.box == (10, 10, 200, 40) and finding.confidence == 0.62
    assert "may be a student's full name" in got.reason


def test_a_changed_model_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from photoguard.ocr import model

    name, _sha = model.FILES["detect"]
    monkeypatch.setitem(model.FILES, "detect", (name, "0" * 64))
    with pytest.raises(UserError, match="does not match"):
        model.model_file("detect")


def test_no_model_is_read_from_outside_the_installed_wheel() -> None:
    from photoguard.ocr import model

    for role in model.FILES:
        path = model.model_file(role)
        assert "rapidocr" in path.parts and path.suffix == ".onnx"
