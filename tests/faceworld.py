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

from pathlib import Path

from benchmarks.school import (
    PSPA_HEADER,
    ROSTER_CSV,
    pspa_row,
    write_picture_day,
    write_roster,
)

__all__ = [
    "EXPECTED_CLEAR",
    "EXPECTED_FLAGGED",
    "FACES_DIR",
    "OPTED_OUT_IDENTITIES",
    "PSPA_HEADER",
    "ROSTER_CSV",
    "partial_face_school",
    "pspa_row",
    "write_picture_day",
    "write_roster",
]

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


def _fixtures_faces() -> Path:
    from conftest import FACES

    return FACES


FACES_DIR = _fixtures_faces()


def partial_face_school(home: Path, roster_path: Path) -> Path:
    """A data folder (at ``home``) where Obama (1001) is an adult (a birth date 23 years
    ago, no grade: the check's own distances apply to him as they are) whose only
    reference is a partial-face crop of obama.jpg: 0.22 from obama.jpg's face and 0.38
    from obama2.jpg's, which are 0.35 apart. With flag/review distances set between
    those, the two photos are one face group of unsure or flagged faces of him."""
    from datetime import date

    from photoguard.references.enroll import enroll, plan_student
    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.workspace.folder import open_workspace

    born = f"{date.today().year - 23}-01-15"
    lines = ROSTER_CSV.replace("1001,Obama,Barry,,5,", "1001,Obama,Barry,,,").split("\r\n")
    csv = "\r\n".join(
        [lines[0] + ",Birth Date"]
        + [line + (f",{born}" if line.startswith("1001,") else ",") for line in lines[1:] if line]
    )
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, write_roster(roster_path, csv + "\r\n")), "office")
        reference = FACES_DIR / "obama" / "obama_partial_face.jpg"
        result = enroll(ws, plan_student(ws, "1001", [reference]), "office")
        assert result.added == {"1001": 1}
    return home
