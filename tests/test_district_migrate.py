"""``photoguard db migrate-to URL``: a single machine's SQLite install moves into PostgreSQL.

Everything comes across unchanged (rosters, sealed references, scans, the log with
its chain), the data folder switches to the new database without saving a
password, its witness keeps covering both databases, and the master key can be
placed in the district's key folder for the other machines.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from photoguard import audit
from photoguard.cli.main import main
from photoguard.references import stored as ref_store
from photoguard.references.enroll import ENCODING_KIND, load_reference_set
from photoguard.references.vault import Vault
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan import stored as scan_store
from photoguard.scan.decisions import decide
from photoguard.store import DATA_TABLES, per_folder
from photoguard.store.engine import SQLITE_FILE
from photoguard.workspace.database import open_database
from photoguard.workspace.folder import open_workspace
from photoguard.workspace.settings import load_settings

pytestmark = pytest.mark.postgres

ROSTER = (
    "Student ID,Name,Grade,Homeroom,Photo Opt Out\r\n"
    '000123,"Martínez, Zoë",5,H1,Y\r\n'
    '000124,"Smith, Ann",5,H1,\r\n'
)


@pytest.fixture
def single_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder on its own SQLite file: a roster, a sealed reference, a scan (its rows
    and records), a decision."""
    monkeypatch.delenv(per_folder.ENV, raising=False)  # SQLite even when the suite runs on PG
    monkeypatch.delenv("PHOTOGUARD_KEY_DIR", raising=False)  # keys in the folder's keys/
    home = tmp_path / "laptop"
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    photo = tmp_path / "IMG_1.jpg"
    photo.write_bytes(b"not really a photo, but bytes with a hash")
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, roster), "office")
        vault = Vault(ws.db, ws.home, ws.school)
        encoding = np.arange(128, dtype="<f4").tobytes()
        with ws.db.transaction() as tx:
            sealed = vault.seal(tx, "000123", ENCODING_KIND, encoding)
            ref_store.insert_reference(
                tx,
                ws.school,
                ref_store.StoredReference(
                    0, "000123", "a" * 64, "day.jpg", "[0,0,1,1]", 120, "m",
                    "2026-09-01T08:00:00+00:00", sealed, None,
                ),
            )  # fmt: skip
            version = tx.scalar("SELECT max(id) FROM roster_versions")
            scan_id = scan_store.start_scan(tx, ws.school, "t", version, {"faces": True})
            start = audit.append(
                tx, ws.school, "t", "scan.start", {"scan_id": scan_id, "model": "m"}
            )
            # The row and its scan.file record, as the real scan writes them (decisions
            # read the record).
            checked = {
                "scan_id": scan_id,
                "path": str(photo.resolve()),
                "sha256": decide_sha(photo),
            }
            found = audit.append(
                tx, ws.school, "t", "scan.file", {**checked, "verdict": "clear", "findings": []}
            )
            scan_store.record_file(
                tx, scan_id, str(photo.resolve()), decide_sha(photo), "clear", "no faces",
                record_seq=found.seq,
            )  # fmt: skip
            # The check finished, as the real scan records it (decisions wait for it).
            done = audit.append(tx, ws.school, "t", "scan.finish", {"scan_id": scan_id})
        audit.write_head(ws.home, ws.school, start, found, done)
        decide(ws, photo, "approve", by="Ms. Rivera")
    return home


def decide_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(db_url: str | None, home: Path) -> dict[str, list[dict[str, object]]]:
    with open_database(home, db_url) as db, db.snapshot() as tx:
        return {
            table: [
                {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in r.items()}
                for r in tx.rows(f"SELECT * FROM {table} ORDER BY {order}")
            ]
            for table, order in DATA_TABLES.items()
        }


def test_migrate_to_copies_everything_and_switches_the_folder(
    single_machine: Path,
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = single_machine
    before = _rows(None, home)
    keys = tmp_path / "district-keys"

    assert main(["--home", str(home), "db", "migrate-to", pg_url, "--key-dir", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "school default: 5 approval-log records, chain verified on both sides" in out
    assert f"was written to {keys}" in out
    assert "The password was not saved" in out

    password = urlsplit(pg_url).password
    assert password and password not in (home / "settings.json").read_text("utf-8")
    monkeypatch.setenv("PGPASSWORD", password)  # what ~/.pgpass gives a real machine

    after = _rows(pg_url, home)
    assert after == before  # every row, ids and bytes included
    with open_workspace(home) as ws:  # the folder's own settings now name PostgreSQL
        assert ws.db.dialect == "postgresql"
        result = audit.verify(ws.db, ws.school, ws.home)
        assert result.ok, result.reason
        assert (result.records, result.witnessed) == (5, 5)
        new = audit.log_action(ws.db, ws.home, ws.school, "t", "test.note", {"after": True})
        assert new.seq == 6
        with ws.db.transaction() as tx:  # numbering continues after the copied rows
            scan_id = scan_store.start_scan(tx, ws.school, "t", None, {})
        assert scan_id == max(r["id"] for r in before["scans"]) + 1
        assert audit.verify(ws.db, ws.school, ws.home).ok

    # The SQLite file, left as it was, still verifies against the same witness.
    with open_database(home) as old:
        kept = audit.verify(old, "default", home)
        assert kept.ok, kept.reason
        assert (kept.records, kept.witnessed) == (5, 5)

    # Another machine, given only the district key folder, opens the references.
    monkeypatch.setenv("PHOTOGUARD_KEY_DIR", str(keys))
    with open_workspace(tmp_path / "teacher", db_url=pg_url) as ws:
        assert ws.school == "default"
        assert load_reference_set(ws).student_ids == ["000123"]


@pytest.mark.sqlite_only
def test_a_log_that_does_not_verify_is_not_moved(
    single_machine: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(single_machine / SQLITE_FILE) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
    conn.close()
    assert main(["--home", str(single_machine), "db", "migrate-to", pg_url]) == 2
    err = capsys.readouterr().err
    assert "does not verify here" in err and "nothing was copied" in err
    assert load_settings(single_machine).db_url == ""  # the folder still uses its file
    import psycopg

    with psycopg.connect(pg_url) as conn:  # not even the tables were created
        assert conn.execute("SELECT to_regclass('audit_log')").fetchone() == (None,)


def test_a_database_that_already_holds_data_is_not_filled(
    single_machine: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_workspace(tmp_path / "elsewhere", db_url=pg_url) as ws:
        audit.log_action(ws.db, ws.home, ws.school, "x", "test.note", {})
    assert main(["--home", str(single_machine), "db", "migrate-to", pg_url]) == 2
    assert "already holds photoguard data (audit_log)" in capsys.readouterr().err
    with open_workspace(tmp_path / "elsewhere", db_url=pg_url) as ws:
        assert audit.verify(ws.db, ws.school, ws.home).records == 1


def test_a_folder_without_a_sqlite_file_has_nothing_to_move(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", str(tmp_path / "empty"), "db", "migrate-to", pg_url]) == 2
    assert "there is no SQLite database" in capsys.readouterr().err
