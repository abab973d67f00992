"""Reading the opt-out roster that the main office exports from Aspen (CSV or XLSX).

Aspen exports differ between districts and between the person who built the
export, so columns are found by their header, ignoring case, spaces and
punctuation, and any role can be named explicitly (``--column optout="Photo OK?"``).

Everything here fails closed: a file that cannot be read completely and
unambiguously raises :class:`~photoguard.errors.UserError` with one sentence, and
nothing is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from photoguard.errors import UserError
from photoguard.roster import Roster, Student

ROLES = (
    "id",
    "name",
    "last",
    "first",
    "middle",
    "preferred",
    "grade",
    "homeroom",
    "yog",
    "optout",
    "release",
)

#: Header spellings per role, in order of preference (normalised: see norm_header).
HEADER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": (
        "Student ID",
        "LASID",
        "Local ID",
        "StudentNumber",
        "Student Number",
        "Pupil #",
        "Pupil Number",
        "Student No",
        "ID",
    ),
    "name": ("Name", "Student Name", "Student", "Full Name"),
    "last": ("Last Name", "LastName", "Last", "Surname", "Family Name"),
    "first": ("First Name", "FirstName", "First", "Given Name"),
    "middle": ("Middle Name", "MiddleName", "Middle", "Middle Initial"),
    "preferred": (
        "Preferred Name",
        "Preferred First Name",
        "Nickname",
        "Nick Name",
        "Known As",
        "Common Name",
        "Preferred",
    ),
    "grade": ("Grade", "Grade Level", "Gr", "Grd"),
    "homeroom": ("Homeroom", "Home Room", "HR", "Homeroom Teacher"),
    "yog": ("YOG", "Year of Graduation", "Class Of", "Grad Year"),
}

#: An opt-out column: "opt" plus one of these words (e.g. "Privacy Law Opt-Out").
OPTOUT_TOPICS = ("photo", "media", "privacy", "publicity", "video", "picture", "image")

#: Cell values, normalised by _norm_flag. Anything else refuses the import.
OPTED_OUT_VALUES = frozenset({"y", "yes", "true", "1", "x", "optout", "optedout"})
NOT_OPTED_OUT_VALUES = frozenset({"", "n", "no", "false", "0"})
#: A release column ("Photo Release") says the opposite: yes means photos are allowed.
RELEASED_VALUES = frozenset({"y", "yes", "true", "1", "x", "released"})
#: Blank in a release column means no release is on file: treated as opted out (fail closed).
NOT_RELEASED_VALUES = frozenset({"", "n", "no", "false", "0", "notreleased"})

MAX_LISTED = 5


def norm_header(text: str) -> str:
    """'Privacy Law Opt-Out' -> 'privacylawoptout'; 'Pupil #' -> 'pupilnumber'."""
    folded = unicodedata.normalize("NFKD", str(text)).casefold().replace("#", "number")
    return re.sub(r"[^a-z0-9]", "", folded)


def _norm_flag(value: str) -> str:
    if re.fullmatch(r"[01]\.0+", value):  # 1.0 / 0.0 from a spreadsheet cell
        return value[0]
    return re.sub(r"[\s\-_.]", "", value.casefold())


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", text).strip()


@dataclass(frozen=True)
class ColumnMap:
    """Which header supplies each role. ``optout`` and ``release`` may list several."""

    single: Mapping[str, str]
    optout: tuple[str, ...]
    release: tuple[str, ...]

    def describe(self) -> dict[str, str]:
        out = dict(self.single)
        if self.optout:
            out["optout"] = " | ".join(self.optout)
        if self.release:
            out["release"] = " | ".join(self.release)
        return out


def parse_column_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``["id=Pupil", "optout=Photo OK"]`` -> ``{"id": "Pupil", "optout": "Photo OK"}``."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        role, sep, header = pair.partition("=")
        role = role.strip().casefold()
        if not sep or not header.strip():
            raise UserError(f"--column takes ROLE=HEADER, not {pair!r}")
        if role not in ROLES:
            raise UserError(f"unknown column role {role!r}; roles are: {', '.join(ROLES)}")
        out[role] = header.strip()
    return out


def find_columns(headers: list[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Match headers to roles. Raises UserError naming what is missing."""
    overrides = dict(overrides or {})
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(norm_header(h), h)

    def lookup(header: str, role: str) -> str:
        found = by_norm.get(norm_header(header))
        if found is None:
            raise UserError(
                f"--column {role}={header!r}: the file has no such column "
                f"(columns: {', '.join(headers)})"
            )
        return found

    single: dict[str, str] = {}
    for role, aliases in HEADER_ALIASES.items():
        if role in overrides:
            single[role] = lookup(overrides[role], role)
            continue
        for alias in aliases:
            if norm_header(alias) in by_norm:
                single[role] = by_norm[norm_header(alias)]
                break

    taken = set(single.values())
    optout: tuple[str, ...]
    release: tuple[str, ...]
    if "optout" in overrides or "release" in overrides:
        optout = (lookup(overrides["optout"], "optout"),) if "optout" in overrides else ()
        release = (lookup(overrides["release"], "release"),) if "release" in overrides else ()
    else:
        optout = tuple(
            h
            for h in headers
            if h not in taken
            and "opt" in norm_header(h)
            and any(t in norm_header(h) for t in OPTOUT_TOPICS)
        )
        release = tuple(
            h
            for h in headers
            if h not in taken
            and h not in optout
            and "release" in norm_header(h)
            and any(t in norm_header(h) for t in OPTOUT_TOPICS)
        )

    # A split name wins over a one-column name when both are present.
    if "last" in single and "first" in single:
        single.pop("name", None)
    missing = []
    if "id" not in single:
        missing.append("student ID (e.g. 'Student ID', 'LASID')")
    if "name" not in single and not ("last" in single and "first" in single):
        missing.append("student name ('Name' as 'Last, First' or 'Last Name' + 'First Name')")
    if not optout and not release:
        missing.append(
            "opt-out flag (e.g. 'Privacy Law Opt-Out', 'Photo Opt Out', 'Media Release')"
        )
    if missing:
        raise UserError(
            f"no {' and no '.join(missing)} column found; columns are: {', '.join(headers)} "
            f"(name them with --column ROLE=HEADER)"
        )
    return ColumnMap(single=single, optout=optout, release=release)


# ----------------------------------------------------------------------- file reading


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252 (Excel's Windows CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        if b"\x00" in data:
            raise UserError("the file is not a table: it holds binary data")
        encodings = ["utf-8", "cp1252"]
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UserError(f"the file's text encoding is not {' or '.join(encodings)}")


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> pd.DataFrame:
    text = decode_text(data)
    if not text.strip():
        raise UserError("the file is empty")
    first_line = text.lstrip("\ufeff").splitlines()[0]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_sniff_delimiter(first_line),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.EmptyDataError as exc:
        raise UserError("the file is empty") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        raise UserError(f"the file is not a readable table: {detail}") from exc
    return frame


def _read_xlsx(data: bytes, sheet: str | None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(
            io.BytesIO(data),
            sheet_name=sheet if sheet is not None else 0,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="openpyxl",
        )
    except ValueError as exc:
        text = str(exc)
        if sheet is not None and "not found" in text.lower():
            raise UserError(f"the workbook has no sheet named {sheet!r}") from exc
        raise UserError(f"the workbook could not be read: {text.splitlines()[0]}") from exc
    except Exception as exc:  # openpyxl raises many kinds on a corrupt file
        raise UserError(f"the workbook could not be read ({type(exc).__name__})") from exc
    assert isinstance(frame, pd.DataFrame)
    return frame


def read_table(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, bytes]:
    """Read the file into a frame of strings. Returns the frame and the raw bytes."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise UserError(f"{path} is a folder, not a roster file") from exc
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    if not data.strip():
        raise UserError("the file is empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError("old Excel .xls files are not read: save the export as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04"):
        frame = _read_xlsx(data, sheet)
    else:
        if sheet is not None:
            raise UserError("--sheet applies to .xlsx workbooks only")
        frame = _read_csv(data)
    frame.columns = [_clean(c) for c in frame.columns]
    if frame.empty:
        raise UserError("the file has a header but no student rows")
    return frame, data


def _split_full_name(value: str, row: int) -> tuple[str, str, str]:
    """'Martínez, Zoë Ann' -> ('Martínez', 'Zoë', 'Ann')."""
    last, comma, rest = value.partition(",")
    parts = rest.split()
    if not comma or not last.strip() or not parts:
        raise UserError(
            f"row {row}: the name {value!r} is not in 'Last, First' form "
            f"(or name the columns with --column last=... --column first=...)"
        )
    return last.strip(), parts[0], " ".join(parts[1:])


def _list(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def read_roster(
    path: Path,
    overrides: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> Roster:
    """Read and validate an Aspen export. Raises UserError on anything doubtful."""
    frame, data = read_table(path, sheet)
    headers = [str(c) for c in frame.columns]
    cols = find_columns(headers, overrides)
    s = cols.single

    def column(role: str) -> list[str]:
        header = s.get(role)
        if header is None:
            return [""] * len(frame)
        return [_clean(v) for v in frame[header].tolist()]

    ids = column("id")
    ids = [re.sub(r"^(\d+)\.0$", r"\1", v) for v in ids]  # 100231.0 from a spreadsheet
    rows = list(range(2, len(frame) + 2))  # spreadsheet rows: the header is row 1

    empty = [str(r) for r, v in zip(rows, ids, strict=True) if not v]
    if empty:
        raise UserError(f"empty student ID in row {_list(empty)}")
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for r, v in zip(rows, ids, strict=True):
        if v in seen:
            dupes.append(f"{v} (rows {seen[v]} and {r})")
        else:
            seen[v] = r
    if dupes:
        raise UserError(f"duplicate student ID {_list(dupes)}")

    opted, bad = _read_flags(frame, cols, rows)
    if bad:
        raise UserError(
            f"unrecognised opt-out value in row {_list(bad)}; use Y/N, Yes/No, TRUE/FALSE, 1/0 "
            f"or X/blank"
        )

    if "name" in s:
        names = [_split_full_name(v, r) for r, v in zip(rows, column("name"), strict=True)]
        lasts = [n[0] for n in names]
        firsts = [n[1] for n in names]
        middles = [n[2] for n in names]
    else:
        lasts, firsts, middles = column("last"), column("first"), column("middle")
    nameless = [str(r) for r, la, fi in zip(rows, lasts, firsts, strict=True) if not la or not fi]
    if nameless:
        raise UserError(f"missing first or last name in row {_list(nameless)}")

    preferred, grade, homeroom, yog = (column(r) for r in ("preferred", "grade", "homeroom", "yog"))
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
        )
        for i in range(len(frame))
    )
    notes = []
    blank_release = _blank_release_rows(frame, cols)
    if blank_release:
        notes.append(
            f"{blank_release} blank value(s) in the release column counted as opted out "
            f"(no release on file)"
        )
    return Roster(
        students=students,
        columns=cols.describe(),
        source_name=path.name,
        source_sha256=hashlib.sha256(data).hexdigest(),
        notes=tuple(notes),
    )


def _read_flags(
    frame: pd.DataFrame, cols: ColumnMap, rows: list[int]
) -> tuple[list[bool], list[str]]:
    """Opted out if any opt-out column says so or any release column withholds release."""
    opted = [False] * len(frame)
    bad: list[str] = []
    for header in cols.optout:
        for i, raw in enumerate(frame[header].tolist()):
            v = _norm_flag(_clean(raw))
            if v in OPTED_OUT_VALUES:
                opted[i] = True
            elif v not in NOT_OPTED_OUT_VALUES:
                bad.append(f"{rows[i]} ({header}: {_clean(raw)!r})")
    for header in cols.release:
        for i, raw in enumerate(frame[header].tolist()):
            v = _norm_flag(_clean(raw))
            if v in NOT_RELEASED_VALUES:
                opted[i] = True
            elif v not in RELEASED_VALUES:
                bad.append(f"{rows[i]} ({header}: {_clean(raw)!r})")
    return opted, bad


def _blank_release_rows(frame: pd.DataFrame, cols: ColumnMap) -> int:
    return sum(1 for h in cols.release for v in frame[h].tolist() if not _clean(v))
