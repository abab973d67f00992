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

from photoguard.audit import bodies
from photoguard.audit import chain as audit
from photoguard.audit.witness import canonical_json
from photoguard.errors import UserError
from photoguard.files.spreadsheet import write_csv
from photoguard.vocab import DECISION_PREFIX, FindingType
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
        return not (self.path is not None and self.path not in paths_of(record.typed_body))


def read_records(ws: Workspace, where: LogFilter | None = None) -> list[audit.Record]:
    with ws.db.snapshot() as tx:
        found = list(audit.records(tx, ws.school))
    return [r for r in found if where is None or where.matches(r)]


def paths_of(body: bodies.LogBody) -> list[str]:
    """The files a record is about (a decision's or check's file; a copy's source, then
    the copy)."""
    if isinstance(body, bodies.ScanFile | bodies.Decision):
        found = [body.path]
    elif isinstance(body, bodies.SafeCopy):
        found = [body.source_path, body.copy_path]
    elif isinstance(body, bodies.Unknown):
        found = [_raw_str(body.raw, k) for k in _PATH_KEYS]
    else:
        found = []
    return [p for p in found if p is not None]


def student_ids_of(body: bodies.LogBody) -> list[str]:
    """The students a record is about (never the coverage-gap list of a whole scan)."""
    found: list[str] = []
    if isinstance(body, bodies.EnrollAdd | bodies.Purge) and body.student_id is not None:
        found.append(body.student_id)
    elif isinstance(body, bodies.EnrollRemove):
        found += body.student_ids
    elif isinstance(body, bodies.ScanFile):
        found += _finding_ids(body.findings)
    elif isinstance(body, bodies.Unknown):
        raw = body.raw
        if raw.get("student_id") is not None:
            found.append(str(raw["student_id"]))
        ids = raw.get("student_ids")
        if isinstance(ids, list):
            found += [str(i) for i in ids]
        findings = raw.get("findings")
        if isinstance(findings, list):
            found += _finding_ids(f for f in findings if isinstance(f, dict))
    return list(dict.fromkeys(found))


def _finding_ids(findings: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(f["student_id"]) for f in findings if f.get("student_id") is not None]


def _raw_str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


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
    b = record.typed_body
    if isinstance(b, bodies.Unreadable):
        return "(the content of this record is damaged)"
    if isinstance(b, bodies.RosterImport):
        diff = b.diff
        return (
            f"roster {b.roster_version} from {b.source_name}: "
            f"{_n(b.students, 'student')}, {b.opted_out} opted out "
            f"(+{diff.get('added', 0)} added, -{diff.get('removed', 0)} removed, "
            f"{diff.get('newly_opted_out', 0)} newly opted out, "
            f"{diff.get('opted_back_in', 0)} opted back in)"
        )
    if isinstance(b, bodies.RosterSeal):
        when = " at the upgrade to schema 3" if b.sealed_at_upgrade else ""
        return (
            f"roster {b.roster_version} sealed{when}: "
            f"{_n(b.students, 'student')}, {b.opted_out} opted out"
        )
    if isinstance(b, bodies.EnrollAdd):
        return f"student {b.student_id}: {_n(b.references_added, 'reference face')} from {b.source}"
    if isinstance(b, bodies.EnrollRemove):
        ids = b.student_ids
        reasons = b.reasons
        shown = ", ".join(f"{i} ({reasons.get(i, '?')})" for i in ids[:5])
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        return f"reference faces deleted: {shown}{more}"
    if isinstance(b, bodies.Purge):
        return f"biometric data of student {b.student_id} deleted: {b.reason}"
    if isinstance(b, bodies.ScanStart):
        paths = b.paths
        return (
            f"scan {b.scan_id} started: {', '.join(_name(p) for p in paths[:3])}"
            f"{' ...' if len(paths) > 3 else ''} against roster {b.roster_version}"
        )
    if isinstance(b, bodies.ScanFile):
        found = list(dict.fromkeys(_finding(f) for f in b.findings if not _is_unmatched(f)))
        detail = f" ({'; '.join(found[:3])}{' ...' if len(found) > 3 else ''})" if found else ""
        return f"scan {b.scan_id}: {_name(b.path)} {b.verdict}{detail}"
    if isinstance(b, bodies.ScanFinish):
        gaps = b.coverage_gaps
        state = "cancelled" if b.cancelled else "finished"
        gap = f"; {_n(len(gaps), 'opted-out student')} not recognisable" if gaps else ""
        return f"scan {b.scan_id} {state}: {_counts(b.counts) or 'no files'}{gap}"
    if isinstance(b, bodies.Decision):
        kind = record.action.removeprefix(DECISION_PREFIX)
        why = f": {_one_line(b.reason)}" if b.reason else ""
        return f"{kind} {_name(b.path)} (scanned {b.verdict}){why}"
    if isinstance(b, bodies.SafeCopy):
        return (
            f"safe copy of {_name(b.source_path)} as {_name(b.copy_path)}, "
            f"{_n(b.faces_covered, 'face')} covered"
        )
    if isinstance(b, bodies.ApprovalWithdrawn):
        why = ", ".join(
            f"student {sid} {because}" for sid, because in zip(b.students, b.because, strict=False)
        )
        return (
            f"approval of {_name(b.path)} withdrawn (record {b.withdraws}, {b.decision} by "
            f"{b.approved_by}): it shows {why or 'a student it was not checked for'}"
        )
    if isinstance(b, bodies.ApprovalRechecked):
        return (
            f"{_n(len(b.holds), 'approval')} checked again against roster {b.roster_version}: "
            "still holding"
        )
    if isinstance(b, bodies.Takedown):
        return f"{_name(b.path)} taken down from {_one_line(b.where)} (withdrawal {b.withdrawal})"
    # An action this version does not know: the body as it is.
    text = canonical_json(dict(record.body))
    return text if len(text) <= 100 else text[:97] + "..."


def _is_unmatched(f: object) -> bool:
    return isinstance(f, Mapping) and f.get("type") == FindingType.FACE_NOT_MATCHED


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def short_time(at: str) -> str:
    """``2026-05-01T09:30:00.123456+00:00`` -> ``2026-05-01 09:30:00``."""
    return at.replace("T", " ")[:19]


def export_row(record: audit.Record) -> list[object]:
    b = record.typed_body
    paths = paths_of(b)
    return [
        record.seq,
        record.at,
        record.actor,
        record.action,
        paths[0] if paths else "",
        _sha256_of(b) or "",
        _field(b, "verdict", bodies.ScanFile, bodies.Decision) or "",
        "; ".join(student_ids_of(b)),
        _field(b, "reason", bodies.Decision, bodies.Purge) or "",
        canonical_json(dict(record.body)),
        record.prev_hash,
        record.hash,
    ]


def _sha256_of(b: bodies.LogBody) -> str | None:
    """The bytes a record is about: a check's or decision's, else an import's or copy's
    source."""
    if isinstance(b, bodies.ScanFile | bodies.Decision):
        return b.sha256
    if isinstance(b, bodies.RosterImport | bodies.SafeCopy):
        return b.source_sha256
    if isinstance(b, bodies.Unknown):
        sha = b.raw.get("sha256", b.raw.get("source_sha256"))
        return sha if isinstance(sha, str) else None
    return None


def _field(b: bodies.LogBody, key: str, *kinds: type[bodies.Body]) -> str | None:
    """A text field of the bodies of these kinds (or of an unknown action's), else None."""
    if isinstance(b, kinds):
        value = getattr(b, key)
        return value if isinstance(value, str) else None
    return _raw_str(b.raw, key) if isinstance(b, bodies.Unknown) else None


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
