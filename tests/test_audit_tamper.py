"""Someone with the sqlite3 shell rewrites history; `photoguard log verify` names the first bad one.

Every attack first drops the append-only triggers, as an attacker would, then
changes the database file directly through the sqlite3 module.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from photoguard import audit
from photoguard.cli.main import main
from photoguard.workspace.folder import open_workspace

RECORDS = 10
SCHOOL = "default"

Attack = Callable[[sqlite3.Connection], None]


@pytest.fixture
def logged(home: Path) -> list[audit.Record]:
    """A log of ten records, as a week of work would leave it."""
    bodies = [
        ("roster.import", {"roster_version": "1:ab12cd34ef56", "students": 412, "opted_out": 9}),
        ("enroll.add", {"student_id": "1001", "references_added": 2, "source": "picture-day"}),
        ("scan.start", {"scan_id": 1, "paths": ["/photos/field-day"], "roster_version": "1:ab"}),
        ("scan.file", {"scan_id": 1, "path": "/photos/field-day/1.jpg", "verdict": "flagged"}),
        ("scan.file", {"scan_id": 1, "path": "/photos/field-day/2.jpg", "verdict": "clear"}),
        ("scan.finish", {"scan_id": 1, "counts": {"clear": 1, "flagged": 1}}),
        ("decision.block", {"path": "/photos/field-day/1.jpg", "verdict": "flagged"}),
        ("decision.approve", {"path": "/photos/field-day/2.jpg", "verdict": "clear"}),
        ("enroll.remove", {"student_ids": ["1001"], "reasons": {"1001": "opted back in"}}),
        ("decision.override", {"path": "/photos/x.jpg", "verdict": "review", "reason": "ok"}),
    ]
    with open_workspace(home) as ws:
        written = [
            audit.log_action(ws.db, ws.home, ws.school, "ms.rivera", action, body)
            for action, body in bodies
        ]
    assert len(written) == RECORDS
    return written


@pytest.fixture
def attacker(home: Path) -> Iterator[Callable[[Attack], None]]:
    def attack(change: Attack) -> None:
        with closing(sqlite3.connect(home / "photoguard.sqlite", isolation_level=None)) as conn:
            conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
            conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
            conn.execute("BEGIN")
            change(conn)
            conn.execute("COMMIT")

    yield attack


def verify_cli(home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--home", str(home), "log", "verify"])
    return code, capsys.readouterr().out


def rechain(conn: sqlite3.Connection, from_seq: int = 1) -> None:
    """Recompute every hash from ``from_seq`` on, so the chain links up again."""
    rows = conn.execute(
        "SELECT school, seq, at, actor, action, body FROM audit_log WHERE school = ? ORDER BY seq",
        (SCHOOL,),
    ).fetchall()
    prev = audit.GENESIS
    for school, seq, at, actor, action, body in rows:
        if seq >= from_seq:
            digest = audit.record_hash(school, seq, at, actor, action, json.loads(body), prev)
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE school = ? AND seq = ?",
                (prev, digest, school, seq),
            )
            prev = digest
        else:
            prev = conn.execute(
                "SELECT hash FROM audit_log WHERE school = ? AND seq = ?", (school, seq)
            ).fetchone()[0]


def shift(conn: sqlite3.Connection, after: int, by: int) -> None:
    """Renumber every record after ``after`` (highest first, so numbers never collide)."""
    order = "DESC" if by > 0 else "ASC"
    seqs = [
        s
        for (s,) in conn.execute(
            f"SELECT seq FROM audit_log WHERE seq > ? ORDER BY seq {order}", (after,)
        )
    ]
    for s in seqs:
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (s + by, s))


def change_body(conn: sqlite3.Connection) -> None:
    conn.execute(
        "UPDATE audit_log SET body = replace(body, '\"flagged\"', '\"clear\"') WHERE seq = 4"
    )


def change_actor(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET actor = 'mr.smith' WHERE seq = 7")


def change_time(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = 6")


def change_action(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET action = 'decision.approve' WHERE seq = 7")


def reformat_body(conn: sqlite3.Connection) -> None:
    """Same meaning, different text: still not the record that was written."""
    conn.execute("UPDATE audit_log SET body = replace(body, ',', ', ') WHERE seq = 3")


def delete_middle(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_log WHERE seq = 5")


def delete_middle_and_renumber(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_log WHERE seq = 5")
    shift(conn, after=5, by=-1)


def delete_middle_renumber_and_rechain(conn: sqlite3.Connection) -> None:
    delete_middle_and_renumber(conn)
    rechain(conn, from_seq=5)


def delete_last(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_log WHERE seq = 10")


def delete_last_three(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_log WHERE seq >= 8")


def _forge(conn: sqlite3.Connection, seq: int) -> None:
    prev = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq - 1,)).fetchone()[0]
    at = "2026-05-01T09:00:00.000000+00:00"
    body = {"path": "/photos/field-day/1.jpg", "verdict": "clear"}
    digest = audit.record_hash(SCHOOL, seq, at, "ms.rivera", "decision.approve", body, prev)
    conn.execute(
        "INSERT INTO audit_log (school, seq, at, actor, action, body, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            SCHOOL,
            seq,
            at,
            "ms.rivera",
            "decision.approve",
            audit.canonical_json(body),
            prev,
            digest,
        ),
    )


def insert_forged(conn: sqlite3.Connection) -> None:
    shift(conn, after=3, by=1)
    _forge(conn, 4)


def insert_forged_and_rechain(conn: sqlite3.Connection) -> None:
    insert_forged(conn)
    rechain(conn, from_seq=5)


def swap_two(conn: sqlite3.Connection) -> None:
    """Reorder: records 3 and 6 trade places (numbers swapped)."""
    conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = 3")
    conn.execute("UPDATE audit_log SET seq = 3 WHERE seq = 6")
    conn.execute("UPDATE audit_log SET seq = 6 WHERE seq = -1")


def swap_two_and_rechain(conn: sqlite3.Connection) -> None:
    swap_two(conn)
    rechain(conn, from_seq=3)


def edit_and_rechain(conn: sqlite3.Connection) -> None:
    change_body(conn)
    rechain(conn, from_seq=4)


def edit_first_and_rechain(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 1")
    rechain(conn, from_seq=1)


def change_prev_hash(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET prev_hash = ? WHERE seq = 8", ("f" * 64,))


def change_hash(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET hash = ? WHERE seq = 2", ("e" * 64,))


def move_to_other_school(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET school = 'elsewhere' WHERE seq = 9")


def truncate_all(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_log")


def damage_json(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_log SET body = '{\"path\": ' WHERE seq = 8")


@pytest.mark.parametrize(
    ("change", "first_bad"),
    [
        (change_body, 4),
        (change_actor, 7),
        (change_time, 6),
        (change_action, 7),
        (reformat_body, 3),
        (change_prev_hash, 8),
        (change_hash, 2),
        (damage_json, 8),
        (delete_middle, 5),
        (delete_middle_and_renumber, 5),
        (delete_middle_renumber_and_rechain, 5),
        (delete_last, 10),
        (delete_last_three, 8),
        (insert_forged, 4),
        (insert_forged_and_rechain, 4),
        (swap_two, 3),
        (swap_two_and_rechain, 3),
        (edit_and_rechain, 4),
        (edit_first_and_rechain, 1),
        (move_to_other_school, 9),
        (truncate_all, 1),
    ],
)
@pytest.mark.sqlite_only
def test_log_verify_names_the_first_bad_record(
    logged: list[audit.Record],
    attacker: Callable[[Attack], None],
    home: Path,
    capsys: pytest.CaptureFixture[str],
    change: Attack,
    first_bad: int,
) -> None:
    assert verify_cli(home, capsys)[0] == 0

    attacker(change)

    code, out = verify_cli(home, capsys)
    assert code == 1
    assert f"record {first_bad} is bad" in out
    assert "NOT intact" in out


def test_an_intact_log_verifies_with_count_and_head_hash(
    logged: list[audit.Record], home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = verify_cli(home, capsys)
    assert code == 0
    assert f"{RECORDS} records verified" in out
    assert f"Head hash: {logged[-1].hash}" in out


@pytest.mark.sqlite_only
def test_dropping_the_guard_alone_is_reported(
    logged: list[audit.Record],
    attacker: Callable[[Attack], None],
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    attacker(lambda conn: None)
    code, out = verify_cli(home, capsys)
    assert code == 1
    assert "append-only guard" in out and "audit_log_no_update" in out


@pytest.mark.sqlite_only
def test_without_the_per_record_witness_the_head_file_still_catches_a_rewrite(
    logged: list[audit.Record],
    attacker: Callable[[Attack], None],
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (home / audit.WITNESS_FILE).unlink()
    attacker(edit_and_rechain)
    code, out = verify_cli(home, capsys)
    assert code == 1
    assert f"record {RECORDS} is bad" in out


@pytest.mark.sqlite_only
def test_the_app_itself_cannot_run_these_statements(logged: list[audit.Record], home: Path) -> None:
    with open_workspace(home) as ws:
        for statement in (
            "UPDATE audit_log SET actor = 'x' WHERE seq = 3",
            "DELETE FROM audit_log WHERE seq = 10",
            "DELETE FROM audit_log",
        ):
            with (
                pytest.raises(sqlite3.DatabaseError, match="append-only"),
                ws.db.transaction() as tx,
            ):
                tx.execute(statement)
        assert audit.verify(ws.db, ws.school, ws.home).ok
