"""Deleting biometric data: `photoguard purge`, and roster imports that drop students.

What an attacker with an old backup realistically has: a copy of the database
file made before the deletion, and (by stealing this machine later) every key
that exists after it. With those, nothing of the deleted student opens. A backup
that also copied the key folder is the data itself, as it was: the positive
control below shows that such a copy does open, which is also why the README
says to keep ``keys/`` out of backups.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES
from faceworld import ROSTER_CSV, write_roster
from test_privacy_at_rest import assert_no_encodings, reference_encodings

from photoguard import audit
from photoguard.cli.main import main
from photoguard.errors import UserError
from photoguard.references.enroll import (
    ENCODING_KIND,
    coverage_gaps,
    enroll,
    load_reference_set,
    plan_student,
)
from photoguard.references.privacy import inventory, purge_all, purge_student
from photoguard.references.vault import FileKeyStore, SealError, Vault, _aad, _open
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan.cache import CACHE_FILE, CACHE_KEY_ID
from photoguard.scan.run import ScanFinished, scan
from photoguard.store.engine import SqliteDatabase
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.faces


def _keys_of(folder: Path) -> dict[str, bytes]:
    return {p.stem: bytes.fromhex(p.read_text("ascii")) for p in folder.glob("*.key")}


def _keys(home: Path) -> dict[str, bytes]:
    """Every key that exists for this data folder (tests use the file key store)."""
    return _keys_of(home / "keys")


def _old_copy(home: Path, target: Path) -> Path:
    """A backup of the database file as a backup tool makes it (the folder is closed)."""
    assert (
        not (home / "photoguard.sqlite-wal").exists()
        or not (home / "photoguard.sqlite-wal").stat().st_size
    )
    shutil.copyfile(home / "photoguard.sqlite", target)
    return target


def _sealed(db_file: Path, student_id: str) -> tuple[bytes, list[bytes]]:
    db = sqlite3.connect(db_file)
    try:
        wrapped = db.execute(
            "SELECT wrapped_key FROM student_keys WHERE student_id = ?", (student_id,)
        ).fetchone()[0]
        sealed = [
            r[0]
            for r in db.execute(
                "SELECT sealed_encoding FROM face_references WHERE student_id = ?", (student_id,)
            )
        ]
    finally:
        db.close()
    return bytes(wrapped), [bytes(s) for s in sealed]


def _opens_with_any(keys: dict[str, bytes], wrapped: bytes, sealed: list[bytes], sid: str) -> bool:
    """Try every key as the master key (to unwrap the data key) and as the data key."""
    for key in keys.values():
        for attempt in [(wrapped, _aad("data-key", "default", sid))] + [
            (s, _aad(ENCODING_KIND, "default", sid)) for s in sealed
        ]:
            try:
                _open(key, *attempt)
                return True
            except SealError:
                pass
    return False


def _open_encoding(db_file: Path, home: Path, store: FileKeyStore, sid: str) -> np.ndarray:
    """Open a student's first encoding in a database copy, the way photoguard would."""
    _, sealed = _sealed(db_file, sid)
    with SqliteDatabase(db_file) as db:
        vault = Vault(db, home, "default", store)
        with db.snapshot() as tx:
            raw = vault.open(tx, sid, ENCODING_KIND, sealed[0])
    return np.frombuffer(raw, dtype="<f4")


@pytest.mark.sqlite_only
def test_a_purged_student_cannot_be_recovered_from_a_copy_made_before(
    copy_home: Path, tmp_path: Path
) -> None:
    encodings = reference_encodings()
    old_db = _old_copy(copy_home, tmp_path / "backup.sqlite")
    old_keys = tmp_path / "backup-keys"
    shutil.copytree(copy_home / "keys", old_keys)
    old_master = {k for k in _keys(copy_home) if k.startswith("master-")}

    with open_workspace(copy_home) as ws:
        result = purge_student(ws, "1001", "office", "parent asked")
        live = load_reference_set(ws)
        gaps = sorted(s.student_id for s in coverage_gaps(ws))
        with ws.db.snapshot() as tx:
            records = list(audit.records(tx, ws.school))
        verified = audit.verify(ws.db, ws.school, ws.home)

    assert result.had_data == ("1001",) and result.references_deleted == 1
    assert result.retired_key_destroyed and result.retired_key_id in old_master
    assert result.still_opted_out == ("1001",)
    # The live database: 1001 is gone, the others still open and match.
    assert sorted(set(live.student_ids)) == ["1003", "1006"]
    assert gaps == ["1001", "1007"]
    now = _keys(copy_home)
    assert not old_master & set(now), "the old master key still exists"

    # The old copy with every key that exists now: nothing of 1001 opens.
    wrapped, sealed = _sealed(old_db, "1001")
    assert sealed
    assert not _opens_with_any(now, wrapped, sealed, "1001")
    with pytest.raises(UserError, match="missing"):
        _open_encoding(old_db, copy_home, FileKeyStore(copy_home / "keys"), "1001")
    # Nor does anyone else's in that copy: the rotation retired the key that wrapped them
    # (the live database has them re-wrapped under the new key).
    for other in ("1003", "1006"):
        assert not _opens_with_any(now, *_sealed(old_db, other), other)

    # Positive control: the same copy WITH the key folder of that time opens 1001, so the
    # checks above would have caught a key that survived.
    opened = _open_encoding(old_db, copy_home, FileKeyStore(old_keys), "1001")
    assert np.allclose(opened, encodings["1001"], atol=1e-6)
    assert _opens_with_any(_keys_of(old_keys), wrapped, sealed, "1001")

    # The log says it happened, with the student's ID and the reason only.
    purge, removal = records[-2], records[-1]
    assert (purge.action, dict(purge.body)) == (
        "purge",
        {"student_id": "1001", "reason": "parent asked"},
    )
    assert removal.action == "enroll.remove"
    assert removal.body["student_ids"] == ["1001"]
    assert removal.body["reasons"] == {"1001": "purged"}
    assert result.record_seqs == (purge.seq, removal.seq)
    assert_no_encodings(
        "\n".join(json.dumps(r.body) for r in records).encode(),
        encodings.values(),
        "the approval log",
    )
    assert verified.ok, verified


def test_scans_after_a_purge_still_catch_the_other_students(copy_home: Path) -> None:
    with open_workspace(copy_home) as ws:
        purge_student(ws, "1001", "office")
        events = list(scan(ws, [FACES / "groups" / "obama_biden_1.jpg", FACES / "kit_harington"]))
    report = next(e for e in events if isinstance(e, ScanFinished)).report
    verdicts = {f.rel: f.verdict for f in report.files}
    assert verdicts["obama_biden_1.jpg"] == "clear"  # Obama's face can no longer be matched
    assert {verdicts[f"kit{n}.jpg"] for n in (1, 2, 3)} == {"flagged"}
    assert sorted(s.student_id for s in report.coverage_gaps) == ["1001", "1007"]


@pytest.mark.sqlite_only
def test_a_roster_import_that_drops_students_rotates_the_master_key(
    copy_home: Path, tmp_path: Path
) -> None:
    """Kit opts back in and Lin leaves: their data keys go, and a copy of the database from
    before the import cannot yield their encodings either."""
    old_db = _old_copy(copy_home, tmp_path / "backup.sqlite")
    old_master = {k for k in _keys(copy_home) if k.startswith("master-")}
    text = ROSTER_CSV.replace("Christopher,Kit,4,102,Yes", "Christopher,Kit,4,102,No")
    text = text.replace("1006,Miranda,Lin-Manuel,,3,103,X\r\n", "")
    roster = write_roster(tmp_path / "next.csv", text)
    with open_workspace(copy_home) as ws:
        result = apply_import(ws, preview_import(ws, roster), "office")
        live = load_reference_set(ws)
        with ws.db.snapshot() as tx:
            vault_row = tx.row("SELECT master_key_id, retired_key_id FROM vault")
            removal = list(audit.records(tx, ws.school))[-1]
    assert sorted(result.references_deleted) == ["1003", "1006"]
    assert removal.body["reasons"] == {"1003": "opted back in", "1006": "left the roster"}
    assert set(live.student_ids) == {"1001"}
    assert vault_row is not None and vault_row["retired_key_id"] is None
    now = _keys(copy_home)
    assert vault_row["master_key_id"] in now and not old_master & set(now)
    for sid in ("1003", "1006"):
        assert not _opens_with_any(now, *_sealed(old_db, sid), sid)


def test_a_deletion_interrupted_before_the_old_key_was_destroyed_is_finished_later(
    copy_home: Path,
) -> None:
    """A crash between the commit and destroying the old master key leaves the vault
    naming it; the next look at the keys destroys it."""
    with open_workspace(copy_home) as ws:
        vault = Vault(ws.db, ws.home, ws.school)
        with ws.db.transaction() as tx:
            _, retired = vault.forget(tx, ["1006"])
        assert retired and retired in _keys(copy_home)  # the "crash": never destroyed
        inv = inventory(ws)
        assert inv.keys.retired_key_id is None and retired not in _keys(copy_home)
        assert inv.keys.master_present and inv.notices == ()
        assert set(load_reference_set(ws).student_ids) == {"1001", "1003"}

        # Interrupted again, then another deletion: its rotation destroys the key left
        # over (the vault only names the newest retired key), and then its own.
        with ws.db.transaction() as tx:
            _, first = vault.forget(tx, ["1003"])
        with ws.db.transaction() as tx:
            _, second = vault.forget(tx, ["1001"])
        assert first not in _keys(copy_home) and second in _keys(copy_home)
        assert vault.destroy_retired()
        assert set(_keys(copy_home)) == {inventory(ws).keys.master_key_id}


def test_purge_clears_the_scan_cache_and_destroys_its_key(copy_home: Path) -> None:
    """The cache may hold the student's face from scanned photos."""
    with open_workspace(copy_home) as ws:
        list(scan(ws, [FACES / "obama" / "obama.jpg"]))
        assert (copy_home / CACHE_FILE).exists() and CACHE_KEY_ID in _keys(copy_home)
        result = purge_student(ws, "1001", "office")
    assert result.cache_entries_cleared == 1
    assert not (copy_home / CACHE_FILE).exists()
    assert CACHE_KEY_ID not in _keys(copy_home)


def test_a_student_with_nothing_stored_is_logged_and_an_unknown_id_refused(
    copy_home: Path,
) -> None:
    with open_workspace(copy_home) as ws:
        with ws.db.snapshot() as tx:
            master = tx.scalar("SELECT master_key_id FROM vault")
        result = purge_student(ws, "1002", "office", "  asked\nby   email ")  # not opted out
        with ws.db.snapshot() as tx:
            last = list(audit.records(tx, ws.school))[-1]
            assert tx.scalar("SELECT master_key_id FROM vault") == master  # nothing to rotate
        assert result.had_data == () and result.retired_key_id is None
        assert "nothing was stored for student 1002" in result.reason
        assert (last.action, dict(last.body)) == (
            "purge",
            {"student_id": "1002", "reason": "asked by email"},
        )
        with pytest.raises(UserError, match="no roster ever held a student with ID '9999'"):
            purge_student(ws, "9999", "office")
        with pytest.raises(UserError):
            purge_student(ws, "  ", "office")


def test_a_lost_master_key_refuses_a_single_purge_but_purge_all_recovers(
    copy_home: Path,
) -> None:
    """Without the master key the other students' keys cannot be re-sealed; --all deletes
    everything (nothing sealed under a lost key can be opened again) and enrolling works
    again with a new master key."""
    for path in (copy_home / "keys").glob("master-*.key"):
        path.unlink()
    with open_workspace(copy_home) as ws:
        with pytest.raises(UserError, match="purge --all"):
            purge_student(ws, "1001", "office")
        assert inventory(ws).keys.students_with_keys == 3  # nothing changed
        result = purge_all(ws, "office", "master key lost")
        assert result.had_data == ("1001", "1003", "1006")
        assert result.retired_key_destroyed
        inv = inventory(ws)
        assert (inv.references, inv.keys.master_present) == (0, True)
        enroll(ws, plan_student(ws, "1003", [FACES / "kit_harington" / "kit1.jpg"]), "office")
        assert set(load_reference_set(ws).student_ids) == {"1003"}
        assert audit.verify(ws.db, ws.school, ws.home).ok


def test_purge_commands(copy_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(copy_home)]
    rc = main([*home, "purge", "--student", "1003", "--reason", "parent request", "--by", "ms.o"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "Deleted 1 reference face(s) of student 1003 and their key" in out.out
    assert "the old one destroyed" in out.out
    assert "Kit Harington (1003)" in out.out and "Still opted out" in out.out

    assert main([*home, "purge", "--all"]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert main([*home, "purge", "--student", "42"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("photoguard: no roster ever held")

    assert main([*home, "keys", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["students_with_references"] == 2 and status["master_key_present"]

    assert main([*home, "purge", "--all", "--yes", "--by", "ms.o"]) == 0
    assert "of 2 student(s)" in capsys.readouterr().out
    assert main([*home, "log", "show"]) in (0, 1)
    shown = capsys.readouterr().out
    assert "biometric data of student 1003 deleted: parent request" in shown
