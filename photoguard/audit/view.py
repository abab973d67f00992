"""Reading the approval log: filters, one-line descriptions, and the CSV export.

The command line (``photoguard log show`` / ``log export``) and the app's log
page share these, so a record reads the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from photoguard.audit import chain as audit
from photoguard.audit.witness import canonical_json
from photoguard.errors import UserError
from photoguard.files.spreadsheet import write_csv
from photoguard.vocab import FindingType, LogAction
from photoguard.workspace.folder import Workspace

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "path",
    "sha256",
    "verdict",
    "student_ids",
    "reason",
    "body",
    "prev_hash",
    "hash",
)

#: Keys of a record's body that name a file, in the order they are looked for.
_PATH_KEYS = ("path", "source_path", "copy_path")


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD (read as a UTC day)."""
    value = text.strip()
    if not _DATE.match(value):
        raise UserError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UserError(f"{text!r} is not a real date ({exc})") from exc


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class LogFilter:
    #: Records at or after the start of this UTC day.
    since: date | None = None
    #: Records before the end of this UTC day.
    until: date | None = None
    #: Records about this file (absolute path as the scan stored it).
    path: str | None = None
    #: Records whose action is this one, or starts with it followed by a dot.
    action: str | None = None

    def matches(self, record: audit.Record) -> bool:
        if self.since is not None or self.until is not None:
            try:
                when = record.when
            except ValueError:
                return False
            if self.since is not None and when < day_start(self.since):
                return False
            if self.until is not None and when >= day_start(self.until) + timedelta(days=1):
                return False
        if self.action and not (
            record.action == self.action or record.action.startswith(self.action.rstrip(".") + ".")
        ):
            return False
        return not (self.path is not None and self.path not in paths_of(record.body))


def read_records(ws: Workspace, where: LogFilter | None = None) -> list[audit.Record]:
    with ws.db.snapshot() as tx:
        found = list(audit.records(tx, ws.school))
    return [r for r in found if where is None or where.matches(r)]


def paths_of(body: Mapping[str, Any]) -> list[str]:
    return [str(body[k]) for k in _PATH_KEYS if isinstance(body.get(k), str)]


def student_ids_of(body: Mapping[str, Any]) -> list[str]:
    """The students a record is about (never the coverage-gap list of a whole scan)."""
    found: list[str] = []
    if body.get("student_id") is not None:
        found.append(str(body["student_id"]))
    ids = body.get("student_ids")
    if isinstance(ids, list):
        found += [str(i) for i in ids]
    findings = body.get("findings")
    if isinstance(findings, list):
        found += [
            str(f["student_id"])
            for f in findings
            if isinstance(f, dict) and f.get("student_id") is not None
        ]
    return list(dict.fromkeys(found))


def _name(path: object) -> str:
    return Path(str(path)).name if path else "?"


def _n(value: object, word: str) -> str:
    n = value if isinstance(value, int) else 0
    return f"{n} {word if n == 1 else word + 's'}"


def _counts(counts: object) -> str:
    if not isinstance(counts, Mapping):
        return ""
    return ", ".join(f"{v} {k}" for k, v in counts.items() if v)


def _finding(f: object) -> str:
    if not isinstance(f, Mapping):
        return "?"
    kind = str(f.get("type", "?")).replace("_", " ")
    return f"{kind} {f['student_id']}" if f.get("student_id") is not None else kind


def describe(record: audit.Record) -> str:
    """One line saying what a record records, for people."""
    b = record.body
    a = record.action
    if "unreadable_body" in b:
        return "(the content of this record is damaged)"
    if a == LogAction.ROSTER_IMPORT:
        diff = _map(b, "diff")
        return (
            f"roster {b.get('roster_version')} from {b.get('source_name')}: "
            f"{_n(b.get('students'), 'student')}, {b.get('opted_out')} opted out "
            f"(+{diff.get('added', 0)} added, -{diff.get('removed', 0)} removed, "
            f"{diff.get('newly_opted_out', 0)} newly opted out, "
            f"{diff.get('opted_back_in', 0)} opted back in)"
        )
    if a == LogAction.ENROLL_ADD:
        return (
            f"student {b.get('student_id')}: {_n(b.get('references_added'), 'reference face')} "
            f"from {b.get('source')}"
        )
    if a == LogAction.ENROLL_REMOVE:
        ids = _list(b, "student_ids")
        reasons = _map(b, "reasons")
        shown = ", ".join(f"{i} ({reasons.get(i, '?')})" for i in ids[:5])
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        return f"reference faces deleted: {shown}{more}"
    if a == LogAction.PURGE:
        return f"biometric data of student {b.get('student_id')} deleted: {b.get('reason')}"
    if a == LogAction.SCAN_START:
        paths = _list(b, "paths")
        return (
            f"scan {b.get('scan_id')} started: {', '.join(_name(p) for p in paths[:3])}"
            f"{' ...' if len(paths) > 3 else ''} against roster {b.get('roster_version')}"
        )
    if a == LogAction.SCAN_FILE:
        found = list(
            dict.fromkeys(_finding(f) for f in _list(b, "findings") if not _is_unmatched(f))
        )
        detail = f" ({'; '.join(found[:3])}{' ...' if len(found) > 3 else ''})" if found else ""
        return f"scan {b.get('scan_id')}: {_name(b.get('path'))} {b.get('verdict')}{detail}"
    if a == LogAction.SCAN_FINISH:
        gaps = _list(b, "coverage_gaps")
        state = "cancelled" if b.get("cancelled") else "finished"
        gap = f"; {_n(len(gaps), 'opted-out student')} not recognisable" if gaps else ""
        return f"scan {b.get('scan_id')} {state}: {_counts(b.get('counts')) or 'no files'}{gap}"
    if a.startswith("decision."):
        kind = a.removeprefix("decision.")
        why = f": {_one_line(b.get('reason'))}" if b.get("reason") else ""
        return f"{kind} {_name(b.get('path'))} (scanned {b.get('verdict')}){why}"
    if a == LogAction.SAFECOPY:
        return (
            f"safe copy of {_name(b.get('source_path'))} as {_name(b.get('copy_path'))}, "
            f"{_n(b.get('faces_covered'), 'face')} covered"
        )
    text = canonical_json(dict(b))
    return text if len(text) <= 100 else text[:97] + "..."


def _list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    return value if isinstance(value, list) else []


def _map(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _is_unmatched(f: object) -> bool:
    return isinstance(f, Mapping) and f.get("type") == FindingType.FACE_NOT_MATCHED


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def short_time(at: str) -> str:
    """``2026-05-01T09:30:00.123456+00:00`` -> ``2026-05-01 09:30:00``."""
    return at.replace("T", " ")[:19]


def export_row(record: audit.Record) -> list[object]:
    b = record.body
    paths = paths_of(b)
    sha = b.get("sha256", b.get("source_sha256"))
    return [
        record.seq,
        record.at,
        record.actor,
        record.action,
        paths[0] if paths else "",
        sha if isinstance(sha, str) else "",
        b.get("verdict") if isinstance(b.get("verdict"), str) else "",
        "; ".join(student_ids_of(b)),
        b.get("reason") if isinstance(b.get("reason"), str) else "",
        canonical_json(dict(b)),
        record.prev_hash,
        record.hash,
    ]


def export_csv(ws: Workspace, path: Path, records: Iterable[audit.Record] | None = None) -> int:
    """Write every record (or those given) to an Excel-safe CSV; return how many."""
    chosen: Sequence[audit.Record] = list(records) if records is not None else read_records(ws)
    return write_csv(path, EXPORT_COLUMNS, (export_row(r) for r in chosen))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (a file name must not drive the terminal)."""
    return _CONTROL.sub("?", text)


def iter_rows(records: Iterable[audit.Record]) -> Iterator[tuple[str, ...]]:
    """Rows for a table on screen: seq, time, who, action, description."""
    for r in records:
        yield (
            str(r.seq),
            short_time(r.at),
            printable(r.actor),
            printable(r.action),
            printable(describe(r)),
        )
