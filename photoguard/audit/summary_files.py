"""The superintendent's summary as files: an Excel-safe CSV and a printable HTML page.

Both say in words what each count means (the labels below), quote the policy the
report answers to (2.a.3, and section 4 on public records), and state whether the
approval log verified when the report was made. The counting is summary.py.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from photoguard.audit.summary import Summary
from photoguard.files.spreadsheet import write_csv, write_text_atomically
from photoguard.vocab import DecisionKind, FindingType, VerdictKind

POLICY_2A3 = (
    "The Committee will require the Superintendent to periodically report upon the "
    "results, consequences, and concerns related to this policy."
)
POLICY_SECTION_4 = (
    "The Attorney General of the Commonwealth of Massachusetts has determined that any "
    "document created or received by a public employee in his or her capacity as such is "
    "subject to retention and perhaps disclosure under the public records law."
)

#: What each finding type means, for people.
FINDING_LABELS: Mapping[str, str] = {
    FindingType.OPTED_OUT_FACE: "an opted-out student's face",
    FindingType.POSSIBLE_OPTED_OUT_FACE: (
        "a face that may be an opted-out student's (sent to review)"
    ),
    FindingType.FULL_NAME: (
        "a student's full name in a caption, the file name or text in the picture"
    ),
    FindingType.POSSIBLE_FULL_NAME: (
        "text in the picture that may be a student's full name (sent to review)"
    ),
    FindingType.ERROR: "a part that could not be checked",
    FindingType.FACE_NOT_MATCHED: "faces not matching any opted-out student",
    FindingType.ANSWERED_FACE: (
        "a face a person had already said is not the students it looked like"
    ),
}
VERDICT_LABELS: Mapping[str, str] = {
    VerdictKind.CLEAR: "clear",
    VerdictKind.FLAGGED: "flagged (must not be shared)",
    VerdictKind.REVIEW: "sent to a person for review",
    VerdictKind.ERROR: "could not be fully checked",
}
DECISION_LABELS: Mapping[str, str] = {
    DecisionKind.APPROVE: "approved (scan clear)",
    DecisionKind.OVERRIDE: "approved by a person over the scan (override)",
    DecisionKind.BLOCK: "blocked",
    DecisionKind.PENDING: "left pending review",
}


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
            "withdrawn approval",
            w.status,
            len(w.students),
            w.at,
            w.approved_by,
            w.path,
            f"approved {w.approved_at[:10]}; now shows students {', '.join(w.students)}",
        ]
        for w in s.withdrawn
    ]
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
        "<h2>Withdrawn approvals</h2>",
        "<p>Files approved before a student in them was opted out (or their reference photo "
        "enrolled), found again by a re-check, and what became of them.</p>",
        _table(
            ("Withdrawn (UTC)", "File", "Approved by", "Approved", "Students", "Status"),
            [
                (
                    w.at.replace("T", " ")[:16],
                    w.path,
                    w.approved_by,
                    w.approved_at[:10],
                    ", ".join(w.students),
                    w.status,
                )
                for w in s.withdrawn
            ],
            path=1,
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
