"""A small school built from the real fixture photos, shared by the face tests.

Identities in ../shared/fixtures play students. Obama, Kit Harington and
Lin-Manuel Miranda are opted out (their picture-day photos are obama.jpg,
kit1.jpg and lin1.png); Biden, Rose Leslie and Alex Lacamoire are not. Nemo
Nobody is opted out but has no photo: a coverage gap.

The fixture photos carry their press captions ("President Barack Obama and Vice
President Joe Biden ...", "Music Director Alex Lacamoire ..."), and the folders are
named after the people. First names here differ from those ("Barry Obama",
"Joseph Biden", "Roseanne Leslie", "Alexander Lacamoire") so that captions and
folder names are not full-name findings and the face tests test faces; the
caption tests use the real names on purpose.
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

OPTED_OUT_IDENTITIES = {"obama": "1001", "kit_harington": "1003", "lin_manuel_miranda": "1006"}
#: Fixture photo -> the opted-out students in it.
EXPECTED_FLAGGED = {
    "groups/kit_rose.jpg": {"1003"},
    "groups/obama_biden_1.jpg": {"1001"},
    "groups/obama_biden_2.jpg": {"1001"},
    "kit_harington/kit1.jpg": {"1003"},
    "kit_harington/kit2.jpg": {"1003"},
    "kit_harington/kit3.jpg": {"1003"},
    "lin_manuel_miranda/lin1.png": {"1006"},
    "misc/rgba_32bit.png": {"1001"},
    **{
        f"obama/{n}": {"1001"}
        for n in (
            "obama-1080p.jpg",
            "obama-240p.jpg",
            "obama-480p.jpg",
            "obama-720p.jpg",
            "obama.jpg",
            "obama2.jpg",
            "obama3.jpg",
            "obama4.jpg",
            "obama_partial_face.jpg",
            "obama_partial_face2.jpg",
            "obama_small.jpg",
        )
    },
}
EXPECTED_CLEAR = {
    "alex_lacamoire/alex1.jpg",
    "alex_lacamoire/alex2.png",
    "alex_lacamoire/alex3.jpg",
    "biden/biden.jpg",
    "biden/biden2.jpg",
    "rose_leslie/rose1.jpg",
    "rose_leslie/rose2.jpg",
}

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


def _fixtures_faces() -> Path:
    from conftest import FACES

    return FACES


FACES_DIR = _fixtures_faces()
