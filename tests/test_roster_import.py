"""Importing a roster: every import is a stored version, a refused file changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from benchmarks.roster_gen import churn, generate_students, write_csv, write_xlsx
from photoguard import audit
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.roster import stored as roster_store
from photoguard.roster.importing import ImportPreview, apply_import, preview_import
from photoguard.roster.model import Roster, Student, diff_rosters
from photoguard.workspace.folder import Workspace

HEADER = "Student ID,Name,Grade,Privacy Law Opt-Out"


def roster_file(tmp_path: Path, *rows: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8-sig", newline="")
    return path


def do_import(ws: Workspace, path: Path, by: str = "office") -> Any:
    return apply_import(ws, preview_import(ws, path), by)


def state(ws: Workspace) -> tuple[Any, list[Student], int, int]:
    """What is in force: the current version, its students, and the row counts."""
    with ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
        students = roster_store.students(tx, version.id) if version else []
        versions = tx.scalar("SELECT count(*) FROM roster_versions")
        records = tx.scalar("SELECT count(*) FROM audit_log")
    return version, students, versions, records


# ------------------------------------------------------------------ a stored version


def test_first_import_stores_a_version_with_file_name_hash_and_counts(
    ws: Workspace, tmp_path: Path
) -> None:
    path = roster_file(
        tmp_path, '000123,"Martínez, Zoë",5,Y', '000124,"Smith, Ann",5,', '000125,"Doe, Jo",6,X'
    )
    preview = preview_import(ws, path)
    assert preview.base is None
    assert preview.diff.counts == {
        "added": 3,
        "removed": 0,
        "newly_opted_out": 2,
        "opted_back_in": 0,
    }
    result = apply_import(ws, preview, "main office")
    v = result.version
    assert (v.id, v.school, v.imported_by) == (1, ws.school, "main office")
    assert v.source_name == "roster.csv"
    assert v.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (v.students, v.opted_out) == (3, 2)
    assert dict(v.counts) == preview.diff.counts
    assert v.imported_at.startswith("20") and "T" in v.imported_at
    assert v.label == f"1:{v.source_sha256[:12]}"
    version, students, _, _ = state(ws)
    assert version == v
    assert sorted(students, key=lambda s: s.student_id) == sorted(
        preview.roster.students, key=lambda s: s.student_id
    )


def test_each_import_is_a_new_version_and_the_history_keeps_them_all(
    ws: Workspace, tmp_path: Path
) -> None:
    # v1: A (out), B, C (out)
    v1 = do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y', '2,"B, B",5,', '3,"C, C",5,Y'))
    # v2: B opts out, C opts back in, A leaves, D joins opted out, E joins
    p2 = roster_file(
        tmp_path,
        '2,"B, B",5,Y',
        '3,"C, C",5,N',
        '4,"D, D",5,Y',
        '5,"E, E",5,',
        name="roster2.csv",
    )
    preview2 = preview_import(ws, p2)
    assert preview2.base == v1.version
    assert preview2.diff.added == ("4", "5")
    assert preview2.diff.removed == ("1",)
    assert preview2.diff.newly_opted_out == ("2", "4")
    assert preview2.diff.opted_back_in == ("3",)
    v2 = apply_import(ws, preview2, "office")
    # v3: everything back as in v1, plus D still there
    p3 = roster_file(
        tmp_path,
        '1,"A, A",5,Y',
        '2,"B, B",5,',
        '3,"C, C",5,Y',
        '4,"D, D",5,Y',
        name="roster3.csv",
    )
    preview3 = preview_import(ws, p3)
    assert preview3.diff.counts == {
        "added": 1,
        "removed": 1,
        "newly_opted_out": 2,
        "opted_back_in": 1,
    }
    v3 = apply_import(ws, preview3, "office")

    assert [v.id for v in (v1.version, v2.version, v3.version)] == [1, 2, 3]
    with ws.db.snapshot() as tx:
        history = roster_store.history(tx, ws.school)
        first = roster_store.students(tx, 1)
        second = roster_store.students(tx, 2)
    assert [h.source_name for h in history] == ["roster.csv", "roster2.csv", "roster3.csv"]
    assert [dict(h.counts) for h in history] == [
        {"added": 3, "removed": 0, "newly_opted_out": 2, "opted_back_in": 0},
        {"added": 2, "removed": 1, "newly_opted_out": 2, "opted_back_in": 1},
        {"added": 1, "removed": 1, "newly_opted_out": 2, "opted_back_in": 1},
    ]
    assert [(h.students, h.opted_out) for h in history] == [(3, 2), (4, 2), (4, 3)]
    # Earlier versions stay whole.
    assert {s.student_id: s.opted_out for s in first} == {"1": True, "2": False, "3": True}
    assert {s.student_id: s.opted_out for s in second} == {
        "2": True,
        "3": False,
        "4": True,
        "5": False,
    }
    assert state(ws)[0] == v3.version


def test_diff_counts_new_opted_out_students_and_renames() -> None:
    before = [Student("1", "Smith", "Ann"), Student("2", "Doe", "Jo", opted_out=True)]
    after = [
        Student("1", "Smith-Jones", "Ann"),
        Student("2", "Doe", "Jo", opted_out=True),
        Student("3", "Roe", "Al", opted_out=True),
    ]
    diff = diff_rosters(before, after)
    assert diff.added == ("3",)
    assert diff.newly_opted_out == ("3",)  # a new student who is opted out needs a face too
    assert diff.renamed == ("1",)
    assert diff.unchanged == 1
    assert diff.loses_references == ()


def test_preview_alone_stores_nothing(ws: Workspace, tmp_path: Path) -> None:
    do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y'))
    before = state(ws)
    preview = preview_import(ws, roster_file(tmp_path, '2,"B, B",5,Y', name="next.csv"))
    assert preview.diff.added == ("2",)
    assert state(ws) == before


def test_import_appends_one_approval_log_record(ws: Workspace, tmp_path: Path) -> None:
    path = roster_file(tmp_path, '1,"A, A",5,Y', '2,"B, B",5,')
    result = do_import(ws, path, by="jsmith")
    with ws.db.snapshot() as tx:
        records = list(audit.records(tx, ws.school))
    assert [(r.action, r.actor) for r in records] == [("roster.import", "jsmith")]
    body = records[0].body
    assert body["roster_version"] == result.version.label
    assert body["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (body["students"], body["opted_out"]) == (2, 1)
    assert audit.verify(ws.db, ws.school, ws.home).ok


def test_a_stale_preview_is_refused(ws: Workspace, tmp_path: Path) -> None:
    stale = preview_import(ws, roster_file(tmp_path, '1,"A, A",5,Y'))
    do_import(ws, roster_file(tmp_path, '2,"B, B",5,Y', name="other.csv"))
    before = state(ws)
    with pytest.raises(UserError, match="preview the file again"):
        apply_import(ws, stale, "office")
    assert state(ws) == before


def add_reference(ws: Workspace, student_id: str) -> None:
    with ws.db.transaction() as tx:
        ref_store.store_key(tx, ws.school, student_id, b"wrapped", "2025-09-01T00:00:00+00:00")
        tx.execute(
            "INSERT INTO face_references (school, student_id, source_sha256, source_name, box, "
            "face_px, model, created_at, sealed_encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ws.school, student_id, "ab" * 32, "p.jpg", "[0,0,1,1]", 120, "m", "x", b"sealed"),
        )


def test_students_who_leave_or_opt_back_in_lose_their_reference_faces(
    ws: Workspace, tmp_path: Path
) -> None:
    do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y', '2,"B, B",5,Y', '3,"C, C",5,Y'))
    for sid in ("1", "2", "3"):
        add_reference(ws, sid)
    result = do_import(ws, roster_file(tmp_path, '2,"B, B",5,N', '3,"C, C",5,Y', name="next.csv"))
    assert sorted(result.references_deleted) == ["1", "2"]
    with ws.db.snapshot() as tx:
        kept = tx.rows("SELECT student_id FROM face_references ORDER BY student_id")
        keys = tx.rows("SELECT student_id FROM student_keys ORDER BY student_id")
        records = list(audit.records(tx, ws.school))
    assert [r["student_id"] for r in kept] == ["3"]
    assert [r["student_id"] for r in keys] == ["3"]
    removal = records[-1]
    assert removal.action == "enroll.remove"
    assert removal.body["reasons"] == {"1": "left the roster", "2": "opted back in"}


# ------------------------------------------------------------------------- refusals


REFUSED: dict[str, bytes] = {
    "no ID column": b'Name,Photo Opt Out\r\n"A, A",Y\r\n',
    "no name column": b"Student ID,Grade,Photo Opt Out\r\n1,5,Y\r\n",
    "no opt-out column": b'Student ID,Name,Grade\r\n1,"A, A",5\r\n',
    "duplicate IDs": b'Student ID,Name,Photo Opt Out\r\n1,"A, A",Y\r\n1,"B, B",\r\n',
    "empty ID": b'Student ID,Name,Photo Opt Out\r\n1,"A, A",Y\r\n,"B, B",\r\n',
    "unknown flag": b'Student ID,Name,Photo Opt Out\r\n1,"A, A",Maybe\r\n',
    "empty file": b"",
    "header only": b"Student ID,Name,Photo Opt Out\r\n",
    "png renamed": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "random binary": bytes(range(256)) * 8,
    "json": b'{"students": [{"Student ID": 1, "Name": "A, A", "Photo Opt Out": "Y"}]}',
    "cut short": b'Student ID,Name,Photo Opt Out\r\n1,"A, A",Y\r\n2,"B, B"\r\n',
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_files_leave_the_roster_in_force(ws: Workspace, tmp_path: Path, case: str) -> None:
    do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y', '2,"B, B",5,'))
    before = state(ws)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(REFUSED[case])
    with pytest.raises(UserError) as info:
        preview_import(ws, bad)
    assert "\n" not in str(info.value)
    assert state(ws) == before
    assert before[2] == 1  # still one version row, and the same students in force


def test_unreadable_and_missing_files_leave_the_roster_in_force(
    ws: Workspace, tmp_path: Path
) -> None:
    do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y'))
    before = state(ws)
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(UserError):
            preview_import(ws, path)
    assert state(ws) == before


@pytest.mark.sqlite_only
def test_a_failure_while_storing_rolls_back_the_whole_import(ws: Workspace, tmp_path: Path) -> None:
    do_import(ws, roster_file(tmp_path, '1,"A, A",5,Y'))
    before = state(ws)
    preview = preview_import(ws, roster_file(tmp_path, '2,"B, B",5,Y', name="next.csv"))
    # A student row that breaks the table's NOT NULL constraint fails half way in.
    broken = Student("3", None, "C")
    bad = ImportPreview(
        roster=Roster(
            students=(*preview.roster.students, broken),
            columns=preview.roster.columns,
            source_name="next.csv",
            source_sha256=preview.roster.source_sha256,
        ),
        diff=preview.diff,
        base=preview.base,
        before=preview.before,
    )
    with pytest.raises(sqlite3.IntegrityError):
        apply_import(ws, bad, "office")
    assert state(ws) == before


def test_ids_that_lost_their_leading_zeros_are_refused(ws: Workspace, tmp_path: Path) -> None:
    do_import(ws, roster_file(tmp_path, '000123,"A, A",5,Y', '000124,"B, B",5,'))
    before = state(ws)
    path = roster_file(tmp_path, '123,"A, A",5,Y', '124,"B, B",5,', name="excel.csv")
    with pytest.raises(UserError) as info:
        preview_import(ws, path)
    message = str(info.value)
    assert "2 student IDs have lost leading zeros" in message
    assert "000123" in message and "123" in message
    assert state(ws) == before


def test_a_file_missing_most_students_warns_before_it_is_applied(
    ws: Workspace, tmp_path: Path
) -> None:
    everyone = [f'{i},"S{i}, A",5,{"Y" if i % 3 == 0 else ""}' for i in range(1, 41)]
    do_import(ws, roster_file(tmp_path, *everyone))
    preview = preview_import(ws, roster_file(tmp_path, *everyone[:10], name="grade5.csv"))
    assert len(preview.warnings) == 1
    assert preview.warnings[0].startswith("30 of the 40 students in roster version 1")
    small_change = preview_import(ws, roster_file(tmp_path, *everyone[:35], name="next.csv"))
    assert small_change.warnings == ()


def test_the_same_file_again_is_noted(ws: Workspace, tmp_path: Path) -> None:
    path = roster_file(tmp_path, '1,"A, A",5,Y')
    do_import(ws, path)
    preview = preview_import(ws, path)
    assert preview.diff.counts == dict.fromkeys(preview.diff.counts, 0)
    assert preview.warnings == ("this file is the same as the one imported as roster version 1",)


def test_name_of_finds_current_and_removed_students(ws: Workspace, tmp_path: Path) -> None:
    do_import(ws, roster_file(tmp_path, '1,"Smith, Ann",5,Y'))
    preview = preview_import(ws, roster_file(tmp_path, '2,"Doe, Jo",5,', name="n.csv"))
    assert preview.name_of("1") == "Ann Smith"
    assert preview.name_of("2") == "Jo Doe"
    assert preview.name_of("999") == "999"


# -------------------------------------------------------------- a whole school


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_school_sized_roster_round_trips(ws: Workspace, tmp_path: Path, kind: str) -> None:
    students = generate_students(1500, seed=3)
    write = write_csv if kind == "csv" else write_xlsx
    first = do_import(ws, write(tmp_path / f"r1.{kind}", students))
    assert first.version.students == 1500
    assert first.version.opted_out == sum(s.opted_out for s in students)
    nxt = churn(students, leave=20, join=25, flip=15)
    second = do_import(ws, write(tmp_path / f"r2.{kind}", nxt))
    counts = second.version.counts
    assert (counts["added"], counts["removed"]) == (25, 20)
    assert counts["newly_opted_out"] + counts["opted_back_in"] >= 1
    _, stored, _, _ = state(ws)
    assert {s.student_id: s.opted_out for s in stored} == {s.student_id: s.opted_out for s in nxt}
    zoe = next(s for s in stored if s.first_name == "Zoë")
    assert zoe.student_id.startswith("00")
