"""A picture-day index can only name photos inside the delivery folder.

The fixture delivery (tests/faceworld.py) with Barry Obama's row pointed at a photo
of another person (Joseph Biden) outside the folder: through an absolute Image
Folder, a ``..``, a file name that is a path, or a link. Enrolled, Biden's face
would become Obama's reference, and photos of Obama would pass as clear. Each such
row is refused with a reason, the photo is never opened, and nothing is stored
for Obama; the other rows are enrolled as usual.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import FACES
from faceworld import PSPA_HEADER, pspa_row, write_picture_day, write_roster

from photoguard.references.enroll import enroll, plan_folder, status
from photoguard.roster.importing import apply_import, preview_import
from photoguard.workspace.folder import Workspace

pytestmark = pytest.mark.faces

#: Files opened by this process (the parent plans and hashes every photo it enrolls).
OPENED: list[str] = []
WATCHING = [False]


def _watch(event: str, args: tuple[object, ...]) -> None:
    if WATCHING[0] and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_watch)


@contextmanager
def files_opened() -> Iterator[list[str]]:
    """The files this process opens inside the ``with`` block."""
    OPENED.clear()
    WATCHING[0] = True
    try:
        yield OPENED
    finally:
        WATCHING[0] = False


def delivery(tmp_path: Path) -> tuple[Path, Path]:
    """The picture-day folder, and a photo of Joseph Biden outside it."""
    folder = write_picture_day(tmp_path / "picture-day", FACES)
    outside = tmp_path / "elsewhere" / "0001.jpg"
    outside.parent.mkdir()
    shutil.copyfile(FACES / "biden" / "biden.jpg", outside)
    return folder, outside


def write_index(folder: Path, obama_folder: str, obama_file: str) -> None:
    rows = [
        PSPA_HEADER,
        pspa_row(obama_folder, obama_file, "05", "OBAMA", "Barry"),
        pspa_row("Images", "0002.jpg", "04", "Harington", "Kit"),
    ]
    (folder / "index.txt").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))


def absolute(folder: Path, outside: Path) -> tuple[str, str]:
    return str(outside.parent), outside.name


def dot_dot(folder: Path, outside: Path) -> tuple[str, str]:
    return "../elsewhere", outside.name


def dot_dot_in_the_middle(folder: Path, outside: Path) -> tuple[str, str]:
    return "Images\\..\\..\\elsewhere", outside.name  # as written on Windows


def file_name_is_a_path(folder: Path, outside: Path) -> tuple[str, str]:
    return "Images", "../../elsewhere/0001.jpg"


def file_name_is_absolute(folder: Path, outside: Path) -> tuple[str, str]:
    return "", str(outside)


def linked_photo(folder: Path, outside: Path) -> tuple[str, str]:
    (folder / "Images" / "0001.jpg").unlink()
    (folder / "Images" / "0001.jpg").symlink_to(outside)
    return "Images", "0001.jpg"


def linked_folder(folder: Path, outside: Path) -> tuple[str, str]:
    (folder / "Extra").symlink_to(outside.parent, target_is_directory=True)
    return "Extra", "0001.jpg"


def linked_photo_found_by_name(folder: Path, outside: Path) -> tuple[str, str]:
    (folder / "Images" / "0001.jpg").unlink()
    (folder / "Retakes").mkdir()
    (folder / "Retakes" / "obama.jpg").symlink_to(outside)
    return "Not There", "obama.jpg"  # the folder is wrong: the photo is looked for by name


WAYS: dict[str, tuple[Callable[[Path, Path], tuple[str, str]], str]] = {
    "absolute image folder": (absolute, "is an absolute path, outside the delivery folder"),
    "'..' in the image folder": (dot_dot, "leads out of the delivery folder ('..')"),
    "'..' between backslashes (Windows)": (
        dot_dot_in_the_middle,
        "leads out of the delivery folder",
    ),
    "file name with '..'": (file_name_is_a_path, "is a path, not a file name"),
    "absolute file name": (file_name_is_absolute, "is a path, not a file name"),
    "photo linked outside": (linked_photo, "Images/0001.jpg is a link to a file outside"),
    "folder linked outside": (linked_folder, "Extra/0001.jpg is a link to a file outside"),
    "photo found by name, linked outside": (
        linked_photo_found_by_name,
        "Retakes/obama.jpg is a link to a file outside",
    ),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_a_row_naming_a_photo_outside_the_delivery_is_refused_and_never_read(
    ws: Workspace, tmp_path: Path, way: str
) -> None:
    make, reason = WAYS[way]
    apply_import(ws, preview_import(ws, write_roster(tmp_path / "roster.csv")), "office")
    folder, outside = delivery(tmp_path)
    write_index(folder, *make(folder, outside))

    with files_opened() as opened:
        plan = plan_folder(ws, folder)
        result = enroll(ws, plan, "office", processes=1)

    assert len(plan.unmatched) == 1, plan.unmatched
    (row,) = plan.unmatched
    assert row.label.startswith("index.txt line 2 (")  # Barry Obama's row
    assert reason in row.reason, row.reason
    assert row.reason.endswith(": not read (only photos inside the delivery folder are)")
    assert [c.student.student_id for c in plan.candidates] == ["1003"]
    assert all(c.photo.resolve().is_relative_to(folder.resolve()) for c in plan.candidates)
    # Kit Harington's row is enrolled; Barry Obama gets nothing, least of all Biden's face.
    assert result.added == {"1003": 1}
    assert {s.student.student_id: s.references for s in status(ws)}["1001"] == 0
    assert not [p for p in opened if Path(p).resolve() == outside.resolve()]
    assert any(Path(p).name == "0002.jpg" for p in opened)  # the watch does see photos read


def test_subfolders_written_with_backslashes_are_followed(ws: Workspace, tmp_path: Path) -> None:
    """An index written on Windows names subfolders with backslashes; vendors number the
    photos per grade, so the same file name is in two folders and only the path tells
    which photo is whose. ``./`` and a trailing separator are fine too."""
    apply_import(ws, preview_import(ws, write_roster(tmp_path / "roster.csv")), "office")
    folder, _ = delivery(tmp_path)
    for grade, photo in (("Grade 5", "0001.jpg"), ("Grade 4", "0005.jpg")):
        (folder / "Images" / grade).mkdir()
        shutil.move(folder / "Images" / photo, folder / "Images" / grade / "0001.jpg")
    rows = [
        PSPA_HEADER,
        pspa_row("Images\\Grade 5", "0001.jpg", "05", "OBAMA", "Barry"),
        pspa_row("Images\\Grade 4", "0001.jpg", "04", "Leslie", "Roseanne"),
        pspa_row("./Images/", "0002.jpg", "04", "Harington", "Kit"),
    ]
    (folder / "index.txt").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    plan = plan_folder(ws, folder)
    assert plan.unmatched == ()
    assert plan.not_opted_out == 1  # Roseanne Leslie: her photo is not even looked for
    assert {c.student.student_id: c.label for c in plan.candidates} == {
        "1001": "Images/Grade 5/0001.jpg",
        "1003": "Images/0002.jpg",
    }


def test_a_photo_swapped_for_a_link_after_planning_is_not_read(
    ws: Workspace, tmp_path: Path
) -> None:
    """The app shows the plan, then enrolls when asked: a photo replaced meanwhile by a
    link leading outside the delivery is refused then, not read."""
    apply_import(ws, preview_import(ws, write_roster(tmp_path / "roster.csv")), "office")
    folder, outside = delivery(tmp_path)
    write_index(folder, "Images", "0001.jpg")
    plan = plan_folder(ws, folder)
    assert sorted(c.student.student_id for c in plan.candidates) == ["1001", "1003"]
    (folder / "Images" / "0001.jpg").unlink()
    (folder / "Images" / "0001.jpg").symlink_to(outside)
    with files_opened() as opened:
        result = enroll(ws, plan, "office", processes=1)
    assert [(r.student_id, r.label, r.reason) for r in result.rejected] == [
        ("1001", "Images/0001.jpg", "it now leads outside the delivery folder (a link): not read")
    ]
    assert result.added == {"1003": 1}
    assert not [p for p in opened if Path(p).resolve() == outside.resolve()]
