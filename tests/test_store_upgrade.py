"""Upgrading a database written before schema version 3 (issue 15, case 18).

What photoguard wrote before had roster versions whose import records held no
digest of their students, and scan rows that did not name their records. The
upgrade seals every roster version in the log (a ``roster.seal`` record, witnessed
like any other), ties every scan row to its ``scan.file`` record, and from then on
a change to those tables is caught exactly as for data written afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from photoguard import audit
from photoguard.roster import stored as roster_store
from photoguard.roster.model import RosterVersion, Student
from photoguard.scan import stored as scan_store
from photoguard.store import LATEST, MIGRATIONS, ensure_identity
from photoguard.store.engine import SqliteDatabase, Tx
from photoguard.store.migrations import _apply
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.sqlite_only  # a schema-2 file, as an older photoguard left it

STUDENTS = (
    Student("1001", "Rivera", "Ana", opted_out=True),
    Student("1002", "Okafor", "Ben"),
)


def insert_schema_2_version(tx: Tx) -> RosterVersion:
    """A roster version as photoguard wrote it before schema 4 (no ages)."""
    roster_store.ensure_school(tx, "default")
    version_id = tx.scalar(
        "INSERT INTO roster_versions (school, imported_at, imported_by, source_name, "
        "source_sha256, columns, students, opted_out, added, removed, newly_opted_out, "
        "opted_back_in) VALUES ('default', '2026-05-01T09:30:00+00:00', 'office', 'a.csv', "
        "?, '{}', 2, 1, 2, 0, 1, 0) RETURNING id",
        ("ab" * 32,),
    )
    tx.executemany(
        "INSERT INTO roster_students (version_id, school, student_id, last_name, first_name, "
        "middle_name, preferred_name, grade, homeroom, yog, opted_out) "
        "VALUES (?, 'default', ?, ?, ?, '', '', ?, '', '', ?)",
        [(version_id, s.student_id, s.last_name, s.first_name, s.grade, int(s.opted_out))
         for s in STUDENTS],
    )  # fmt: skip
    version = roster_store.current_version(tx, "default")
    assert version is not None
    return version


def schema_2_folder(home: Path) -> list[audit.Record]:
    """A data folder as photoguard before schema 3 left it: a roster import and a scan."""
    home.mkdir(mode=0o700)
    db = SqliteDatabase(home / "photoguard.sqlite")
    for step in MIGRATIONS[:2]:
        _apply(db, step)
    db.identity = ensure_identity(db)
    with db.transaction() as tx:
        version = insert_schema_2_version(tx)
        records = [
            audit.append(
                tx, "default", "office", "roster.import",
                {"roster_version": version.label, "students": 2, "opted_out": 1},
            )
        ]  # fmt: skip
        scan_id = scan_store.start_scan(tx, "default", "t", version.id, {"faces": True})
        records.append(
            audit.append(
                tx, "default", "t", "scan.start",
                {"scan_id": scan_id, "roster_version": version.label, "settings": {"faces": True}},
            )
        )  # fmt: skip
        tx.execute(
            "INSERT INTO scan_files (scan_id, path, sha256, verdict, summary) "
            "VALUES (?, '/p/IMG_1.jpg', ?, 'flagged', '1 face')",
            (scan_id, "cd" * 32),
        )
        records.append(
            audit.append(
                tx, "default", "t", "scan.file",
                {"scan_id": scan_id, "path": "/p/IMG_1.jpg", "sha256": "cd" * 32,
                 "verdict": "flagged", "findings": []},
            )
        )  # fmt: skip
    audit.write_head(home, "default", *records)
    db.close()
    return records


def test_an_older_database_is_sealed_on_upgrade_and_then_covered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from photoguard.store import per_folder

    monkeypatch.delenv(per_folder.ENV, raising=False)
    home = tmp_path / "home"
    old = schema_2_folder(home)

    with open_workspace(home) as ws:  # the upgrade
        with ws.db.snapshot() as tx:
            version, students = roster_store.roster_in_force(tx, ws.school)  # sealed: usable
            (seal,) = audit.records_of(tx, ws.school, ("roster.seal",))
            linked = tx.scalar("SELECT record_seq FROM scan_files")
        assert seal.seq == len(old) + 1 and seal.actor == "photoguard upgrade"
        assert seal.body["roster_version"] == version.label
        assert seal.body["students_sha256"] == roster_store.students_digest(students)
        assert linked == old[-1].seq
        verified = audit.verify(ws.db, ws.school, ws.home)
        assert verified.ok, verified.reason
        assert verified.witnessed == 4  # the seal is witnessed like any record
        assert verified.covered == ("1 roster version", "1 scanned file")
        assert (home / f"photoguard.sqlite.before-v{LATEST}.bak").exists()

        with ws.db.transaction() as tx:  # a change made after the upgrade
            tx.execute("UPDATE roster_students SET opted_out = 0 WHERE student_id = '1001'")
            tx.execute("UPDATE scan_files SET verdict = 'clear'")
        verified = audit.verify(ws.db, ws.school, ws.home)
    assert not verified.ok
    assert "roster version 1 was changed after it was imported" in verified.reason
    assert any("is not what the approval log recorded" in n for n in verified.notes)


def test_the_store_refuses_an_upgrade_without_its_data_step(tmp_path: Path) -> None:
    """The store alone cannot seal a roster: migrating an older database without the
    log's data step is refused before anything changes (never schema 3 unsealed)."""
    from photoguard.store.migrations import current_version, migrate

    home = tmp_path / "home"
    schema_2_folder(home)
    db = SqliteDatabase(home / "photoguard.sqlite")
    try:
        with pytest.raises(RuntimeError, match="schema step 3 converts existing data"):
            migrate(db)
        with db.snapshot() as tx:
            assert current_version(tx) == 2
            assert list(audit.records_of(tx, "default", ("roster.seal",))) == []
    finally:
        db.close()
