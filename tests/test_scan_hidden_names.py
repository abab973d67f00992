"""The scan flags every full name written in the places and spellings it used to miss
(issue 15, case 19), through the command line, with the fixture school's roster.

Policy 3.d.3: never a student's full name in any photograph, opted out or not. Each
finding is ``full_name`` (the file is flagged), names the field the name came from
and its place (``span``) in that field's text. First names alone stay clear.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import piexif
import pytest
from container_writers import (
    avi_replace_info,
    clusters,
    fill_void,
    info,
    info_list,
    matroska,
    mp4_append_to_moov,
    opencv_video,
    simple_tag,
    tags,
    tracks,
)
from faceworld import write_roster
from test_metadata_samples import (
    box,
    data_box,
    exif_segment,
    itunes_udta,
    jpeg_with,
    plain_jpeg,
)

from photoguard.cli.main import main

LONG = "IMG_20230101_123456789_very_long_name_that_goes_on.jpg"

#: Captions written into photos (EXIF ImageDescription): (file, caption, student,
#: the name as marked). The roster is tests/faceworld.py's: Kit is Christopher
#: Harington's preferred name.
CAPTIONS = [
    ("c01.jpg", "harington, kit at the science fair", "1003", "harington, kit"),
    ("c02.jpg", "ROSTER\nHARINGTON KIT\nLESLIE R.", "1003", "HARINGTON KIT"),
    ("c03.jpg", "go team kit-harington", "1003", "kit-harington"),
    ("c04.jpg", "So proud! #kitharington", "1003", "kitharington"),
    ("c05.jpg", "https://school.org/news/kit-harington-wins", "1003", "kit-harington"),
    ("c06.jpg", "Congratulations to Kit\n        Harington!", "1003", "Kit\n        Harington"),
    ("c07.jpg", "Kit       Harington, grade 4", "1003", "Kit       Harington"),
    ("c08.jpg", "Kit Har\u00adington", "1003", "Kit Har\u00adington"),
    ("c09.jpg", "Kit \u200fHarington", "1003", "Kit \u200fHarington"),
    ("c10.jpg", "K\u200bit Har\u00adington", "1003", "K\u200bit Har\u00adington"),
]
#: File names holding a full name: (file, student, the name as marked).
FILE_NAMES = [
    ("kitharington.jpg", "1003", "kitharington"),
    ("KITHARINGTON.jpg", "1003", "KITHARINGTON"),
    ("Kit%20Harington.jpg", "1003", "Kit%20Harington"),
    ("Kit+Harington.jpg", "1003", "Kit+Harington"),
    ("Kit,Harington.jpg", "1003", "Kit,Harington"),
]
#: Sidecars beside a photo: (photo, sidecar, its text or Takeout person, student).
SIDECARS = [
    ("IMG_2.jpg", "IMG_2.jpg.txt", "Roseanne Leslie's painting", "1004"),
    (LONG, "IMG_20230101_123456789_very_long_name_th.json", "Alexander Lacamoire", "1005"),
    ("IMG_1(1).jpg", "IMG_1.jpg(1).json", "Joseph Biden", "1002"),
    ("IMG_3.jpg", "IMG_3.jpg.supplemental-metad.json", "John Smith", "1008"),
    ("IMG_4.jpg", "IMG_4.jpg.suppl.json", "Nemo Nobody", "1007"),
]
#: Photos that must stay clear: a first name alone, with an initial, a surname alone.
CLEAR = [
    ("k1.jpg", "Kit did great today"),
    ("k2.jpg", "Kit H. and Joseph B. at recess"),
    ("k3.jpg", "Harington family picnic"),
    ("k4.jpg", "#kit #teamkit"),
    ("k5.jpg", "SMITH WILL HELP AT THE BAKE SALE"),
]


def captioned(path: Path, caption: str) -> None:
    path.write_bytes(
        jpeg_with(exif_segment({"0th": {piexif.ImageIFD.ImageDescription: caption.encode()}}))
    )


def takeout(path: Path, person: str) -> None:
    path.write_text(json.dumps({"title": "IMG.jpg", "people": [{"name": person}]}))


@pytest.fixture(scope="module")
def names_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the fixture school's roster (no faces enrolled: names only)."""
    base = tmp_path_factory.mktemp("names-home")
    home = base / "home"
    assert main(["--home", str(home), "roster", "import", str(write_roster(base / "r.csv"))]) == 0
    return home


@pytest.fixture(scope="module")
def names_scan(names_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One scan, through the CLI, of a folder with every case in it."""
    base = tmp_path_factory.mktemp("names-drop")
    drop = base / "drop"
    drop.mkdir()
    for name, caption, _, _ in CAPTIONS:
        captioned(drop / name, caption)
    for name, _, _ in FILE_NAMES:
        (drop / name).write_bytes(plain_jpeg())
    for photo, sidecar, text, _ in SIDECARS:
        (drop / photo).write_bytes(plain_jpeg())
        if sidecar.endswith(".json"):
            takeout(drop / sidecar, text)
        else:
            (drop / sidecar).write_text(text)
    for name, caption in CLEAR:
        captioned(drop / name, caption)
    # Videos: a WebM titled, an FFmpeg MKV tagged, an AVI's INFO, an MP4's artist.
    (drop / "v1.webm").write_bytes(
        matroska(info("Lin-Manuel Miranda's solo"), tracks(), clusters(), doctype="webm")
    )
    raw = opencv_video(base / "raw.mkv")
    (drop / "v2.mkv").write_bytes(fill_void(raw, tags(simple_tag("ARTIST", "miranda, lin-manuel"))))
    raw = opencv_video(base / "raw.avi")
    (drop / "v3.avi").write_bytes(avi_replace_info(raw, info_list([(b"INAM", "John Smith")])))
    raw = opencv_video(base / "raw.mp4", "mp4v")
    (drop / "v4.mp4").write_bytes(
        mp4_append_to_moov(
            raw,
            itunes_udta(
                box(b"\xa9ART", data_box("Barry Obama")),
                box(b"\xa9alb", data_box("Joseph Biden")),
                box(b"keyw", data_box("assembly, nemonobody")),
            ),
        )
    )
    (drop / "v5.mkv").write_bytes(matroska(info("Lin-Manuel's solo"), tracks(), clusters()))
    report = base / "report.json"
    status = main(["--home", str(names_home), "scan", str(drop), "--json", str(report)])
    doc = json.loads(report.read_text("utf-8"))
    return {"status": status, "files": {Path(f["path"]).name: f for f in doc["files"]}}


def full_names(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, student, the text the span marks) of each full-name finding."""
    out = []
    for f in result["findings"]:
        if f["type"] == "full_name":
            start, end = f["span"]
            out.append((f["field"], f["student_id"], f["text"][start:end]))
    return out


def test_the_scan_is_not_clear(names_scan: dict[str, Any]) -> None:
    assert names_scan["status"] == 1


@pytest.mark.parametrize(("name", "caption", "student", "matched"), CAPTIONS)
def test_hidden_names_in_captions_are_flagged(
    names_scan: dict[str, Any], name: str, caption: str, student: str, matched: str
) -> None:
    result = names_scan["files"][name]
    assert result["verdict"] == "flagged"
    assert full_names(result) == [("EXIF:ImageDescription", student, matched)]


@pytest.mark.parametrize(("name", "student", "matched"), FILE_NAMES)
def test_hidden_names_in_file_names_are_flagged(
    names_scan: dict[str, Any], name: str, student: str, matched: str
) -> None:
    result = names_scan["files"][name]
    assert result["verdict"] == "flagged"
    assert full_names(result) == [("filename", student, matched)]


@pytest.mark.parametrize(("photo", "sidecar", "text", "student"), SIDECARS)
def test_names_in_sidecars_under_their_real_names_are_flagged(
    names_scan: dict[str, Any], photo: str, sidecar: str, text: str, student: str
) -> None:
    result = names_scan["files"][photo]
    assert result["verdict"] == "flagged"
    name = text.removesuffix("'s painting")
    assert full_names(result) == [(f"sidecar:{sidecar}", student, name)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("v1.webm", [("Matroska:Title", "1006", "Lin-Manuel Miranda")]),
        ("v2.mkv", [("Matroska:Tag:ARTIST", "1006", "miranda, lin-manuel")]),
        ("v3.avi", [("AVI:INAM", "1008", "John Smith")]),
        (
            "v4.mp4",
            [
                ("MP4:artist", "1001", "Barry Obama"),
                ("MP4:album", "1002", "Joseph Biden"),
                ("MP4:keywords", "1007", "nemonobody"),
            ],
        ),
    ],
)
def test_names_in_video_titles_and_tags_are_flagged(
    names_scan: dict[str, Any], name: str, expected: list[tuple[str, str, str]]
) -> None:
    result = names_scan["files"][name]
    assert result["verdict"] == "flagged"
    assert full_names(result) == expected
    # The video itself was read through: the name is the only finding.
    assert [f["type"] for f in result["findings"]] == ["full_name"] * len(expected)


@pytest.mark.parametrize("name", [n for n, _ in CLEAR] + ["v5.mkv"])
def test_first_names_and_near_misses_stay_clear(names_scan: dict[str, Any], name: str) -> None:
    result = names_scan["files"][name]
    assert result["findings"] == [] and result["verdict"] == "clear"
