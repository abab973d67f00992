"""Stored roster versions and their students.

The tables can be changed behind photoguard's back (the sqlite3 shell, psql as
the owner), and a flipped opt-out flag would make a scan stop looking for that
child. So each version is sealed in the approval log: its ``roster.import``
record (or, for versions imported before schema version 3, a ``roster.seal``
record written by the upgrade) holds :func:`students_digest` of its students.
:func:`roster_in_force` refuses a roster that does not match its seal, or that is
not the one the log says was imported last; ``log verify`` checks every version
(log_tables.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.files.clock import utcnow
from photoguard.roster.model import Roster, RosterDiff, RosterVersion, Student
from photoguard.store.engine import Row, Tx
from photoguard.vocab import AgeSource, LogAction

if TYPE_CHECKING:
    from photoguard.audit.chain import Record

#: The approval-log actions that seal a roster version (see the module docstring).
SEAL_ACTIONS = (LogAction.ROSTER_IMPORT, LogAction.ROSTER_SEAL)
#: The body field of a seal that holds :func:`students_digest`.
DIGEST_FIELD = "students_sha256"

_STUDENT_COLUMNS = (
    "student_id, last_name, first_name, middle_name, preferred_name, grade, homeroom, yog, "
    "opted_out, age_class_of, age_source"
)


def ensure_school(tx: Tx, code: str, name: str | None = None) -> None:
    tx.execute(
        "INSERT INTO schools (code, name, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (code) DO NOTHING",
        (code, name or code, utcnow()),
    )


def _version(row: Row) -> RosterVersion:
    return RosterVersion(
        id=int(row["id"]),
        school=row["school"],
        imported_at=row["imported_at"],
        imported_by=row["imported_by"],
        source_name=row["source_name"],
        source_sha256=row["source_sha256"],
        students=int(row["students"]),
        opted_out=int(row["opted_out"]),
        counts={k: int(row[k]) for k in ("added", "removed", "newly_opted_out", "opted_back_in")},
    )


def current_version(tx: Tx, school: str) -> RosterVersion | None:
    row = tx.row(
        "SELECT * FROM roster_versions WHERE school = ? ORDER BY id DESC LIMIT 1", (school,)
    )
    return _version(row) if row else None


def history(tx: Tx, school: str) -> list[RosterVersion]:
    return [
        _version(r)
        for r in tx.rows("SELECT * FROM roster_versions WHERE school = ? ORDER BY id", (school,))
    ]


def _student(row: Row) -> Student:
    return Student(
        student_id=row["student_id"],
        last_name=row["last_name"],
        first_name=row["first_name"],
        middle_name=row["middle_name"],
        preferred_name=row["preferred_name"],
        grade=row["grade"],
        homeroom=row["homeroom"],
        yog=row["yog"],
        opted_out=bool(row["opted_out"]),
        # Schema 3's upgrade step reads students before schema 4 added their ages.
        age_class_of=_class_of(row.get("age_class_of")),
        age_source=_age_source(row.get("age_source")),
    )


def _class_of(value: object) -> int | None:
    """The stored class year; anything but a whole number (written behind photoguard's
    back) reads as no age, the youngest band, and the seal tells it was changed."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _age_source(value: object) -> AgeSource:
    """The stored source of an age; a value that is none (written behind photoguard's
    back) reads as unknown, and the roster's seal then tells whether it was changed."""
    try:
        return AgeSource(str(value))
    except ValueError:
        return AgeSource.UNKNOWN


def students(tx: Tx, version_id: int) -> list[Student]:
    rows = tx.rows(
        "SELECT * FROM roster_students WHERE version_id = ? "
        "ORDER BY last_name, first_name, student_id",
        (version_id,),
    )
    return [_student(r) for r in rows]


def current_students(tx: Tx, school: str) -> list[Student]:
    version = current_version(tx, school)
    return students(tx, version.id) if version else []


def insert_version(
    tx: Tx, school: str, roster: Roster, diff: RosterDiff, imported_by: str
) -> RosterVersion:
    ensure_school(tx, school)
    counts = diff.counts
    new_id = tx.scalar(
        "INSERT INTO roster_versions (school, imported_at, imported_by, source_name, "
        "source_sha256, columns, students, opted_out, added, removed, newly_opted_out, "
        "opted_back_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            school,
            utcnow(),
            imported_by,
            roster.source_name,
            roster.source_sha256,
            json.dumps(dict(roster.columns), ensure_ascii=False),
            len(roster.students),
            len(roster.opted_out),
            counts["added"],
            counts["removed"],
            counts["newly_opted_out"],
            counts["opted_back_in"],
        ),
    )
    tx.executemany(
        f"INSERT INTO roster_students (version_id, school, {_STUDENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                new_id,
                school,
                s.student_id,
                s.last_name,
                s.first_name,
                s.middle_name,
                s.preferred_name,
                s.grade,
                s.homeroom,
                s.yog,
                int(s.opted_out),
                s.age_class_of,
                str(s.age_source),
            )
            for s in roster.students
        ),
    )
    version = current_version(tx, school)
    assert version is not None and version.id == new_id
    return version


def roster_in_force(tx: Tx, school: str) -> tuple[RosterVersion, list[Student]]:
    """The roster in force and its students; refuses (UserError) when none was imported
    (with no roster, nothing can be checked), and when it is not the roster the approval
    log says was imported last, whole and unchanged."""
    version = current_version(tx, school)
    if version is None:
        raise UserError(
            "no roster has been imported, so nothing can be checked: run "
            "'photoguard roster import FILE' first"
        )
    found = students(tx, version.id)
    problem = seal_problem(tx, school, version, found)
    if problem:
        raise UserError(
            f"the roster in force {problem}, so nothing can be checked against it: run "
            "'photoguard log verify', and import the roster again"
        )
    return version, found


def students_digest(found: Iterable[Student]) -> str:
    """SHA-256 of a roster version's students as stored, every field and the opt-out
    flag, in student ID order (the order the rows are stored in does not matter).

    A student's age (schema 4) is sealed too, when there is one: an age changed to an
    older class would weaken the matching of that child's faces. A student with no age
    is written as before, so the seals of versions imported before ages were read still
    hold; giving such a student an age, or taking one away, changes the digest."""
    rows = sorted((_sealed(s) for s in found), key=lambda row: str(row[0]))  # IDs are unique
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sealed(s: Student) -> list[object]:
    row: list[object] = [
        s.student_id,
        s.last_name,
        s.first_name,
        s.middle_name,
        s.preferred_name,
        s.grade,
        s.homeroom,
        s.yog,
        bool(s.opted_out),
    ]
    if s.age_class_of is not None or s.age_source != AgeSource.UNKNOWN:
        row += [s.age_class_of, str(s.age_source)]
    return row


def newest_seal(tx: Tx, school: str) -> Record | None:
    """The newest roster seal in the school's log, as written (see :func:`audit.chained`);
    raises UserError if that record was changed."""
    from photoguard import audit

    for record in audit.records_of(tx, school, SEAL_ACTIONS, newest_first=True, limit=1):
        intact = audit.chained(tx, school, record.seq)
        if intact is None:
            raise UserError(
                f"the approval log's record of the last roster import (record {record.seq}) "
                "was changed: run 'photoguard log verify'"
            )
        return intact
    return None


def seal_problem(
    tx: Tx, school: str, version: RosterVersion, found: list[Student] | None = None
) -> str | None:
    """Why the roster in force is not what the approval log sealed, or None.

    (``found``: its students, if already read.)"""
    record = newest_seal(tx, school)
    if record is None:
        return f"(version {version.id}) is not recorded in the approval log"
    # A damaged body reads as a seal of nothing: "not the one imported last".
    seal = bodies.as_seal(record.typed_body) or bodies.RosterSeal()
    if seal.roster_version != version.label:
        return (
            f"(version {version.id}) is not the one the approval log says was imported last "
            f"({seal.roster_version}, record {record.seq})"
        )
    if seal.students_sha256 is None:
        return f"(version {version.id}) was recorded without a seal of its students"
    digest = students_digest(found if found is not None else students(tx, version.id))
    if seal.students_sha256 != digest:
        return (
            f"(version {version.id}) was changed after it was imported: its students or "
            f"opt-out flags are not those sealed in record {record.seq}"
        )
    return None
