"""Missing history is a failure, not "0 records" (issue 15, case 9).

A data folder that wrote approval-log records knows it did, and to which
database, from any two of its three files (the SQLite database, the witness
``audit-witness.jsonl`` and the head file ``audit-head.json``): deleting the
database, deleting or emptying the witness files, or re-chaining the whole log
with the witness removed, makes ``photoguard log verify`` fail, and no command
starts an empty database where the folder's one was. Everything runs the real
console script on real SQLite files.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from photoguard import audit

pytestmark = pytest.mark.sqlite_only  # the folder's own SQLite file is what goes missing

ROSTER = (
    "Student ID,Last Name,First Name,Photo Opt Out\r\n"
    "1001,Rivera,Ana,Y\r\n1002,Okafor,Ben,N\r\n1003,Tan,Mei,N\r\n"
)
DB = "photoguard.sqlite"
WITNESS = audit.WITNESS_FILE
HEAD = audit.HEAD_FILE


def photoguard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )


@pytest.fixture
def used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder that imported two rosters (two records in its log)."""
    from photoguard.store import per_folder

    monkeypatch.delenv(per_folder.ENV, raising=False)  # its own SQLite file, on any suite engine
    home = tmp_path / "home"
    roster = tmp_path / "aspen.csv"
    roster.write_text(ROSTER, "utf-8")
    assert photoguard(home, "roster", "import", str(roster), "--by", "office").returncode == 0
    roster.write_text(ROSTER + "1004,Diaz,Leo,Y\r\n", "utf-8")
    assert photoguard(home, "roster", "import", str(roster), "--by", "office").returncode == 0
    verify = photoguard(home, "log", "verify")
    assert verify.returncode == 0 and "2 records verified" in verify.stdout, verify.stdout
    return home


def not_intact(home: Path) -> str:
    """``log verify`` fails (exit 1) and says so; returns what it printed."""
    verify = photoguard(home, "log", "verify")
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert "NOT intact" in verify.stdout, verify.stdout
    return verify.stdout


def delete_database(home: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / DB}{suffix}").unlink(missing_ok=True)


def test_a_deleted_database_is_missing_history_and_is_not_recreated(used: Path) -> None:
    delete_database(used)

    out = not_intact(used)
    assert "missing" in out and "0 records" not in out
    for command in (["roster", "show"], ["log", "show"], ["roster", "history"]):
        ran = photoguard(used, *command)
        assert ran.returncode == 2, (command, ran.stdout)
        assert ran.stdout == "" and len(ran.stderr.splitlines()) == 1, ran.stderr
        assert "is missing" in ran.stderr and "Traceback" not in ran.stderr
    assert not (used / DB).exists()  # nothing started an empty database in its place
    assert "missing" in not_intact(used)  # and it stays a failure


def test_a_database_file_replaced_by_another_one_is_refused(used: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-home"
    roster = tmp_path / "other.csv"
    roster.write_text(ROSTER, "utf-8")
    assert photoguard(other, "roster", "import", str(roster), "--by", "x").returncode == 0
    delete_database(used)
    shutil.copyfile(other / DB, used / DB)  # a database with a valid log of its own

    assert "is not the one this data folder wrote to" in not_intact(used)
    ran = photoguard(used, "roster", "import", str(roster), "--by", "x")
    assert ran.returncode == 2 and "is not the one this data folder wrote to" in ran.stderr


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_deleted_or_emptied_witness_files_are_a_failure(used: Path, how: str) -> None:
    for name in (WITNESS, HEAD):
        if how == "deleted":
            (used / name).unlink()
        else:
            (used / name).write_bytes(b"")

    out = not_intact(used)
    assert "witness" in out and "missing or empty" in out


def test_the_witness_file_alone_deleted_is_a_failure_the_head_file_alone_is_not(
    used: Path, tmp_path: Path
) -> None:
    (used / HEAD).unlink()  # the witness file still holds every record
    verify = photoguard(used, "log", "verify")
    assert verify.returncode == 0, verify.stdout
    assert "Every record also matches" in verify.stdout
    roster = tmp_path / "aspen.csv"  # the next write puts the head file back
    assert photoguard(used, "roster", "import", str(roster), "--by", "office").returncode == 0
    assert (used / HEAD).exists()

    (used / WITNESS).unlink()  # the head file alone knows only the newest record
    assert f"{WITNESS} is missing or was emptied" in not_intact(used)


def test_a_witness_lost_stays_lost_after_photoguard_writes_again(
    used: Path, tmp_path: Path
) -> None:
    """Writing afterwards starts a new witness; the records before it stay unchecked."""
    for name in (WITNESS, HEAD):
        (used / name).unlink()
    roster = tmp_path / "aspen.csv"
    roster.write_text(ROSTER, "utf-8")
    assert photoguard(used, "roster", "import", str(roster), "--by", "office").returncode == 0

    assert "records 1 to 2 were written before" in not_intact(used)


def test_a_full_rechain_with_the_witness_removed_is_caught(used: Path) -> None:
    """The shell user rewrites a record, recomputes every hash and deletes the witness."""
    with sqlite3.connect(used / DB) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        rows = conn.execute("SELECT seq, at, actor, action, body FROM audit_log ORDER BY seq")
        prev = audit.GENESIS
        for seq, at, actor, action, body in rows.fetchall():
            content = json.loads(body)
            if seq == 1:
                content["opted_out"] = 0  # "nobody was opted out in that roster"
            text = audit.canonical_json(content)
            digest = audit.record_hash("default", seq, at, actor, action, content, prev)
            conn.execute(
                "UPDATE audit_log SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (text, prev, digest, seq),
            )
            prev = digest
        conn.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'append-only'); END"
        )
    conn.close()
    for name in (WITNESS, HEAD):
        (used / name).unlink()

    assert "witness" in not_intact(used)


def test_a_fresh_data_folder_verifies_empty_and_log_verify_creates_nothing(
    tmp_path: Path,
) -> None:
    home = tmp_path / "fresh"
    home.mkdir(mode=0o700)
    verify = photoguard(home, "log", "verify")
    assert verify.returncode == 0 and "0 records verified" in verify.stdout, verify.stdout
    assert list(home.iterdir()) == []  # no database, no witness: verifying changes nothing
    assert photoguard(home, "roster", "show").returncode == 0  # a fresh folder starts as usual
    assert (home / DB).exists()
