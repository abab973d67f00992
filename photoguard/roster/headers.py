"""The headers of a roster file whose columns were not recognised.

When :func:`photoguard.roster.validate.read_roster` cannot tell which column holds
the student ID, the name or the opt-out flag, the app asks a person to map
each role to one of the file's headers and passes that mapping as
``columns`` (the command line's ``--column ROLE=HEADER``). This module finds
the headers to offer. It decides nothing about students: reading and
validating the roster stays in :mod:`photoguard.roster.table` and
:mod:`photoguard.roster.validate`; the rows offered are read by
:mod:`photoguard.roster.cells`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from photoguard.errors import UserError
from photoguard.roster.cells import DELIMITERS, csv_lines, decode_text, read_bytes, xlsx_sheet
from photoguard.roster.columns import HEADER_SEARCH_ROWS, ROLES, Line, find_columns

#: Roles a person must map when the headers are not recognised, and the optional ones.
REQUIRED_ROLES = ("id",)
NAME_ROLES = ("last", "first", "name")
#: One of these: a column where Y means opted out, or one where Y means photos are allowed.
FLAG_ROLES = ("optout", "release")
OPTIONAL_ROLES = ("preferred", "middle", "grade", "homeroom", "yog", "birth")

#: What each role means, for the mapping dialog.
ROLE_LABELS = {
    "id": "Student ID",
    "name": "Full name ('Last, First')",
    "last": "Last name",
    "first": "First name",
    "middle": "Middle name",
    "preferred": "Preferred name",
    "grade": "Grade",
    "homeroom": "Homeroom",
    "yog": "Year of graduation",
    "birth": "Birth date (for the age band; not stored)",
    "optout": "Photo opt-out flag (Y = opted out)",
    "release": "Photo release flag (Y = photos allowed)",
}
assert set(ROLE_LABELS) == set(ROLES)


@dataclass(frozen=True)
class Headers:
    """The row that most looks like a header, and whether photoguard recognised it."""

    headers: tuple[str, ...]
    #: The spreadsheet row number of ``headers``.
    row: int
    recognised: bool


def _candidate_rows(path: Path, sheet: str | None) -> list[Line]:
    data = read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        try:
            return xlsx_sheet(data, sheet)[0][:HEADER_SEARCH_ROWS]
        except UserError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UserError(f"the workbook could not be read ({type(exc).__name__})") from exc
    text = decode_text(data)
    best: list[Line] = []
    for delimiter in DELIMITERS:
        try:
            rows = list(itertools.islice(csv_lines(text, delimiter), HEADER_SEARCH_ROWS))
        except UserError:
            continue
        widest = max((len(c) for _, c in rows), default=0)
        if widest > max((len(c) for _, c in best), default=1):
            best = rows
    if not best:
        raise UserError("the file is not a table with several columns")
    return best


def read_headers(path: Path, sheet: str | None = None) -> Headers:
    """The file's header row: the first recognised one, else the widest of the first rows."""
    rows = _candidate_rows(path, sheet)
    for number, cells in rows:
        try:
            find_columns(cells)
        except UserError:
            continue
        return Headers(tuple(cells), number, True)
    widest = max(rows, key=lambda r: sum(1 for c in r[1] if c))
    return Headers(tuple(c for c in widest[1]), widest[0], False)


def mapping_problem(columns: dict[str, str]) -> str | None:
    """Why a person's column mapping cannot be used yet, or None."""
    missing = [ROLE_LABELS[r] for r in REQUIRED_ROLES if not columns.get(r)]
    if not any(columns.get(r) for r in FLAG_ROLES):
        missing.append("the photo opt-out (or photo release) flag")
    has_split = bool(columns.get("last") and columns.get("first"))
    if not has_split and not columns.get("name"):
        missing.append("last and first name (or a full name)")
    if missing:
        return "choose a column for: " + ", ".join(missing)
    if all(columns.get(r) for r in FLAG_ROLES):
        return "choose either an opt-out column or a release column, not both"
    if columns.get("name") and (columns.get("last") or columns.get("first")):
        return "choose either a full-name column or last and first name columns, not both"
    used = [h for h in columns.values() if h]
    if len(set(used)) != len(used):
        return "each column can be used for one thing only"
    return None
