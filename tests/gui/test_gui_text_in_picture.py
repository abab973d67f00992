"""A name tag in a photo, in the app: the text's box drawn and named, the name marked in
the text read (issue 20). A real check of a real fixture photo with a name drawn on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from gui.guitools import idle, wait_for_check

pytestmark = [pytest.mark.gui, pytest.mark.faces]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def name_tag_photo(folder: Path, fixtures_dir: Path) -> Path:
    if not FONT.is_file():
        if os.environ.get("PHOTOGUARD_REQUIRE_FIXTURES"):
            pytest.fail(f"{FONT} is missing (.ci/run installs fonts-dejavu-core)")
        pytest.skip(f"{FONT} is missing: install fonts-dejavu-core")
    folder.mkdir()
    im = Image.open(fixtures_dir / "faces" / "biden" / "biden.jpg").convert("RGB")
    im = im.resize((1200, 900))
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(str(FONT), 40)
    draw.rectangle((700, 640, 1160, 780), fill="white")
    draw.text((720, 650), "HELLO my name is", fill="red", font=font)
    draw.text((720, 710), "Joseph Biden", fill="black", font=font)
    path = folder / "name-tag.jpg"
    im.save(path, quality=92)
    return path


def test_a_name_tag_is_boxed_named_and_marked(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    name_tag_photo(tmp_path / "science fair", fixtures_dir)
    window = make_window(copy_home, user="Ms. Tan")
    idle(qtbot, window)
    window.start_check([tmp_path / "science fair"])
    wait_for_check(qtbot, window)
    idle(qtbot, window)
    check = window.check
    check.select_row(0)
    qtbot.waitUntil(lambda: check.detail.image.has_image(), timeout=10_000)
    boxes = check.detail.image.boxes
    tags = [b for b in boxes if b.label == "Full name of Joseph Biden"]
    assert len(tags) == 1 and tags[0].verdict == "flagged", [b.label for b in boxes]
    left, top, width, height = tags[0].box
    assert 700 <= left + width / 2 <= 1160 and 640 <= top + height / 2 <= 780
    assert "Full name of Joseph Biden (1002) in text in the picture" in check.detail.found.text()
    html = check.detail.captions.toHtml()
    assert "text in the picture" in html and "Joseph Biden" in html
    assert check.detail.captions.isVisibleTo(check.detail)
    assert not check.detail.approve.isEnabled()  # flagged: never simply approved
    if out := os.environ.get("PHOTOGUARD_SCREENSHOT_DIR"):
        window.resize(1280, 800)
        window.grab().save(str(Path(out) / "name-tag.png"))
