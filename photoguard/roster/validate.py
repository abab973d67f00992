"""From the rows of a roster file to a Roster: every student ID, name and flag checked.

The rows come from :func:`photoguard.roster.table.read_table`. Each student needs
an ID (unique in the file), a first and a last name (or a full name in 'Last,
First' form) and an opt-out flag in a form this module knows; anything doubtful
refuses the whole import with one sentence (:class:`~photoguard.errors.UserError`),
and nothing is stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from photoguard.errors import UserError
from photoguard.roster.ages import Age, student_age
from photoguard.roster.columns import ColumnMap, Line, show
from photoguard.roster.model import Roster, Student
from photoguard.roster.table import in_rows, listed, read_table
from photoguard.vocab import YOUNGEST_BAND, AgeSource

#: Cell values, normalised by _norm_flag. Anything else refuses the import.
OPTED_OUT_VALUES = frozenset({"y", "yes", "true", "1", "x", "optout", "optedout"})
NOT_OPTED_OUT_VALUES = frozenset({"", "n", "no", "false", "0"})
#: A release column ("Photo Release", or an opt-in column) says the opposite:
#: yes means photos are allowed.
RELEASED_VALUES = frozenset({"y", "yes", "true", "1", "x", "released", "optin", "optedin"})
#: Blank in a release column means no release is on file: treated as opted out (fail closed).
NOT_RELEASED_VALUES = frozenset({"", "n", "no", "false", "0", "notreleased"})


def _norm_flag(value: str) -> str:
    if re.fullmatch(r"[01]\.0+", value):  # 1.0 / 0.0 from a spreadsheet cell
        return value[0]
    return re.sub(r"[\s\-_.]", "", value.casefold())


def _split_full_name(value: str, row: int) -> tuple[str, str, str]:
    """'Martínez, Zoë Ann' -> ('Martínez', 'Zoë', 'Ann'); 'Smith, John, Jr.' keeps 'Jr.'."""
    last, comma, rest = value.partition(",")
    parts = rest.replace(",", " ").split()
    if not comma or not last.strip() or not parts:
        raise UserError(
            f"row {row}: the name {show(value)!r} is not in 'Last, First' form "
            f"(or name the columns with --column last=... --column first=...)"
        )
    return last.strip(), parts[0], " ".join(parts[1:])


def read_roster(
    path: Path,
    overrides: Mapping[str, str] | None = None,
    sheet: str | None = None,
    today: date | None = None,
) -> Roster:
    """Read and validate an Aspen export. Raises UserError on anything doubtful.

    ``today`` (the import's date) places a grade in a school year (roster/ages.py)."""
    lines, cols, data = read_table(path, sheet, overrides)
    rows = [n for n, _ in lines]

    def column(role: str) -> list[str]:
        i = cols.index.get(role)
        if i is None:
            return [""] * len(lines)
        return [cells[i] if i < len(cells) else "" for _, cells in lines]

    ids = column("id")
    empty = [str(r) for r, v in zip(rows, ids, strict=True) if not v]
    if empty:
        raise UserError(f"empty student ID in {in_rows(empty)}")
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for r, v in zip(rows, ids, strict=True):
        if v in seen:
            dupes.append(f"{show(v)} (rows {seen[v]} and {r})")
        else:
            seen[v] = r
    if dupes:
        raise UserError(f"duplicate student ID {listed(dupes)}")

    opted, bad, blank_release = _read_flags(lines, cols)
    if bad:
        several = len(cols.optout) + len(cols.release) > 1
        raise UserError(
            f"unrecognised opt-out value in {in_rows(bad)}; use Y/N, Yes/No, TRUE/FALSE, 1/0, "
            "X/blank or Opt Out"
            + (" (or name the one flag column to use with --column optout=...)" if several else "")
        )

    if "name" in cols.index:
        full = column("name")
        blank = [str(r) for r, v in zip(rows, full, strict=True) if not v]
        if blank:
            raise UserError(f"missing student name in {in_rows(blank)}")
        names = [_split_full_name(v, r) for r, v in zip(rows, full, strict=True)]
        lasts = [n[0] for n in names]
        firsts = [n[1] for n in names]
        middles = [n[2] for n in names]
    else:
        lasts, firsts, middles = column("last"), column("first"), column("middle")
    nameless = [str(r) for r, la, fi in zip(rows, lasts, firsts, strict=True) if not la or not fi]
    if nameless:
        raise UserError(f"missing first or last name in {in_rows(nameless)}")

    preferred, grade, homeroom, yog = (column(r) for r in ("preferred", "grade", "homeroom", "yog"))
    ages = _read_ages(lines, cols, today or date.today())
    students = tuple(
        Student(
            student_id=ids[i],
            last_name=lasts[i],
            first_name=firsts[i],
            middle_name=middles[i],
            preferred_name=preferred[i] if preferred[i].casefold() != firsts[i].casefold() else "",
            grade=grade[i],
            homeroom=homeroom[i],
            yog=yog[i],
            opted_out=opted[i],
            age_class_of=ages[i].class_of,
            age_source=ages[i].source,
        )
        for i in range(len(lines))
    )
    notes = []
    if blank_release:
        notes.append(
            f"{blank_release} {'student has' if blank_release == 1 else 'students have'} no "
            "value in the release column: counted as opted out (no release on file)"
        )
    notes += _age_notes(rows, ages, opted, cols)
    return Roster(
        students=students,
        columns=cols.describe(),
        source_name=path.name,
        source_sha256=hashlib.sha256(data).hexdigest(),
        notes=tuple(notes),
    )


#: Age columns, by the source they give (roster/ages.py).
_AGE_ROLES = {"birth": AgeSource.BIRTH_DATE, "grade": AgeSource.GRADE, "yog": AgeSource.YOG}


def _read_ages(lines: list[Line], cols: ColumnMap, today: date) -> list[Age]:
    present = [
        (cols.index[role], cols.single[role], source)
        for role, source in _AGE_ROLES.items()
        if role in cols.index
    ]
    return [
        student_age({src: (h, cells[i] if i < len(cells) else "") for i, h, src in present}, today)
        for _, cells in lines
    ]


def _age_notes(rows: list[int], ages: list[Age], opted: list[bool], cols: ColumnMap) -> list[str]:
    """What the import says about ages. An unreadable age cell does not refuse the
    import, as a bad opt-out flag does: the student is matched as the youngest band
    (the strictest distances), which can only send more photos to a person, never fewer."""
    notes = []
    bad = [
        f"{row} ({show(age.unreadable[0])!r})"
        for row, age in zip(rows, ages, strict=True)
        if age.unreadable
    ]
    if bad:
        notes.append(
            f"the age in {in_rows(bad)} could not be read: those students without another "
            f"age column count as the youngest age band ({YOUNGEST_BAND})"
        )
    out = sum(opted)
    unknown = sum(1 for a, o in zip(ages, opted, strict=True) if o and a.class_of is None)
    if unknown:
        where = (
            "no birth date, grade or year-of-graduation column was found"
            if not any(r in cols.index for r in _AGE_ROLES)
            else "no usable birth date, grade or year of graduation"
        )
        whose = "that student's" if unknown == 1 else "their"
        notes.append(
            f"{unknown} of the {out} opted-out students {'has' if unknown == 1 else 'have'} no "
            f"age ({where}): {whose} faces are matched with the "
            f"youngest age band's distances ({YOUNGEST_BAND}), which sends more photos to review"
        )
    return notes


def _read_flags(lines: list[Line], cols: ColumnMap) -> tuple[list[bool], list[str], int]:
    """Opted out if any opt-out column says so or any release column withholds release.

    Returns the flags, the bad cells ("row (header: value)") and how many
    students were counted as opted out only because a release cell was blank.
    """
    opted = [False] * len(lines)
    bad: list[str] = []
    blank_only = 0
    columns = [(i, h, False) for i, h in zip(cols.optout_index, cols.optout, strict=True)]
    columns += [(i, h, True) for i, h in zip(cols.release_index, cols.release, strict=True)]
    for k, (number, cells) in enumerate(lines):
        said_out = False
        no_release = False
        for i, header, inverse in columns:
            raw = cells[i] if i < len(cells) else ""
            v = _norm_flag(raw)
            if inverse and v in NOT_RELEASED_VALUES:
                said_out = said_out or bool(v)
                no_release = no_release or not v
            elif not inverse and v in OPTED_OUT_VALUES:
                said_out = True
            elif v not in (RELEASED_VALUES if inverse else NOT_OPTED_OUT_VALUES):
                bad.append(f"{number} ({show(header)}: {show(raw)!r})")
        opted[k] = said_out or no_release
        blank_only += no_release and not said_out
    return opted, bad, blank_only
