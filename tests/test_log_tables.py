"""Decisions rest on the approval log, and log verify covers the tables beside it (case 18).

Someone with the database shell changes what the scan tables or the roster say
(``UPDATE scan_files SET verdict = 'clear'``, an opt-out flag flipped, a roster
version deleted, a scan moved to the newer roster). photoguard never approves on
the strength of such a change, never checks photos against such a roster, and
``photoguard log verify`` fails naming it. Real fixture photos, real dlib, the
real console script; the statements are run as the database's owner through an
ordinary connection, on whichever engine the suite runs (``--engine``): the
SQLite file or the folder's PostgreSQL schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FACES
from faceworld import ROSTER_CSV

from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.faces


def photoguard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    return subprocess.run(
        [exe, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )


def owner_runs(home: Path, *statements: str) -> None:
    """What the database's owner can do behind photoguard's back (no photoguard logic)."""
    with open_workspace(home) as ws, ws.db.transaction() as tx:
        for statement in statements:
            tx.execute(statement)


def log_verify_fails(home: Path) -> str:
    verify = photoguard(home, "log", "verify")
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert "NOT intact" in verify.stdout
    return verify.stdout


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "field-day"
    folder.mkdir()
    shutil.copyfile(FACES / "obama" / "obama2.jpg", folder / "IMG_0001.jpg")  # opted out
    shutil.copyfile(FACES / "rose_leslie" / "rose2.jpg", folder / "IMG_0002.jpg")  # clear
    return folder


def scanned(home: Path, drop: Path) -> None:
    ran = photoguard(home, "scan", str(drop))
    assert ran.returncode == 1, ran.stdout + ran.stderr  # IMG_0001 is flagged
    verify = photoguard(home, "log", "verify")
    assert verify.returncode == 0, verify.stdout


def test_a_verdict_changed_in_the_scan_table_is_not_approved(copy_home: Path, drop: Path) -> None:
    scanned(copy_home, drop)
    owner_runs(copy_home, "UPDATE scan_files SET verdict = 'clear', summary = 'no faces found'")

    approve = photoguard(
        copy_home,
        "approve",
        str(drop / "IMG_0001.jpg"),
        "--by",
        "Ms. Rivera",
        "--reason",
        "posting it",
    )
    assert approve.returncode == 2, approve.stdout
    assert "found it clear" not in approve.stdout
    assert "not what the approval log recorded" in approve.stderr
    assert "IMG_0001.jpg in scan" in log_verify_fails(copy_home)
    # Put back as it was, the table matches its records again, and verify says it checked it.
    owner_runs(
        copy_home,
        "UPDATE scan_files SET verdict = 'flagged' WHERE path LIKE '%IMG_0001.jpg'",
    )
    verify = photoguard(copy_home, "log", "verify")
    assert verify.returncode == 0, verify.stdout
    assert "match it: 1 roster version, 2 scanned files." in verify.stdout


def test_a_made_up_newer_check_is_not_approved(copy_home: Path, drop: Path) -> None:
    """A scan row and a clear file row inserted with the photo's real SHA-256."""
    scanned(copy_home, drop)
    with open_workspace(copy_home) as ws, ws.db.snapshot() as tx:
        row = tx.row("SELECT * FROM scan_files WHERE path LIKE '%IMG_0001.jpg'")
        scan = tx.row("SELECT * FROM scans WHERE id = ?", (row["scan_id"],))
    assert row is not None and scan is not None and row["verdict"] == "flagged"
    owner_runs(
        copy_home,
        "INSERT INTO scans (id, school, started_at, actor, roster_version_id, settings) "
        f"VALUES (999, 'default', '{scan['started_at']}', 'x', {scan['roster_version_id']}, "
        f"'{scan['settings']}')",
        "INSERT INTO scan_files (scan_id, path, sha256, verdict, summary) "
        f"VALUES (999, '{row['path']}', '{row['sha256']}', 'clear', 'no faces found')",
    )

    approve = photoguard(
        copy_home,
        "approve",
        str(drop / "IMG_0001.jpg"),
        "--by",
        "Ms. Rivera",
        "--reason",
        "posting it",
    )
    assert approve.returncode == 2, approve.stdout
    assert "is not in the approval log" in approve.stderr
    assert "is in the database but not in the approval log" in log_verify_fails(copy_home)


def test_an_opt_out_flag_flipped_in_the_roster_table_stops_every_scan(
    copy_home: Path, drop: Path
) -> None:
    owner_runs(copy_home, "UPDATE roster_students SET opted_out = 0 WHERE student_id = '1001'")

    ran = photoguard(copy_home, "scan", str(drop), "--approve", "--by", "Ms. Rivera")
    assert ran.returncode == 2, ran.stdout
    assert "Approved" not in ran.stdout and "clear" not in ran.stdout
    assert "was changed after it was imported" in ran.stderr
    assert len(ran.stderr.splitlines()) == 1
    assert "roster version 1 was changed after it was imported" in log_verify_fails(copy_home)


def test_a_roster_version_deleted_from_the_tables_is_found(
    copy_home: Path, drop: Path, tmp_path: Path
) -> None:
    """The newest import (Biden newly opted out) deleted: the old roster would be in force."""
    newer = tmp_path / "aspen.csv"
    newer.write_text(ROSTER_CSV.replace("1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y"))
    assert photoguard(copy_home, "roster", "import", str(newer), "--by", "office").returncode == 0
    with open_workspace(copy_home) as ws, ws.db.snapshot() as tx:
        newest = tx.scalar("SELECT max(id) FROM roster_versions")
    owner_runs(
        copy_home,
        f"DELETE FROM roster_students WHERE version_id = {newest}",
        f"DELETE FROM roster_versions WHERE id = {newest}",
    )

    ran = photoguard(copy_home, "scan", str(drop))
    assert ran.returncode == 2, ran.stdout
    assert "is not the one the approval log says was imported last" in ran.stderr
    assert "is not the roster in force in the database" in log_verify_fails(copy_home)


def test_a_scan_moved_to_the_newer_roster_in_the_database_is_not_approved(
    copy_home: Path, drop: Path, tmp_path: Path
) -> None:
    """A clear photo scanned against the old roster, then a newer roster: it must be scanned
    again, and pretending the scan used the newer roster does not change that."""
    scanned(copy_home, drop)
    newer = tmp_path / "aspen.csv"
    newer.write_text(
        ROSTER_CSV.replace("1004,Leslie,Roseanne,,4,102,", "1004,Leslie,Roseanne,,4,102,Y")
    )
    assert photoguard(copy_home, "roster", "import", str(newer), "--by", "office").returncode == 0
    owner_runs(
        copy_home, "UPDATE scans SET roster_version_id = (SELECT max(id) FROM roster_versions)"
    )

    approve = photoguard(
        copy_home,
        "approve",
        str(drop / "IMG_0002.jpg"),
        "--by",
        "Ms. Rivera",
        "--reason",
        "posting it",
    )
    assert approve.returncode == 2, approve.stdout
    assert "a newer roster was imported since" in approve.stderr
    assert "in the database, but" in log_verify_fails(copy_home)


# ----------------------------------------------------------------- district mode


@pytest.mark.postgres
def test_a_staff_login_that_flips_a_verdict_with_psql_gets_no_approval(
    pg_url: str, pg_login: Callable[[str, str], str], tmp_path: Path
) -> None:
    """District mode: a staff login may update scan rows (the scan writes them), so a
    teacher with psql and their own password could flip a verdict. The approval reads
    the log, which no staff login can change."""
    import psycopg
    from PIL import Image

    from photoguard import audit
    from photoguard.errors import UserError
    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.scan.decisions import decide
    from photoguard.scan.run import FileChecked, ScanOptions, scan
    from photoguard.workspace import district

    roster = tmp_path / "aspen.csv"
    roster.write_text(
        "Student ID,Last Name,First Name,Photo Opt Out\r\n1001,Rivera,Ana,Y\r\n", "utf-8"
    )
    staff_url = pg_login(pg_url, "staff")
    with open_workspace(tmp_path / "office", db_url=pg_url, school="north") as ws:
        apply_import(ws, preview_import(ws, roster), "office")
        district.grant(
            ws.db, psycopg.conninfo.conninfo_to_dict(staff_url)["user"], "staff", "north"
        )
    photo = tmp_path / "drop" / "Ana Rivera at field day.jpg"  # a full name: flagged
    photo.parent.mkdir()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(photo)
    with open_workspace(tmp_path / "teacher", db_url=staff_url) as ws:
        events = list(scan(ws, [photo], ScanOptions(actor="ms.rivera", use_cache=False)))
        (checked,) = [e for e in events if isinstance(e, FileChecked)]
        assert checked.result.verdict == "flagged"
        with psycopg.connect(staff_url, autocommit=True) as conn:  # the teacher's own psql
            assert conn.execute("UPDATE scan_files SET verdict = 'clear'").rowcount == 1
        with pytest.raises(UserError, match="not what the approval log recorded"):
            decide(ws, photo, "approve", by="Ms. Rivera")
        verified = audit.verify(ws.db, ws.school, ws.home)
    assert not verified.ok and "is not what the approval log recorded" in verified.reason
