"""Stored roster versions and their students."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from photoguard.errors import UserError
from photoguard.roster import Roster, RosterDiff, RosterVersion, Student
from photoguard.store.engine import Row, Tx

_STUDENT_COLUMNS = (
    "student_id, last_name, first_name, middle_name, preferred_name, grade, homeroom, yog, "
    "opted_out"
)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    )


def students(tx: Tx, version_id: int) -> list[Student]:
    rows = tx.rows(
        f"SELECT {_STUDENT_COLUMNS} FROM roster_students WHERE version_id = ? "
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
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            )
            for s in roster.students
        ),
    )
    version = current_version(tx, school)
    assert version is not None and version.id == new_id
    return version


def roster_in_force(tx: Tx, school: str) -> tuple[RosterVersion, list[Student]]:
    """The roster in force and its students; refuses (UserError) when none was imported:
    with no roster, nothing can be checked."""
    version = current_version(tx, school)
    if version is None:
        raise UserError(
            "no roster has been imported, so nothing can be checked: run "
            "'photoguard roster import FILE' first"
        )
    return version, students(tx, version.id)
