"""Reading a picture-day delivery's PSPA ``index.txt``.

Portrait vendors deliver school photos with a tab-delimited index in the PSPA
layout (13 fields): Volume Name, Image Folder, Image File Name, Grade, Last Name,
First Name, Home Room, Period, Teacher Name, Track, Department, Title, Image Size.
Vendors also send shorter variants with a student ID in one of the columns; some
files have a header row, some do not; most have Windows line endings.

This module only reads rows. Matching them to roster students is enroll.py's job.
:func:`path_problem` says which rows name a photo outside the delivery folder (an
absolute Image Folder, a ``..``, a file name that is a path): enroll refuses those
rows, and also any photo that a link leads outside the folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.roster.cells import decode_text
from photoguard.roster.columns import norm_header

PSPA_FIELDS = (
    "Volume Name",
    "Image Folder",
    "Image File Name",
    "Grade",
    "Last Name",
    "First Name",
    "Home Room",
    "Period",
    "Teacher Name",
    "Track",
    "Department",
    "Title",
    "Image Size",
)
MAX_INDEX_BYTES = 50 * 1024 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_IMAGE_NAME = re.compile(r"\.(jpe?g|png|tiff?|heic|bmp|webp)$", re.IGNORECASE)

_HEADER_ROLES = {
    "folder": ("imagefolder", "folder"),
    "file": ("imagefilename", "imagefile", "filename", "image", "photo"),
    "grade": ("grade", "gradelevel"),
    "last": ("lastname", "last", "surname"),
    "first": ("firstname", "first"),
    "id": ("studentid", "lasid", "localid", "studentnumber", "id", "pupilnumber", "idnumber"),
}


@dataclass(frozen=True)
class IndexRow:
    line: int
    cells: tuple[str, ...]
    image_folder: str
    image_file: str
    grade: str
    last_name: str
    first_name: str


#: Either separator: an index written on Windows names folders with backslashes.
_SEPARATOR = re.compile(r"[/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _absolute(text: str) -> bool:
    return PurePosixPath(text).is_absolute() or bool(PureWindowsPath(text).anchor)


def path_problem(row: IndexRow) -> str | None:
    """Why the photo this row names may be outside the delivery folder, or None.

    Only the text is looked at (nothing is opened): the Image File Name must be a plain
    file name, and the Image Folder a relative path that never goes up (``..``). Where
    a relative path leads through links is for the caller to check.
    """
    name, folder = row.image_file, row.image_folder
    if _CONTROL.search(name) or _CONTROL.search(folder):
        return "its image file or folder name holds control characters"
    if _SEPARATOR.search(name) or name in (".", ".."):
        return f"its image file name '{display(name)}' is a path, not a file name"
    if _absolute(folder):
        return (
            f"its image folder '{display(folder)}' is an absolute path, outside the delivery folder"
        )
    if ".." in _SEPARATOR.split(folder):
        return f"its image folder '{display(folder)}' leads out of the delivery folder ('..')"
    return None


def folder_parts(row: IndexRow) -> tuple[str, ...]:
    """The Image Folder as path parts, either separator (rows :func:`path_problem` passed)."""
    return tuple(p for p in _SEPARATOR.split(row.image_folder) if p not in ("", "."))


@dataclass(frozen=True)
class PspaIndex:
    rows: tuple[IndexRow, ...]
    has_header: bool
    #: Whether the columns holding names are known (13-field layout or a header).
    names_known: bool


def _looks_like_header(cells: list[str]) -> bool:
    normed = {norm_header(c) for c in cells}
    known = {a for aliases in _HEADER_ROLES.values() for a in aliases}
    return len(normed & known) >= 2 and not any(_IMAGE_NAME.search(c) for c in cells)


def read_index(path: Path) -> PspaIndex:
    """Parse the index. Raises UserError (one sentence) if it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_INDEX_BYTES:
            raise UserError(f"{path.name} is {size // 1_000_000} MB, too large for an index")
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    text = decode_text(data)
    # Lines end at CR, LF or CRLF only: str.splitlines() would also cut a name at
    # U+2028, U+0085 or a form feed and shift every column after it.
    numbered = enumerate(_LINE_BREAK.split(text), start=1)
    lines = [(n, line) for n, line in numbered if line.strip()]
    if not lines:
        raise UserError(f"{path.name} is empty")
    first = lines[0][1].split("\t")
    has_header = _looks_like_header(first)
    positions: dict[str, int] = {}
    if has_header:
        normed = [norm_header(c) for c in first]
        for role, aliases in _HEADER_ROLES.items():
            for alias in aliases:
                if alias in normed:
                    positions[role] = normed.index(alias)
                    break
        lines = lines[1:]
    rows: list[IndexRow] = []
    widths = set()
    for n, line in lines:
        cells = [c.strip().strip('"') for c in line.split("\t")]
        widths.add(len(cells))
        if has_header:
            pos = positions
        elif len(cells) >= 13:
            pos = {"folder": 1, "file": 2, "grade": 3, "last": 4, "first": 5}
        else:
            pos = {}
            guess = next((i for i, c in enumerate(cells) if _IMAGE_NAME.search(c)), None)
            if guess is not None:
                pos["file"] = guess

        def cell(role: str, cells: list[str] = cells, pos: dict[str, int] = pos) -> str:
            i = pos.get(role)
            return cells[i] if i is not None and i < len(cells) else ""

        rows.append(
            IndexRow(
                line=n,
                cells=tuple(cells),
                image_folder=cell("folder"),
                image_file=cell("file"),
                grade=cell("grade"),
                last_name=cell("last"),
                first_name=cell("first"),
            )
        )
    if not rows:
        raise UserError(f"{path.name} has a header but no rows")
    no_file = [str(r.line) for r in rows if not r.image_file]
    if no_file:
        raise UserError(
            f"{path.name}: no image file name on line {', '.join(no_file[:5])}"
            + (" and more" if len(no_file) > 5 else "")
        )
    names_known = has_header and "last" in positions and "first" in positions
    names_known = names_known or (not has_header and min(widths) >= 13)
    return PspaIndex(rows=tuple(rows), has_header=has_header, names_known=names_known)
