"""The fixture school: students played by the people in ../shared/fixtures/faces.

One definition, used by the tests (tests/faceworld.py, which adds what each fixture photo
is expected to give), the screenshots (ui/screenshots.py, which adds students for its
captions and a second month's export) and anything else that needs a school to check.

Obama, Kit Harington and Lin-Manuel Miranda are opted out (their picture-day photos are
obama.jpg, kit1.jpg and lin1.png); Biden, Rose Leslie and Alex Lacamoire are not. Nemo
Nobody is opted out but has no photo: a coverage gap. First names differ from the
people's real ones ("Barry Obama", "Joseph Biden", ...) so that the fixtures' press
captions and folder names are not full-name findings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROSTER_CSV = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "1001,Obama,Barry,,5,101,Y\r\n"
    "1002,Biden,Joseph,,5,101,N\r\n"
    "1003,Harington,Christopher,Kit,4,102,Yes\r\n"
    "1004,Leslie,Roseanne,,4,102,\r\n"
    "1005,Lacamoire,Alexander,,3,103,No\r\n"
    "1006,Miranda,Lin-Manuel,,3,103,X\r\n"
    "1007,Nobody,Nemo,,3,103,Y\r\n"
    "1008,Smith,John,,5,101,N\r\n"
)


PSPA_HEADER = (
    "Volume Name\tImage Folder\tImage File Name\tGrade\tLast Name\tFirst Name\tHome Room\t"
    "Period\tTeacher Name\tTrack\tDepartment\tTitle\tImage Size"
)


def pspa_row(folder: str, image: str, grade: str, last: str, first: str) -> str:
    return "\t".join(
        ["PD2026", folder, image, grade, last, first, "101", "", "Ms. Tan", "", "", "", "640x800"]
    )


def write_roster(path: Path, text: str = ROSTER_CSV) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def write_picture_day(folder: Path, faces: Path) -> Path:
    """A vendor delivery: index.txt (13-field PSPA, header, CRLF) and images in a subfolder."""
    images = folder / "Images"
    images.mkdir(parents=True)
    copies = {
        "0001.jpg": faces / "obama" / "obama.jpg",
        "0002.jpg": faces / "kit_harington" / "kit1.jpg",
        "0003.png": faces / "lin_manuel_miranda" / "lin1.png",
        "0004.jpg": faces / "biden" / "biden.jpg",
        "0005.jpg": faces / "rose_leslie" / "rose1.jpg",
    }
    for name, src in copies.items():
        shutil.copyfile(src, images / name)
    rows = [
        PSPA_HEADER,
        pspa_row("Images", "0001.jpg", "05", "OBAMA", "Barry"),
        pspa_row("Images", "0002.jpg", "04", "Harington", "Kit"),
        pspa_row("Images", "0003.png", "03", "Miranda", "Lin-Manuel"),
        pspa_row("Images", "0004.jpg", "05", "Biden", "Joseph"),
        pspa_row("Images", "0005.jpg", "04", "Leslie", "Roseanne"),
        pspa_row("Images", "0099.jpg", "02", "Doe", "Jane"),
    ]
    (folder / "index.txt").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    return folder
