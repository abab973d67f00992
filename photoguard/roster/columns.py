"""Which column of an Aspen export is which: headers matched to roles.

Aspen exports differ between districts and between the people who build them, so
columns are found by their header, ignoring case, spaces and punctuation, and any
role can be named explicitly (``--column optout="Photo OK?"``). The header may sit
below a title line or two. Reading the file itself is photoguard/roster/cells.py and table.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from photoguard.errors import UserError

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
    "birth",
    "optout",
    "release",
)

#: Header spellings per role, in order of preference (compared after norm_header).
#: A state ID ("State ID", "SASID") is deliberately absent: the roster is keyed by
#: the local ID, which is what Aspen's other exports and the enrolment folder use.
HEADER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": (
        "Student ID",
        "LASID",
        "Local ID",
        "Local Student ID",
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
    "yog": ("YOG", "Year of Graduation", "Graduation Year", "Class Of", "Grad Year"),
    # Read for the student's age band (roster/ages.py), never stored.
    "birth": ("DOB", "Birth Date", "Date of Birth", "Birthdate", "Birthday"),
}

#: An opt-out column: "opt" plus one of these words (e.g. "Privacy Law Opt-Out").
OPTOUT_TOPICS = ("photo", "media", "privacy", "publicity", "video", "picture", "image")

#: A title line or two often sits above the header: it is looked for in this many rows.
HEADER_SEARCH_ROWS = 10
MAX_HEADERS_LISTED = 12

#: (spreadsheet row number, cleaned cells)
Line = tuple[int, list[str]]


def norm_header(text: str) -> str:
    """'Privacy Law Opt-Out' -> 'privacylawoptout'; 'Pupil #' -> 'pupilnumber'."""
    folded = unicodedata.normalize("NFKD", str(text)).casefold().replace("#", "number")
    return re.sub(r"[^a-z0-9]", "", folded)


def show(text: str, limit: int = 40) -> str:
    """A header or value as it can appear inside a one-line message."""
    shown = "".join(c if c.isprintable() else "?" for c in " ".join(str(text).split()))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def headers_text(headers: Sequence[str]) -> str:
    named = [show(h) for h in headers if h.strip()]
    if not named:
        return "(none)"
    more = len(named) - MAX_HEADERS_LISTED
    return ", ".join(named[:MAX_HEADERS_LISTED]) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class ColumnMap:
    """Which header supplies each role. ``optout`` and ``release`` may list several.

    The ``*_index`` fields give the column positions: headers may repeat, so
    cells are read by position.
    """

    single: Mapping[str, str]
    optout: tuple[str, ...]
    release: tuple[str, ...]
    index: Mapping[str, int] = field(default_factory=dict)
    optout_index: tuple[int, ...] = ()
    release_index: tuple[int, ...] = ()

    def describe(self) -> dict[str, str]:
        out = dict(self.single)
        if self.optout:
            out["optout"] = " | ".join(self.optout)
        if self.release:
            out["release"] = " | ".join(self.release)
        return out

    @property
    def required_index(self) -> tuple[int, ...]:
        """Columns every student row must reach: ID, name, and the flags."""
        names = ("id", "name", "last", "first")
        return tuple(self.index[r] for r in names if r in self.index) + (
            self.optout_index + self.release_index
        )


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
        if role in out and norm_header(out[role]) != norm_header(header):
            raise UserError(
                f"--column {role} is given twice ({out[role]!r} and {header.strip()!r})"
            )
        out[role] = header.strip()
    return out


def flag_kind(norm: str) -> str | None:
    """'optout', 'release' (yes = photos allowed) or None for a header that is no flag."""
    if not norm or not any(t in norm for t in OPTOUT_TOPICS):
        return None
    if "optout" in norm or "optedout" in norm:
        return "optout"
    if "optin" in norm or "optedin" in norm:
        return "release"  # "Photo Opt In": yes means allowed, like a release
    if "opt" in norm:
        return "optout"
    if "release" in norm:
        return "release"
    return None


def find_columns(headers: list[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Match headers to roles. Raises UserError naming what is missing."""
    overrides = dict(overrides or {})
    norms = [norm_header(h) for h in headers]

    def positions(header: str) -> list[int]:
        target = norm_header(header)
        return [i for i, n in enumerate(norms) if n and n == target]

    def lookup(role: str) -> int:
        found = positions(overrides[role])
        if not found:
            raise UserError(
                f"--column {role}={overrides[role]!r}: the file has no such column "
                f"(columns: {headers_text(headers)})"
            )
        if len(found) > 1:
            raise UserError(
                f"--column {role}={overrides[role]!r}: {len(found)} columns have that header; "
                "rename one in the file"
            )
        return found[0]

    index: dict[str, int] = {}
    for role in ROLES:
        if role in overrides and role not in ("optout", "release"):
            index[role] = lookup(role)
    taken = set(index.values())
    repeated: dict[str, int] = {}
    for role, aliases in HEADER_ALIASES.items():
        if role in index:
            continue
        for alias in aliases:
            found = [i for i in positions(alias) if i not in taken]
            if found:
                index[role] = found[0]
                taken.add(found[0])
                if len(found) > 1:
                    repeated[role] = len(found)
                break

    optout: list[int] = []
    release: list[int] = []
    if "optout" in overrides or "release" in overrides:
        optout = [lookup("optout")] if "optout" in overrides else []
        release = [lookup("release")] if "release" in overrides else []
    else:
        for i, n in enumerate(norms):
            kind = flag_kind(n) if i not in taken else None
            if kind == "optout":
                optout.append(i)
            elif kind == "release":
                release.append(i)

    # One way of naming students: what --column asked for, else a split name, else one column.
    if "name" in overrides:
        if "last" in overrides or "first" in overrides:
            raise UserError("use --column name=... or --column last=... and first=..., not both")
        for role in ("last", "first", "middle"):
            if role not in overrides:
                index.pop(role, None)
    elif "last" in index and "first" in index:
        index.pop("name", None)
    elif "name" in index:
        for role in ("last", "first", "middle"):
            index.pop(role, None)

    missing = []
    if "id" not in index:
        missing.append("student ID (e.g. 'Student ID', 'LASID')")
    if "name" not in index and not ("last" in index and "first" in index):
        missing.append("student name ('Name' as 'Last, First' or 'Last Name' + 'First Name')")
    if not optout and not release:
        missing.append(
            "opt-out flag (e.g. 'Privacy Law Opt-Out', 'Photo Opt Out', 'Media Release')"
        )
    if missing:
        raise UserError(
            f"no {' and no '.join(missing)} column found; columns are: {headers_text(headers)} "
            f"(name them with --column ROLE=HEADER)"
        )
    twice = [headers[index[role]] for role in repeated if role in index]
    if twice:
        raise UserError(f"two columns are headed {show(twice[0])!r}: rename or remove one of them")
    return ColumnMap(
        single={role: headers[i] for role, i in index.items()},
        optout=tuple(headers[i] for i in optout),
        release=tuple(headers[i] for i in release),
        index=index,
        optout_index=tuple(optout),
        release_index=tuple(release),
    )


def header_score(cells: Sequence[str], overrides: Mapping[str, str]) -> int:
    """How much a row looks like the header: the number of cells that name a role."""
    known = {norm_header(a) for aliases in HEADER_ALIASES.values() for a in aliases}
    known |= {norm_header(h) for h in overrides.values()}
    return sum(1 for c in cells if (n := norm_header(c)) and (n in known or flag_kind(n)))


def locate_header(
    lines: Sequence[Line], overrides: Mapping[str, str]
) -> tuple[int, ColumnMap] | UserError:
    """The position of the header row among the first rows, or why none is one."""
    best: UserError | None = None
    best_score = -1
    for at, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        try:
            return at, find_columns(cells, overrides)
        except UserError as exc:
            score = header_score(cells, overrides)
            if score > best_score:
                best, best_score = exc, score
    return best or UserError("the file is empty: it holds no values")
