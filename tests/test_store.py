"""The embedded store: one private SQLite file that keeps what it committed.

Real SQLite files in a temporary data folder; the raw ``sqlite3`` module stands
in for anyone who opens the file outside photoguard.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.errors import UserError
from photoguard.roster import stored as roster_store
from photoguard.roster.model import Roster, RosterDiff, Student
from photoguard.store import LATEST, MIGRATIONS
from photoguard.store.engine import SQLITE_FILE
from photoguard.workspace.folder import Workspace, open_workspace

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw(ws_or_home: Workspace | Path) -> sqlite3.Connection:
    home = ws_or_home.home if isinstance(ws_or_home, Workspace) else ws_or_home
    return sqlite3.connect(home / SQLITE_FILE)


# ------------------------------------------------------------------ file and folder


@posix_only
@pytest.mark.sqlite_only
def test_data_folder_is_0700_and_database_files_0600(tmp_path: Path) -> None:
    home = tmp_path / "deep" / "data"
    with open_workspace(home) as ws:
        with ws.db.transaction() as tx:
            roster_store.ensure_school(tx, "north")
        assert mode(home) == 0o700
        db_files = sorted(p.name for p in home.iterdir() if p.name.startswith(SQLITE_FILE))
        assert SQLITE_FILE in db_files
        for name in db_files:  # the file and its -wal/-shm companions
            assert mode(home / name) == 0o600, name
    assert [p.name for p in tmp_path.iterdir()] == ["deep"]  # nothing written elsewhere


@posix_only
def test_an_existing_data_folder_open_to_others_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    with open_workspace(home):
        assert mode(home) == 0o700


def test_a_file_where_the_data_folder_should_be_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.write_text("not a folder")
    with pytest.raises(UserError):
        open_workspace(home)


# ------------------------------------------------------------------------ pragmas


@pytest.mark.sqlite_only
def test_connection_is_wal_synchronous_full_with_foreign_keys(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        assert tx.scalar("PRAGMA synchronous") == 2  # FULL
        assert tx.scalar("PRAGMA foreign_keys") == 1
        assert tx.scalar("PRAGMA journal_mode") == "wal"
    conn = raw(ws)
    try:  # WAL is a property of the file: any other connection sees it too
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_foreign_keys_are_enforced(ws: Workspace) -> None:
    with pytest.raises(sqlite3.IntegrityError), ws.db.transaction() as tx:
        tx.execute(
            "INSERT INTO roster_students (version_id, school, student_id, last_name, "
            "first_name, middle_name, preferred_name, grade, homeroom, yog, opted_out) "
            "VALUES (999, ?, '1', 'A', 'B', '', '', '', '', '', 0)",
            (ws.school,),
        )
    with ws.db.snapshot() as tx:
        assert tx.scalar("SELECT count(*) FROM roster_students") == 0


@pytest.mark.sqlite_only
def test_a_failed_transaction_leaves_nothing_and_a_committed_one_is_on_disk(
    ws: Workspace,
) -> None:
    with pytest.raises(RuntimeError), ws.db.transaction() as tx:
        roster_store.ensure_school(tx, "north")
        raise RuntimeError("power cut")
    with ws.db.transaction() as tx:
        roster_store.ensure_school(tx, "south")
    conn = raw(ws)
    try:
        codes = {r[0] for r in conn.execute("SELECT code FROM schools")}
    finally:
        conn.close()
    assert "south" in codes and "north" not in codes


def test_a_snapshot_never_keeps_a_write(ws: Workspace) -> None:
    with ws.db.snapshot() as tx:
        roster_store.ensure_school(tx, "ghost")
    with ws.db.snapshot() as tx:
        assert tx.scalar("SELECT count(*) FROM schools WHERE code = 'ghost'") == 0


# --------------------------------------------------------------------- migrations


def schema_rows(home: Path) -> list[tuple[int, str, str]]:
    conn = raw(home)
    try:
        return list(conn.execute("SELECT version, description, applied_at FROM schema_version"))
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_a_new_database_records_every_migration_once(home: Path) -> None:
    open_workspace(home).close()
    rows = schema_rows(home)
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]
    assert rows[-1][0] == LATEST


@pytest.mark.sqlite_only
def test_opening_again_does_not_rerun_migrations(home: Path) -> None:
    with open_workspace(home) as ws, ws.db.transaction() as tx:
        roster_store.ensure_school(tx, "north")
    first = schema_rows(home)
    listing = sorted(p.name for p in home.iterdir())
    for _ in range(2):
        open_workspace(home).close()
    assert schema_rows(home) == first  # same rows, same applied_at
    assert not [p for p in home.iterdir() if p.name.endswith(".bak")]  # no pre-migration backup
    assert sorted(p.name for p in home.iterdir()) == listing
    conn = raw(home)
    try:
        assert conn.execute("SELECT count(*) FROM schools WHERE code='north'").fetchone()[0] == 1
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_a_database_with_a_newer_schema_is_refused_and_left_alone(home: Path) -> None:
    open_workspace(home).close()
    conn = raw(home)
    with conn:
        conn.execute(
            "INSERT INTO schema_version VALUES (?, 'from the future', 'later')", (LATEST + 1,)
        )
    conn.close()
    before = schema_rows(home)
    with pytest.raises(UserError) as info:
        open_workspace(home)
    message = str(info.value)
    assert f"schema version {LATEST + 1}" in message
    assert "newer" in message and "update photoguard" in message
    assert "\n" not in message
    assert schema_rows(home) == before


# -------------------------------------------------------------------- approval log


@pytest.mark.sqlite_only
def test_audit_log_refuses_update_and_delete_from_outside(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        audit.append(tx, ws.school, "office", "roster.import", {"students": 3})
        audit.append(tx, ws.school, "office", "roster.import", {"students": 4})
    conn = raw(ws)
    try:
        before = conn.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE seq = 2")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log")
        conn.rollback()
        assert conn.execute("SELECT * FROM audit_log ORDER BY seq").fetchall() == before
    finally:
        conn.close()
    assert audit.verify(ws.db, ws.school, ws.home).ok


@pytest.mark.sqlite_only
def test_audit_log_refuses_update_through_photoguards_own_connection(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        audit.append(tx, ws.school, "office", "roster.import", {})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), ws.db.transaction() as tx:
        tx.execute("UPDATE audit_log SET body = '{}'")
    with ws.db.snapshot() as tx:
        assert tx.scalar("SELECT count(*) FROM audit_log") == 1


# ------------------------------------------------------------------ roster versions


def stored_roster(*students: Student, name: str = "r.csv") -> Roster:
    return Roster(
        students=students, columns={"id": "Student ID"}, source_name=name, source_sha256="f" * 64
    )


def test_roster_versions_round_trip_per_school(ws: Workspace) -> None:
    ann = Student("000123", "Smith", "Ann", "Marie", "Annie", "5", "H1", "2032", True)
    jo = Student("000124", "Doe", "Jo")
    with ws.db.transaction() as tx:
        v1 = roster_store.insert_version(
            tx, ws.school, stored_roster(ann, jo), RosterDiff(added=("000123", "000124")), "me"
        )
        other = roster_store.insert_version(
            tx, "north", stored_roster(jo, name="north.csv"), RosterDiff(), "them"
        )
        v2 = roster_store.insert_version(
            tx, ws.school, stored_roster(jo, name="r2.csv"), RosterDiff(removed=("000123",)), "me"
        )
    with ws.db.snapshot() as tx:
        assert roster_store.current_version(tx, ws.school) == v2
        assert [v.id for v in roster_store.history(tx, ws.school)] == [v1.id, v2.id]
        assert [v.id for v in roster_store.history(tx, "north")] == [other.id]
        assert roster_store.students(tx, v1.id) == [jo, ann]  # sorted by last name
        assert roster_store.current_students(tx, ws.school) == [jo]
        assert roster_store.current_version(tx, "nobody") is None
    assert (v1.students, v1.opted_out, v1.counts["added"]) == (2, 1, 2)
    assert (v2.counts["removed"], v2.source_name) == (1, "r2.csv")


def test_ensure_school_is_idempotent(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        roster_store.ensure_school(tx, "north", "North Elementary")
        roster_store.ensure_school(tx, "north", "Renamed")
    with ws.db.snapshot() as tx:
        assert tx.rows("SELECT code, name FROM schools WHERE code = 'north'") == [
            {"code": "north", "name": "North Elementary"}
        ]
