"""What each scan saw: one row per scan and one per file (path, bytes hash, verdict).

These tables are an index into the approval log, not the record: a decision
finds the newest scan of a file here, then reads what that check found from its
``scan.file`` record in the log (``record_seq`` names it), and ``log verify``
checks that every row still says what its record says (see log_tables.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from photoguard.files.clock import utc_timestamp, utcnow
from photoguard.store.engine import Tx


@dataclass(frozen=True)
class ScannedFile:
    scan_id: int
    path: str
    sha256: str
    verdict: str
    summary: str
    scanned_at: str
    roster_version_id: int | None
    #: The sequence number of the file's scan.file record (None: rows written before
    #: schema version 3 that no record matched, or by code that writes no record).
    record_seq: int | None = None


def start_scan(
    tx: Tx,
    school: str,
    actor: str,
    roster_version_id: int | None,
    settings: dict[str, Any],
    started_at: str | None = None,
) -> int:
    """``started_at`` should be taken before the scan reads the references it uses."""
    return int(
        tx.scalar(
            "INSERT INTO scans (school, started_at, actor, roster_version_id, settings) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (
                school,
                started_at or utc_timestamp(),  # to the microsecond: logged_check.later
                actor,
                roster_version_id,
                json.dumps(settings, sort_keys=True),
            ),
        )
    )


def record_file(
    tx: Tx,
    scan_id: int,
    path: str,
    sha256: str,
    verdict: str,
    summary: str,
    record_seq: int | None = None,
) -> None:
    """``path`` is the file's absolute path as text; ``record_seq`` its scan.file record."""
    tx.execute(
        "INSERT INTO scan_files (scan_id, path, sha256, verdict, summary, record_seq) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (scan_id, path) DO UPDATE SET sha256 = excluded.sha256, "
        "verdict = excluded.verdict, summary = excluded.summary, "
        "record_seq = excluded.record_seq",
        (scan_id, path, sha256, verdict, summary, record_seq),
    )


def finish_scan(tx: Tx, scan_id: int, counts: dict[str, int]) -> None:
    tx.execute(
        "UPDATE scans SET finished_at = ?, counts = ? WHERE id = ?",
        (utcnow(), json.dumps(counts, sort_keys=True), scan_id),
    )


def last_scan_of(tx: Tx, school: str, path: str) -> ScannedFile | None:
    """The newest scan of the file at ``path`` (absolute) in this school."""
    row = tx.row(
        "SELECT f.scan_id, f.path, f.sha256, f.verdict, f.summary, f.record_seq, s.started_at, "
        "s.roster_version_id FROM scan_files f JOIN scans s ON s.id = f.scan_id "
        "WHERE f.path = ? AND s.school = ? ORDER BY f.scan_id DESC LIMIT 1",
        (path, school),
    )
    if row is None:
        return None
    return ScannedFile(
        scan_id=int(row["scan_id"]),
        path=row["path"],
        sha256=row["sha256"],
        verdict=row["verdict"],
        summary=row["summary"],
        scanned_at=row["started_at"],
        roster_version_id=row["roster_version_id"],
        record_seq=None if row["record_seq"] is None else int(row["record_seq"]),
    )
