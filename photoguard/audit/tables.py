"""The tables the approval log vouches for: roster versions and what each scan found.

The log is hash-chained and witnessed; the tables beside it are not, and they
can be changed with the sqlite3 shell (or psql as the database's owner). The
ones photoguard acts on are therefore checked against the log by ``log verify``:

* every roster version must be sealed: the newest ``roster.import`` or
  ``roster.seal`` record naming it holds the digest of its students and their
  opt-out flags (store/rosters.py), and the digest of the rows must be that;
  and the roster in force must be the one the log says was imported last;
* every ``scan_files`` row must say what its ``scan.file`` record says (the
  file's SHA-256 and verdict), and name that record;
* every ``scans`` row must name the roster version and settings its
  ``scan.start`` record names.

A row the log does not know is as bad as a changed one. Records whose rows are
gone are not: without its row a check cannot be approved, and a decision looks
for a newer record of the same file than the row it was given (decisions.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from photoguard.audit import bodies
from photoguard.roster import stored as roster_store
from photoguard.store.engine import Row, Tx
from photoguard.vocab import LogAction

#: Schema version from which scan rows name their record and rosters are sealed.
SEALED_SCHEMA = 3

_ROSTER_TABLES = ("roster_versions", "roster_students")
_SCAN_TABLES = ("scans", "scan_files")


@dataclass(frozen=True)
class TableCheck:
    #: What is wrong, one sentence each (empty: everything checked matches).
    problems: tuple[str, ...]
    #: What was checked, e.g. "2 roster versions", "31 scanned files".
    covered: tuple[str, ...]
    #: What could not be checked, and why.
    unchecked: tuple[str, ...]


def _body(row: Row) -> bodies.LogBody | None:
    """The typed body of a log row, or None if it is not a JSON object."""
    try:
        body = json.loads(row["body"])
    except (ValueError, TypeError):
        return None  # the chain check names it
    return bodies.parse(str(row["action"]), body) if isinstance(body, dict) else None


def _readable(tx: Tx, tables: tuple[str, ...]) -> bool:
    """Whether this login may read these tables (on SQLite, always)."""
    if tx.dialect == "sqlite":
        return True
    return all(
        bool(tx.scalar("SELECT has_table_privilege(current_user, ?, 'SELECT')", (t,)))
        for t in tables
    )


def check_tables(tx: Tx, school: str, log: list[Row], schema_version: int) -> TableCheck:
    """Check the school's roster and scan tables against its log rows (``log``, in order)."""
    if schema_version < SEALED_SCHEMA:
        return TableCheck(
            (),
            (),
            (
                f"the roster and scan tables were not checked: the database has schema "
                f"version {schema_version}, and is upgraded by the next command that records "
                "something",
            ),
        )
    problems: list[str] = []
    covered: list[str] = []
    unchecked: list[str] = []
    labels: dict[int, str] = {}
    if _readable(tx, _ROSTER_TABLES):
        n, labels = _check_rosters(tx, school, log, problems)
        covered.append(f"{n} roster version{'s' if n != 1 else ''}")
    else:
        unchecked.append("the roster tables were not checked: this login may not read them")
    if _readable(tx, _SCAN_TABLES):
        n = _check_scans(tx, school, log, labels, problems)
        covered.append(f"{n} scanned file{'s' if n != 1 else ''}")
    else:
        unchecked.append("the scan tables were not checked: this login may not read them")
    return TableCheck(tuple(problems), tuple(covered), tuple(unchecked))


def _check_rosters(
    tx: Tx, school: str, log: list[Row], problems: list[str]
) -> tuple[int, dict[int, str]]:
    seals: dict[str, tuple[int, str]] = {}
    newest: tuple[int, str] | None = None
    for row in log:
        if row["action"] not in roster_store.SEAL_ACTIONS:
            continue
        body = _body(row)
        sealed = bodies.as_seal(body) if body is not None else None
        if sealed is None or sealed.students_sha256 is None:
            continue  # written before rosters were sealed (the upgrade seals those)
        label = str(sealed.roster_version)
        seals[label] = (int(row["seq"]), sealed.students_sha256)
        newest = (int(row["seq"]), label)
    versions = roster_store.history(tx, school)
    for version in versions:
        seal = seals.get(version.label)
        if seal is None:
            problems.append(
                f"roster version {version.id} is in the database but the approval log has no "
                "record of its import (it was added outside photoguard)"
            )
            continue
        digest = roster_store.students_digest(roster_store.students(tx, version.id))
        if digest != seal[1]:
            problems.append(
                f"roster version {version.id} was changed after it was imported: its students "
                f"or opt-out flags are not those sealed in record {seal[0]}"
            )
    if newest is not None and (not versions or versions[-1].label != newest[1]):
        problems.append(
            f"the roster imported last (version {newest[1]}, record {newest[0]}) is not the "
            "roster in force in the database (roster versions were deleted)"
        )
    return len(versions), {v.id: v.label for v in versions}


def _check_scans(
    tx: Tx, school: str, log: list[Row], labels: Mapping[int, str], problems: list[str]
) -> int:
    files: dict[tuple[int, str], tuple[int, bodies.ScanFile]] = {}
    starts: dict[int, bodies.ScanStart] = {}
    for row in log:
        if row["action"] not in (LogAction.SCAN_FILE, LogAction.SCAN_START):
            continue
        body = _body(row)
        if isinstance(body, bodies.ScanStart) and body.scan_id is not None:
            starts[body.scan_id] = body
        elif (
            isinstance(body, bodies.ScanFile) and body.scan_id is not None and body.path is not None
        ):
            files[(body.scan_id, body.path)] = (int(row["seq"]), body)
    rows = tx.rows(
        "SELECT f.scan_id, f.path, f.sha256, f.verdict, f.record_seq FROM scan_files f "
        "JOIN scans s ON s.id = f.scan_id WHERE s.school = ? ORDER BY f.scan_id, f.path",
        (school,),
    )
    for r in rows:
        scan_id, path = int(r["scan_id"]), str(r["path"])
        found = files.get((scan_id, path))
        where = f"the check of {path} in scan {scan_id}"
        if found is None:
            problems.append(f"{where} is in the database but not in the approval log")
            continue
        seq, body = found
        if (r["sha256"], r["verdict"]) != (body.sha256, body.verdict):
            problems.append(
                f"the database's entry for {where} (verdict {r['verdict']}) is not what the "
                f"approval log recorded (record {seq}: verdict {body.verdict}); it was "
                "changed outside photoguard"
            )
        elif r["record_seq"] is not None and int(r["record_seq"]) != seq:
            problems.append(
                f"the database's entry for {where} names record {r['record_seq']}, but its "
                f"record is {seq}"
            )
    for scan in tx.rows(
        "SELECT id, roster_version_id, settings FROM scans WHERE school = ?", (school,)
    ):
        start = starts.get(int(scan["id"]))
        if start is None:
            continue  # a scan with no start record has nothing a decision could use
        if start.roster_logged:
            vid = scan["roster_version_id"]
            label = None if vid is None else labels.get(int(vid), f"{vid}:unknown")
            if label != start.roster_version:
                problems.append(
                    f"scan {scan['id']} names roster version {label} in the database, but "
                    f"{start.roster_version} in the approval log"
                )
                continue
        if start.settings is not None:
            try:
                stored = json.loads(scan["settings"])
            except (ValueError, TypeError):
                stored = None
            if stored != start.settings:
                problems.append(
                    f"scan {scan['id']}'s settings in the database are not those in the "
                    "approval log"
                )
    return len(rows)
