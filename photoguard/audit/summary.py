"""The superintendent's periodic report, read from the approval log.

Policy 2.a.3: "The Committee will require the Superintendent to periodically
report upon the results, consequences, and concerns related to this policy."
This module counts what the log recorded in a period (scans, files checked,
what they were found to contain, decisions, overrides, roster imports, and the
opted-out students a scan could not recognise) and renders it as data, as an
Excel-safe CSV, and as a printable, self-contained HTML page.

The report names students by ID only (policy 4.c: avoid students' names in
communications with sensitive information about students), and states whether
the log verified when the report was made, with the chain's head hash: a printed
report is then itself a witness of the log as it stood.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from photoguard.audit import chain as audit
from photoguard.audit.view import LogFilter, read_records
from photoguard.errors import UserError
from photoguard.files.spreadsheet import write_csv, write_text_atomically
from photoguard.workspace.folder import Workspace

POLICY_2A3 = (
    "The Committee will require the Superintendent to periodically report upon the "
    "results, consequences, and concerns related to this policy."
)
POLICY_SECTION_4 = (
    "The Attorney General of the Commonwealth of Massachusetts has determined that any "
    "document created or received by a public employee in his or her capacity as such is "
    "subject to retention and perhaps disclosure under the public records law."
)

VERDICTS = ("clear", "flagged", "review", "error")
DECISIONS = ("approve", "override", "block", "pending")

#: What each finding type means, for people.
FINDING_LABELS: Mapping[str, str] = {
    "opted_out_face": "an opted-out student's face",
    "possible_opted_out_face": "a face that may be an opted-out student's (sent to review)",
    "full_name": "a student's full name in a caption or file name",
    "error": "a part that could not be checked",
    "unmatched_face": "faces not matching any opted-out student",
}
VERDICT_LABELS: Mapping[str, str] = {
    "clear": "clear",
    "flagged": "flagged (must not be shared)",
    "review": "sent to a person for review",
    "error": "could not be fully checked",
}
DECISION_LABELS: Mapping[str, str] = {
    "approve": "approved (scan clear)",
    "override": "approved by a person over the scan (override)",
    "block": "blocked",
    "pending": "left pending review",
}


@dataclass(frozen=True)
class Override:
    seq: int
    at: str
    by: str
    path: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class RosterImport:
    seq: int
    at: str
    by: str
    roster_version: str
    source_name: str
    students: int
    opted_out: int
    diff: Mapping[str, int]


@dataclass(frozen=True)
class Summary:
    school: str
    start: date
    end: date
    generated_at: str
    scans: int
    scans_cancelled: int
    #: One per scan.file record: a file checked twice counts twice.
    file_checks: int
    #: Different contents (SHA-256) among the files checked.
    distinct_files: int
    verdicts: Mapping[str, int]
    #: Files with at least one finding of each type.
    findings: Mapping[str, int]
    decisions: Mapping[str, int]
    overrides: tuple[Override, ...]
    roster_imports: tuple[RosterImport, ...]
    students_enrolled: int
    reference_removals: int
    purges: int
    safe_copies: int
    #: Opted-out students the last scan in the period could not recognise (no usable
    #: reference face); None if no scan finished in the period.
    coverage_gaps: tuple[str, ...] | None
    coverage_gaps_scan: int | None
    verification: audit.Verification
    concerns: tuple[str, ...] = field(default=())


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def summarise(ws: Workspace, start: date, end: date, *, now: datetime | None = None) -> Summary:
    """Count what the approval log recorded from ``start`` to ``end`` (UTC days, inclusive)."""
    if end < start:
        raise UserError(f"the period ends ({end}) before it starts ({start})")
    verification = audit.verify(ws.db, ws.school, ws.home)
    chosen = read_records(ws, LogFilter(since=start, until=end))
    return _summary(ws.school, start, end, chosen, verification, now or datetime.now(UTC))


def _summary(
    school: str,
    start: date,
    end: date,
    records: Iterable[audit.Record],
    verification: audit.Verification,
    now: datetime,
) -> Summary:
    scans = cancelled = checks = enrolled = removals = purges = copies = 0
    hashes: set[str] = set()
    verdicts: Counter[str] = Counter({v: 0 for v in VERDICTS})
    findings: Counter[str] = Counter()
    decisions: Counter[str] = Counter({d: 0 for d in DECISIONS})
    overrides: list[Override] = []
    imports: list[RosterImport] = []
    gaps: tuple[str, ...] | None = None
    gaps_scan: int | None = None
    for r in records:
        b = r.body
        if r.action == "scan.start":
            scans += 1
        elif r.action == "scan.file":
            checks += 1
            if isinstance(b.get("sha256"), str):
                hashes.add(b["sha256"])
            verdicts[str(b.get("verdict", "error"))] += 1
            kinds = {
                str(f.get("type"))
                for f in (b.get("findings") or [])
                if isinstance(f, Mapping) and f.get("type")
            }
            findings.update(kinds)
        elif r.action == "scan.finish":
            cancelled += bool(b.get("cancelled"))
            raw = b.get("coverage_gaps")
            gaps = tuple(str(i) for i in raw) if isinstance(raw, list) else ()
            gaps_scan = _int(b.get("scan_id")) or None
        elif r.action.startswith("decision."):
            kind = r.action.removeprefix("decision.")
            decisions[kind] += 1
            if kind == "override":
                overrides.append(
                    Override(
                        r.seq,
                        r.at,
                        r.actor,
                        str(b.get("path", "")),
                        str(b.get("verdict", "")),
                        str(b.get("reason", "")),
                    )
                )
        elif r.action == "roster.import":
            diff = b.get("diff") if isinstance(b.get("diff"), Mapping) else {}
            imports.append(
                RosterImport(
                    r.seq,
                    r.at,
                    r.actor,
                    str(b.get("roster_version", "")),
                    str(b.get("source_name", "")),
                    _int(b.get("students")),
                    _int(b.get("opted_out")),
                    {str(k): _int(v) for k, v in (diff or {}).items()},
                )
            )
        elif r.action == "enroll.add":
            enrolled += 1
        elif r.action == "enroll.remove":
            removals += len(b.get("student_ids") or [])
        elif r.action == "purge":
            purges += 1
        elif r.action == "safecopy":
            copies += 1
    summary = Summary(
        school=school,
        start=start,
        end=end,
        generated_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        scans=scans,
        scans_cancelled=cancelled,
        file_checks=checks,
        distinct_files=len(hashes),
        verdicts=dict(verdicts),
        findings=dict(sorted(findings.items())),
        decisions=dict(decisions),
        overrides=tuple(overrides),
        roster_imports=tuple(imports),
        students_enrolled=enrolled,
        reference_removals=removals,
        purges=purges,
        safe_copies=copies,
        coverage_gaps=gaps,
        coverage_gaps_scan=gaps_scan,
        verification=verification,
    )
    return _with_concerns(summary)


def _with_concerns(s: Summary) -> Summary:
    concerns = []
    v = s.verification
    if not v.ok:
        where = f" at record {v.first_bad}" if v.first_bad else ""
        concerns.append(f"The approval log does not verify{where}: {v.reason}.")
    if s.coverage_gaps:
        concerns.append(
            f"{len(s.coverage_gaps)} opted-out student(s) could not be recognised by the last "
            "scan of the period (no usable reference face): " + ", ".join(s.coverage_gaps) + "."
        )
    if s.overrides:
        concerns.append(
            f"{len(s.overrides)} file(s) were approved by a person although the scan did not "
            "find them clear (see the overrides, with the reasons given)."
        )
    if s.verdicts.get("error"):
        concerns.append(f"{s.verdicts['error']} file check(s) could not be completed.")
    if s.scans_cancelled:
        concerns.append(f"{s.scans_cancelled} scan(s) were cancelled before they finished.")
    if not s.scans:
        concerns.append("No scan was recorded in this period.")
    return replace(s, concerns=tuple(concerns))


# ------------------------------------------------------------------------------ CSV

CSV_COLUMNS = ("section", "item", "count", "when", "who", "file", "detail")


def csv_rows(s: Summary) -> list[list[object]]:
    v = s.verification
    rows: list[list[object]] = [
        ["report", "school", None, None, None, None, s.school],
        ["report", "period from", None, str(s.start), None, None, None],
        ["report", "period to", None, str(s.end), None, None, None],
        ["report", "generated (UTC)", None, s.generated_at, None, None, None],
        [
            "report",
            "approval log",
            v.records,
            None,
            None,
            None,
            f"verified; head hash {v.head_hash}" if v.ok else f"does NOT verify: {v.reason}",
        ],
        ["scans", "scans", s.scans, None, None, None, None],
        ["scans", "cancelled", s.scans_cancelled, None, None, None, None],
        ["files", "file checks", s.file_checks, None, None, None, None],
        ["files", "distinct files", s.distinct_files, None, None, None, None],
    ]
    rows += [
        ["verdicts", k, n, None, None, None, VERDICT_LABELS.get(k)] for k, n in s.verdicts.items()
    ]
    rows += [
        ["flags", k, n, None, None, None, FINDING_LABELS.get(k)] for k, n in s.findings.items()
    ]
    rows += [
        ["decisions", k, n, None, None, None, DECISION_LABELS.get(k)]
        for k, n in s.decisions.items()
    ]
    rows += [["override", o.verdict, None, o.at, o.by, o.path, o.reason] for o in s.overrides]
    rows += [
        [
            "roster import",
            i.roster_version,
            i.students,
            i.at,
            i.by,
            i.source_name,
            f"{i.opted_out} opted out; " + ", ".join(f"{k} {n}" for k, n in i.diff.items()),
        ]
        for i in s.roster_imports
    ]
    rows += [
        ["enrollment", "students enrolled", s.students_enrolled, None, None, None, None],
        ["enrollment", "reference faces removed", s.reference_removals, None, None, None, None],
        ["enrollment", "biometric data purged", s.purges, None, None, None, None],
        ["safe copies", "safe copies made", s.safe_copies, None, None, None, None],
    ]
    if s.coverage_gaps is None:
        rows.append(
            ["coverage gaps", "no scan finished in the period", None, None, None, None, None]
        )
    else:
        rows.append(
            [
                "coverage gaps",
                f"at scan {s.coverage_gaps_scan}",
                len(s.coverage_gaps),
                None,
                None,
                None,
                "; ".join(s.coverage_gaps),
            ]
        )
    rows += [["concern", None, None, None, None, None, c] for c in s.concerns]
    return rows


def write_summary_csv(s: Summary, path: Path) -> int:
    return write_csv(path, CSV_COLUMNS, csv_rows(s))


# ----------------------------------------------------------------------------- HTML

_CSS = """
@page { margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt;
       color: #111; max-width: 180mm; margin: 0 auto; padding: 8mm 0; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm;
     break-after: avoid; page-break-after: avoid; }
p.meta { color: #444; margin: 0 0 3mm; }
blockquote { margin: 2mm 0 3mm; padding: 1mm 0 1mm 4mm; border-left: 3px solid #999;
             color: #333; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
td.path { word-break: break-all; }
.bad { border: 2px solid #000; padding: 2mm 3mm; font-weight: bold; }
.ok { border: 1px solid #777; padding: 2mm 3mm; }
code { font-family: "Consolas", "DejaVu Sans Mono", monospace; font-size: 9pt;
       word-break: break-all; }
ul { margin: 1mm 0 3mm; padding-left: 6mm; }
footer { margin-top: 8mm; color: #444; font-size: 9pt; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: int = -1,
    path: int = -1,
) -> str:
    """A table; column ``numeric`` right-aligned, column ``path`` allowed to break anywhere."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            cls = ' class="n"' if i == numeric else ' class="path"' if i == path else ""
            cells.append(f"<td{cls}>{_e(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">None.</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(s: Summary) -> str:
    """A printable page: no scripts, no external resources, every value escaped."""
    v = s.verification
    if v.ok:
        status = (
            f'<p class="ok">The approval log verified when this report was made: '
            f"{v.records} records, head hash <code>{_e(v.head_hash)}</code>.</p>"
        )
    else:
        where = f" at record {v.first_bad}" if v.first_bad else ""
        status = (
            f'<p class="bad">The approval log does NOT verify{_e(where)}: {_e(v.reason)}. '
            "Counts below may not reflect what was recorded.</p>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Photo consent report: {_e(s.school)}, {_e(s.start)} to {_e(s.end)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Photo consent checks: periodic report</h1>",
        f'<p class="meta">School {_e(s.school)} &middot; {_e(s.start)} to {_e(s.end)} (UTC) '
        f"&middot; generated {_e(s.generated_at.replace('T', ' '))} by photoguard</p>",
        "<p>Social media policy, section 2.a.3:</p>",
        f"<blockquote>{_e(POLICY_2A3)}</blockquote>",
        "<p>Section 4 (Public Records Law):</p>",
        f"<blockquote>{_e(POLICY_SECTION_4)}</blockquote>",
        "<p>Every check and decision below is a record in photoguard's hash-chained approval "
        "log, which is retained and cannot be changed without detection. Students are named "
        "by ID only.</p>",
        status,
        "<h2>Concerns</h2>",
    ]
    if s.concerns:
        parts.append("<ul>" + "".join(f"<li>{_e(c)}</li>" for c in s.concerns) + "</ul>")
    else:
        parts.append("<p>None.</p>")
    parts += [
        "<h2>Results: scans and files</h2>",
        _table(
            ("", "Count"),
            [
                ("Scans", s.scans),
                ("Scans cancelled", s.scans_cancelled),
                ("File checks", s.file_checks),
                ("Distinct files (by content)", s.distinct_files),
            ]
            + [(f"Files {VERDICT_LABELS.get(k, k)}", n) for k, n in s.verdicts.items()],
            numeric=1,
        ),
        "<h2>What was found</h2>",
        _table(
            ("Files with", "Count"),
            [(FINDING_LABELS.get(k, k), n) for k, n in s.findings.items()],
            numeric=1,
        ),
        "<h2>Consequences: decisions</h2>",
        _table(
            ("Decision", "Count"),
            [(DECISION_LABELS.get(k, k), n) for k, n in s.decisions.items()],
            numeric=1,
        ),
        "<h2>Overrides</h2>",
        "<p>Files a person approved although the scan did not find them clear.</p>",
        _table(
            ("When (UTC)", "Who", "File", "Scan found", "Reason"),
            [(o.at.replace("T", " ")[:16], o.by, o.path, o.verdict, o.reason) for o in s.overrides],
            path=2,
        ),
        "<h2>Roster imports</h2>",
        _table(
            ("When (UTC)", "Who", "Version", "File", "Students", "Opted out", "Changes"),
            [
                (
                    i.at.replace("T", " ")[:16],
                    i.by,
                    i.roster_version,
                    i.source_name,
                    i.students,
                    i.opted_out,
                    ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in i.diff.items()),
                )
                for i in s.roster_imports
            ],
        ),
        "<h2>Reference faces</h2>",
        _table(
            ("", "Count"),
            [
                ("Students enrolled", s.students_enrolled),
                (
                    "Reference faces removed (left the roster or opted back in)",
                    s.reference_removals,
                ),
                ("Biometric data purged on request", s.purges),
                ("Safe copies made", s.safe_copies),
            ],
            numeric=1,
        ),
        "<h2>Coverage gaps</h2>",
    ]
    if s.coverage_gaps is None:
        parts.append("<p>No scan finished in this period.</p>")
    elif not s.coverage_gaps:
        parts.append(
            f"<p>At the last scan of the period (scan {_e(s.coverage_gaps_scan)}), every "
            "opted-out student could be recognised.</p>"
        )
    else:
        parts.append(
            f"<p>At the last scan of the period (scan {_e(s.coverage_gaps_scan)}), these "
            "opted-out students had no usable reference face and could not be recognised:</p>"
            f"<p>{_e(', '.join(s.coverage_gaps))}</p>"
        )
    parts += [
        f"<footer>Approval-log head hash: <code>{_e(v.head_hash)}</code> ({v.records} "
        "records). Verify the log with <code>photoguard log verify</code>.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_summary_html(s: Summary, path: Path) -> None:
    write_text_atomically(path, render_html(s))


def as_json(s: Summary) -> dict[str, Any]:
    v = s.verification
    return {
        "school": s.school,
        "from": str(s.start),
        "to": str(s.end),
        "generated_at": s.generated_at,
        "log": {
            "verified": v.ok,
            "records": v.records,
            "head_hash": v.head_hash,
            "first_bad": v.first_bad,
            "reason": v.reason,
        },
        "scans": s.scans,
        "scans_cancelled": s.scans_cancelled,
        "file_checks": s.file_checks,
        "distinct_files": s.distinct_files,
        "verdicts": dict(s.verdicts),
        "findings": dict(s.findings),
        "decisions": dict(s.decisions),
        "overrides": [asdict(o) for o in s.overrides],
        "roster_imports": [asdict(i) | {"diff": dict(i.diff)} for i in s.roster_imports],
        "students_enrolled": s.students_enrolled,
        "reference_removals": s.reference_removals,
        "purges": s.purges,
        "safe_copies": s.safe_copies,
        "coverage_gaps": list(s.coverage_gaps) if s.coverage_gaps is not None else None,
        "coverage_gaps_scan": s.coverage_gaps_scan,
        "concerns": list(s.concerns),
    }
