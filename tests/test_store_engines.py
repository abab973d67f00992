"""The store behaves the same on SQLite and PostgreSQL.

Every test here runs twice through the ``db_url`` fixture: on the data folder's
SQLite file, and on a PostgreSQL schema of its own (skipped without
PHOTOGUARD_TEST_PG).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.roster import stored as roster_store
from photoguard.roster.model import Roster, RosterDiff, Student
from photoguard.scan import stored as scan_store
from photoguard.store import LATEST, MIGRATIONS
from photoguard.workspace.folder import Workspace, open_workspace


def roster(*students: Student) -> Roster:
    return Roster(
        students=students, columns={"id": "Student ID"}, source_name="r.csv", source_sha256="f" * 64
    )


ANN = Student("000123", "Smith", "Ann", "Marie", "Annie", "5", "H1", "2032", True)
JO = Student("000124", "Doe", "Jo")


def _append(ws: Workspace, school: str | None = None, **body: object) -> audit.Record:
    return audit.log_action(ws.db, ws.home, school or ws.school, "ms.rivera", "test.note", body)


def test_a_new_database_is_at_the_latest_schema_and_opening_again_changes_nothing(
    home: Path, db_url: str | None
) -> None:
    with open_workspace(home, db_url=db_url) as ws, ws.db.snapshot() as tx:
        first = tx.rows("SELECT version, applied_at FROM schema_version ORDER BY version")
        identity = ws.db.identity
    with open_workspace(home, db_url=db_url) as ws, ws.db.snapshot() as tx:
        again = tx.rows("SELECT version, applied_at FROM schema_version ORDER BY version")
        assert ws.db.identity == identity
    assert [r["version"] for r in first] == [m.version for m in MIGRATIONS]
    assert first[-1]["version"] == LATEST
    assert again == first
    assert len(identity) == 32


def test_two_databases_have_different_identities(tmp_path: Path, db_url: str | None) -> None:
    other_url = None
    if db_url is not None:  # a second schema on the same server
        import psycopg

        from photoguard.store.per_folder import with_search_path

        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA second_db")
        other_url = with_search_path(db_url, "second_db")
    with (
        open_workspace(tmp_path / "a", db_url=db_url) as a,
        open_workspace(tmp_path / "b", db_url=other_url) as b,
    ):
        assert a.db.identity and b.db.identity and a.db.identity != b.db.identity


def test_the_identity_cannot_be_changed(ws_any: Workspace) -> None:
    for statement in (
        "UPDATE database_identity SET identity = 'x'",
        "DELETE FROM database_identity",
    ):
        with pytest.raises(Exception, match="identity is fixed"), ws_any.db.transaction() as tx:
            tx.execute(statement)
    with ws_any.db.snapshot() as tx:
        assert tx.scalar("SELECT identity FROM database_identity") == ws_any.db.identity


@pytest.fixture
def ws_any(home: Path, db_url: str | None) -> Iterator[Workspace]:
    with open_workspace(home, db_url=db_url) as workspace:
        yield workspace


def test_a_failed_transaction_leaves_nothing_and_a_snapshot_keeps_no_write(
    ws_any: Workspace,
) -> None:
    with pytest.raises(RuntimeError), ws_any.db.transaction() as tx:
        roster_store.ensure_school(tx, "north")
        raise RuntimeError("power cut")
    with ws_any.db.snapshot() as tx:
        roster_store.ensure_school(tx, "ghost")
    with ws_any.db.transaction() as tx:
        roster_store.ensure_school(tx, "south")
    with ws_any.db.snapshot() as tx:
        codes = {r["code"] for r in tx.rows("SELECT code FROM schools")}
    assert codes == {"default", "south"}


def test_foreign_keys_hold(ws_any: Workspace) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), ws_any.db.transaction() as tx:
        tx.execute(
            "INSERT INTO roster_students (version_id, school, student_id, last_name, "
            "first_name, middle_name, preferred_name, grade, homeroom, yog, opted_out) "
            "VALUES (999, ?, '1', 'A', 'B', '', '', '', '', '', 0)",
            (ws_any.school,),
        )


def test_roster_versions_scans_and_references_round_trip(ws_any: Workspace) -> None:
    with ws_any.db.transaction() as tx:
        v1 = roster_store.insert_version(
            tx, ws_any.school, roster(ANN, JO), RosterDiff(added=("000123", "000124")), "me"
        )
        v2 = roster_store.insert_version(
            tx, ws_any.school, roster(JO), RosterDiff(removed=("000123",)), "me"
        )
        ref_store.store_key(tx, ws_any.school, "000123", b"\x00\xffwrapped", "2026-01-01")
        stored = ref_store.StoredReference(
            0, "000123", "a" * 64, "ann.jpg", "[1,2,3,4]", 120, "m", "2026-01-01", b"\x01\x00", None
        )
        assert ref_store.insert_reference(tx, ws_any.school, stored)
        assert not ref_store.insert_reference(tx, ws_any.school, stored)  # same photo again
        scan_id = scan_store.start_scan(tx, ws_any.school, "t", v2.id, {"faces": True})
        scan_store.record_file(tx, scan_id, "/p/a.jpg", "b" * 64, "review", "first")
        scan_store.record_file(tx, scan_id, "/p/a.jpg", "c" * 64, "clear", "again")
        scan_store.finish_scan(tx, scan_id, {"clear": 1})
    with ws_any.db.snapshot() as tx:
        assert [v.id for v in roster_store.history(tx, ws_any.school)] == [v1.id, v2.id]
        assert roster_store.students(tx, v1.id) == [JO, ANN]
        assert roster_store.current_students(tx, ws_any.school) == [JO]
        assert ref_store.wrapped_key(tx, ws_any.school, "000123") == b"\x00\xffwrapped"
        (ref,) = ref_store.references(tx, ws_any.school)
        assert (ref.sealed_encoding, ref.face_px) == (b"\x01\x00", 120)
        last = scan_store.last_scan_of(tx, ws_any.school, "/p/a.jpg")
    assert last is not None and (last.sha256, last.verdict) == ("c" * 64, "clear")
    with ws_any.db.transaction() as tx:
        assert ref_store.forget_students(tx, ws_any.school, ["000123", "999"]) == ["000123"]
        assert ref_store.references(tx, ws_any.school) == []


def test_the_log_chains_refuses_changes_and_verifies_the_same(ws_any: Workspace) -> None:
    recs = [_append(ws_any, n=i) for i in range(4)]
    other = _append(ws_any, school="north", n=0)
    assert [r.seq for r in recs] == [1, 2, 3, 4] and other.seq == 1
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), ws_any.db.transaction() as tx:
            tx.execute(statement)
    result = audit.verify(ws_any.db, ws_any.school, ws_any.home)
    assert result.ok, result.reason
    assert (result.records, result.witnessed, result.head_hash) == (4, 4, recs[-1].hash)
    with ws_any.db.snapshot() as tx:
        assert [r.hash for r in audit.records(tx, ws_any.school)] == [r.hash for r in recs]


def test_one_data_folder_witnessing_two_databases_reports_no_false_rewrite(
    home: Path, db_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same folder used with a second database (e.g. after migrate-to): each log
    is compared only with what was witnessed for it."""
    from photoguard.store import per_folder

    monkeypatch.delenv(per_folder.ENV, raising=False)
    with open_workspace(home) as sqlite_ws:  # this machine's own SQLite file
        firsts = [_append(sqlite_ws, n=i) for i in range(3)]
    # The second database: PostgreSQL, or another folder's SQLite file.
    other = home if db_url is not None else tmp_path / "other"
    with open_workspace(other, db_url=db_url) as second_ws:
        theirs = [
            audit.log_action(second_ws.db, home, second_ws.school, "x", "test.note", {"m": i})
            for i in range(2)
        ]
        assert theirs[0].hash != firsts[0].hash  # the same numbers, other records
        result = audit.verify(second_ws.db, second_ws.school, home)
        assert result.ok, result.reason
        assert result.witnessed == 2
    with open_workspace(home) as sqlite_ws:
        result = audit.verify(sqlite_ws.db, sqlite_ws.school, home)
        assert result.ok, result.reason
        assert result.witnessed == 3


def test_a_rewritten_chain_is_still_named_with_two_databases_witnessed(
    home: Path, db_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keeping witnesses apart must not hide a real rewrite of either log."""
    with open_workspace(home, db_url=db_url) as ws:
        recs = [_append(ws, n=i) for i in range(3)]
        with ws.db.transaction() as tx:  # the owner drops the guard and rewrites record 2
            if tx.dialect == "sqlite":
                tx.execute("DROP TRIGGER audit_log_no_update")
            else:
                tx.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            forged = audit.record_hash(
                ws.school, 2, recs[1].at, "x", "test.note", {"n": 9}, recs[0].hash
            )
            tx.execute(
                "UPDATE audit_log SET actor = 'x', body = ?, hash = ? WHERE seq = 2",
                (audit.canonical_json({"n": 9}), forged),
            )
            third = audit.record_hash(
                ws.school, 3, recs[2].at, recs[2].actor, "test.note", {"n": 2}, forged
            )
            tx.execute(
                "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = 3", (forged, third)
            )
            if tx.dialect == "sqlite":
                tx.execute(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'append-only'); END"
                )
            else:
                tx.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
        result = audit.verify(ws.db, ws.school, ws.home)
    assert not result.ok
    assert result.first_bad == 2
    assert "rewritten" in result.reason


def test_the_school_is_the_only_one_there_is_unless_one_is_chosen(
    home: Path, db_url: str | None
) -> None:
    with open_workspace(home, db_url=db_url, school="north") as ws:
        assert ws.school == "north"
    with open_workspace(home, db_url=db_url) as ws:
        assert ws.school == "north"  # the only school: no --school needed
    with open_workspace(home, db_url=db_url, school="south") as ws:
        assert ws.school == "south"
    with pytest.raises(UserError, match=r"several schools \(north, south\).*--school"):
        open_workspace(home, db_url=db_url)
    with pytest.raises(UserError, match="not a school code"):
        open_workspace(home, db_url=db_url, school="*")


def test_a_fresh_data_folder_works_for_the_default_school(home: Path, db_url: str | None) -> None:
    with open_workspace(home, db_url=db_url) as ws:
        assert ws.school == "default"
        with ws.db.snapshot() as tx:
            assert [r["code"] for r in tx.rows("SELECT code FROM schools")] == ["default"]
