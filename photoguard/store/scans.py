"""What each scan saw: one row per scan and one per file (path, bytes hash, verdict).

An approval looks up the newest scan of a file here, so approving a file whose
bytes changed since it was checked can be refused. The approval log is the
record; these tables are its index for that lookup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from photoguard.store.engine import Tx
from photoguard.store.rosters import utcnow


@dataclass(frozen=True)
class ScannedFile:
    scan_id: int
    path: str
    sha256: str
    verdict: str
    summary: str
    scanned_at: str
    roster_version_id: int | None


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
                started_at or utcnow(),
                actor,
                roster_version_id,
                json.dumps(settings, sort_keys=True),
            ),
        )
    )


def record_file(tx: Tx, scan_id: int, path: str, sha256: str, verdict: str, summary: str) -> None:
    """``path`` is the file's absolute path as text."""
    tx.execute(
        "INSERT INTO scan_files (scan_id, path, sha256, verdict, summary) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (scan_id, path) DO UPDATE SET sha256 = excluded.sha256, "
        "verdict = excluded.verdict, summary = excluded.summary",
        (scan_id, path, sha256, verdict, summary),
    )


def finish_scan(tx: Tx, scan_id: int, counts: dict[str, int]) -> None:
    tx.execute(
        "UPDATE scans SET finished_at = ?, counts = ? WHERE id = ?",
        (utcnow(), json.dumps(counts, sort_keys=True), scan_id),
    )


def last_scan_of(tx: Tx, school: str, path: str) -> ScannedFile | None:
    """The newest scan of the file at ``path`` (absolute) in this school."""
    row = tx.row(
        "SELECT f.scan_id, f.path, f.sha256, f.verdict, f.summary, s.started_at, "
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
    )
