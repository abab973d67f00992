"""The approval log: a hash chain that only grows, witnessed outside the database."""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import uuid
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.workspace.folder import Workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]


def _append(ws: Workspace, action: str = "test.note", **body: object) -> audit.Record:
    return audit.log_action(ws.db, ws.home, ws.school, "ms.rivera", action, body)


def test_records_link_into_a_chain_that_verifies(ws: Workspace) -> None:
    written = [_append(ws, n=i) for i in range(5)]

    assert [r.seq for r in written] == [1, 2, 3, 4, 5]
    assert written[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(written):
        assert after.prev_hash == before.hash
    assert all(r.expected_hash() == r.hash for r in written)
    result = audit.verify(ws.db, ws.school, ws.home)
    assert result.ok, result.reason
    assert result.records == 5
    assert result.head_hash == written[-1].hash
    assert result.witnessed == 5


def test_an_empty_log_verifies(ws: Workspace) -> None:
    result = audit.verify(ws.db, ws.school, ws.home)
    assert result.ok and result.records == 0 and result.head_hash == audit.GENESIS


def test_record_times_are_utc(ws: Workspace) -> None:
    rec = _append(ws)
    assert rec.at.endswith("+00:00")
    offset = rec.when.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


def test_stored_body_is_exactly_what_was_hashed(ws: Workspace) -> None:
    rec = _append(ws, student="Zoë Ñúñez", ratio=0.6, ids=["000123"], nested={"b": 1, "a": 2})
    with ws.db.snapshot() as tx:
        raw = tx.scalar("SELECT body FROM audit_log WHERE seq = ?", (rec.seq,))
        (read,) = list(audit.records(tx, ws.school))
    assert raw == audit.canonical_json(rec.body)
    assert read == rec
    assert read.body["student"] == "Zoë Ñúñez"


def test_a_failed_transaction_leaves_no_record_and_the_chain_continues(ws: Workspace) -> None:
    _append(ws, n=1)
    with pytest.raises(RuntimeError), ws.db.transaction() as tx:
        audit.append(tx, ws.school, "x", "test.note", {"n": 2})
        raise RuntimeError("the action failed")
    rec = _append(ws, n=3)
    assert rec.seq == 2
    assert audit.verify(ws.db, ws.school, ws.home).ok


def test_each_school_has_its_own_chain(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        a = audit.append(tx, "north", "x", "test.note", {})
        b = audit.append(tx, "south", "x", "test.note", {})
    audit.write_head(ws.home, "north", a)
    audit.write_head(ws.home, "south", b)
    assert a.seq == b.seq == 1
    assert audit.verify(ws.db, "north", ws.home).ok
    assert audit.verify(ws.db, "south", ws.home).ok


@pytest.mark.sqlite_only
def test_the_database_refuses_to_change_or_delete_records(ws: Workspace) -> None:
    _append(ws)
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"), ws.db.transaction() as tx:
            tx.execute(statement)
    assert audit.verify(ws.db, ws.school, ws.home).ok


def test_photoguard_has_no_code_that_updates_or_deletes_log_records() -> None:
    pattern = re.compile(
        r"(UPDATE\s+audit_log|DELETE\s+FROM\s+audit_log|TRUNCATE\s+(TABLE\s+)?audit_log)", re.I
    )
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "photoguard").rglob("*.py"))
        if p.name != "migrations.py" and pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_head_file_and_the_witness_follow_every_append(ws: Workspace) -> None:
    recs = [_append(ws, n=i) for i in range(3)]
    assert audit.read_head(ws.home, ws.school) == (3, recs[-1].hash)
    assert audit.read_witness(ws.home, ws.school) == {r.seq: r.hash for r in recs}
    assert (ws.home / audit.HEAD_FILE).stat().st_mode & 0o077 == 0
    assert (ws.home / audit.WITNESS_FILE).stat().st_mode & 0o077 == 0


def test_a_witness_line_torn_by_a_crash_does_not_spoil_the_next(ws: Workspace) -> None:
    _append(ws, n=1)
    with (ws.home / audit.WITNESS_FILE).open("a", encoding="utf-8") as f:
        f.write('\n{"hash":"ab')  # the process died in the middle of a write
    rec = _append(ws, n=2)
    assert audit.read_witness(ws.home, ws.school)[2] == rec.hash
    assert audit.verify(ws.db, ws.school, ws.home).ok


def test_a_witness_lagging_behind_a_commit_still_verifies(ws: Workspace) -> None:
    _append(ws, n=1)
    with ws.db.transaction() as tx:  # committed, then the process died before write_head
        audit.append(tx, ws.school, "x", "test.note", {"n": 2})
    result = audit.verify(ws.db, ws.school, ws.home)
    assert result.ok and result.records == 2 and result.witnessed == 1


def test_records_appended_together_are_all_witnessed(ws: Workspace) -> None:
    with ws.db.transaction() as tx:
        recs = [audit.append(tx, ws.school, "x", "scan.file", {"n": i}) for i in range(4)]
    audit.write_head(ws.home, ws.school, *recs)
    assert sorted(audit.read_witness(ws.home, ws.school)) == [1, 2, 3, 4]
    assert audit.read_head(ws.home, ws.school) == (4, recs[-1].hash)


def test_the_head_never_moves_back(ws: Workspace) -> None:
    first = _append(ws, n=1)
    second = _append(ws, n=2)
    audit.write_head(ws.home, ws.school, first)  # a slower writer finishing late
    assert audit.read_head(ws.home, ws.school) == (2, second.hash)


def test_a_damaged_head_file_is_ignored_not_fatal(ws: Workspace) -> None:
    _append(ws)
    (ws.home / audit.HEAD_FILE).write_text("{not json", "utf-8")
    assert audit.read_head(ws.home, ws.school) is None
    rec = _append(ws)
    assert json.loads((ws.home / audit.HEAD_FILE).read_text("utf-8"))[ws.school]["seq"] == rec.seq


def test_records_can_be_read_by_kind_and_newest_first(ws: Workspace) -> None:
    _append(ws, "scan.start")
    _append(ws, "decision.approve")
    _append(ws, "decision.block")
    _append(ws, "decisionmaker.note")
    with ws.db.snapshot() as tx:
        found = list(audit.records(tx, ws.school, action_prefix="decision.", newest_first=True))
    assert [r.action for r in found] == ["decision.block", "decision.approve"]


@pytest.mark.sqlite_only
def test_verify_notices_the_append_only_guard_was_removed(ws: Workspace) -> None:
    _append(ws)
    conn = sqlite3.connect(ws.home / "photoguard.sqlite")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.commit()
    conn.close()
    result = audit.verify(ws.db, ws.school, ws.home)
    assert not result.ok
    assert result.first_bad is None
    assert "audit_log_no_update" in result.reason


@pytest.mark.postgres
def test_district_database_keeps_the_same_guarantees(home: Path) -> None:
    """On PostgreSQL too: appends chain, changes are refused, a forced change is named."""
    url = os.environ.get("PHOTOGUARD_TEST_PG")
    if not url:
        pytest.skip("set PHOTOGUARD_TEST_PG=postgresql://... to run against PostgreSQL")
    school = f"t{uuid.uuid4().hex[:12]}"  # the server may be shared: a chain of our own
    with open_workspace(home, db_url=url, school=school) as ws:
        recs = [_append(ws, n=i) for i in range(4)]
        with ws.db.snapshot() as tx:
            found = list(audit.records(tx, school, action_prefix="test."))
        assert [r.hash for r in found] == [r.hash for r in recs]
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"), ws.db.transaction() as tx:
                tx.execute(statement + " WHERE school = ?", (school,))
        assert audit.verify(ws.db, school, ws.home).ok

        with ws.db.transaction() as tx:  # an administrator bypassing the guard
            tx.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            tx.execute(
                "UPDATE audit_log SET actor = 'someone' WHERE school = ? AND seq = 3", (school,)
            )
            tx.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
        result = audit.verify(ws.db, school, ws.home)
        assert not result.ok and result.first_bad == 3
