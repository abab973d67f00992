"""``photoguard log verify | show | export | summary``: the approval log."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard import audit
from photoguard.audit import summary as log_summary
from photoguard.audit import summary_files
from photoguard.audit.view import (
    EXPORT_COLUMNS,
    LogFilter,
    export_csv,
    iter_rows,
    parse_date,
    printable,
    read_records,
)
from photoguard.cli.output import (
    ReportFile,
    check_output,
    check_outputs,
    csv_report,
    plural,
    print_json,
    table,
)
from photoguard.errors import UserError
from photoguard.store.engine import ReplacedDatabase
from photoguard.workspace.folder import MissingDatabase, NoDatabaseYet, open_workspace

if TYPE_CHECKING:
    from photoguard.cli.main import Context

EXIT_BROKEN = 1


def _date(text: str) -> date:
    try:
        return parse_date(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def register(sub: Any) -> None:
    p = sub.add_parser(
        "log",
        help="the approval log: verify it, read it, export it, summarise a period",
        description="Every import, enrollment, scan and decision is a record in a hash-chained, "
        "append-only log (policy section 4: staff documents are public records).",
    )
    lsub = p.add_subparsers(dest="log_command", metavar="ACTION", required=True)

    ver = lsub.add_parser(
        "verify",
        help="recompute the hash chain; exit 1 naming the first bad record",
        description="Recompute every record's hash and link, and compare them with what this "
        "machine witnessed being written. Exit 0 if the log is intact, 1 if any record was "
        "changed, deleted, inserted or reordered.",
    )
    ver.add_argument("--json", action="store_true", help="print JSON")
    ver.set_defaults(handler=cmd_verify)

    show = lsub.add_parser("show", help="list records (oldest first)")
    show.add_argument("--since", type=_date, metavar="DATE", help="from this UTC day (YYYY-MM-DD)")
    show.add_argument("--file", type=Path, metavar="PATH", help="only records about this file")
    show.add_argument(
        "--action", metavar="ACTION", help="only this action, e.g. decision or scan.file"
    )
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=cmd_show)

    exp = lsub.add_parser(
        "export",
        help="write every record to a CSV file (opens safely in Excel)",
        description="Write every record to FILE as CSV: UTF-8 with a byte-order mark, one row "
        "per record, cells that a spreadsheet would run as formulas escaped.",
    )
    exp.add_argument("file", type=Path, metavar="FILE.csv")
    exp.add_argument(
        "--force", action="store_true", help="replace FILE even if it is not an earlier export"
    )
    exp.set_defaults(handler=cmd_export)

    summ = lsub.add_parser(
        "summary",
        help="the superintendent's report for a period (policy 2.a.3)",
        description="Count the scans, files, findings, decisions, overrides, roster imports and "
        "coverage gaps recorded from one UTC day to another (both included).",
    )
    summ.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    summ.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")
    summ.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    summ.add_argument("--html", type=Path, metavar="FILE", help="also write a printable HTML page")
    summ.add_argument("--json", action="store_true", help="print JSON instead of text")
    summ.add_argument(
        "--force",
        action="store_true",
        help="replace a --csv/--html file even if it is not an earlier summary",
    )
    summ.set_defaults(handler=cmd_summary)


def _verification(args: argparse.Namespace) -> audit.Verification:
    """Verify without changing anything: the database is opened read-only, never
    created, migrated or claimed; a database the folder wrote to and lost is a failure."""
    try:
        ws = open_workspace(args.home, db_url=args.db, school=args.school, read_only=True)
    except (MissingDatabase, ReplacedDatabase) as exc:
        return audit.Verification(False, 0, None, str(exc))
    except NoDatabaseYet:
        return audit.Verification(True, 0)
    with ws:
        return audit.verify(ws.db, ws.school, ws.home)


def cmd_verify(args: argparse.Namespace, ctx: Context) -> int:
    result = _verification(args)
    if args.json:
        print_json(
            {
                "ok": result.ok,
                "records": result.records,
                "first_bad": result.first_bad,
                "reason": result.reason,
                "head_hash": result.head_hash,
                "witnessed": result.witnessed,
                "notes": list(result.notes),
                "covered": list(result.covered),
            }
        )
        return 0 if result.ok else EXIT_BROKEN
    if result.ok:
        print(f"The approval log is intact: {plural(result.records, 'record')} verified.")
        if result.records:
            print(_witness_line(result))
        if result.covered:
            print(f"The tables it vouches for match it: {', '.join(result.covered)}.")
        for note in result.notes:
            print(f"Note: {note}.")
        print(f"Head hash: {result.head_hash}")
        return 0
    if result.first_bad is not None:
        print(f"The approval log is NOT intact: record {result.first_bad} is bad: {result.reason}.")
        if result.records:
            print(f"Records 1 to {result.records} verify.")
    else:
        print(f"The approval log is NOT intact: {_sentence(result.reason)}")
    for note in result.notes:
        print(f"Also: {_sentence(note)}")
    return EXIT_BROKEN


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _witness_line(result: audit.Verification) -> str:
    if result.witnessed == result.records:
        return "Every record also matches what this data folder witnessed being written."
    if result.witnessed:
        return (
            f"{result.witnessed} of them also match what this data folder witnessed being "
            "written; the others were written from another machine or data folder."
        )
    return "None was written from this data folder, so none could be checked against its witness."


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    ws = ctx.ws
    where = LogFilter(
        since=args.since,
        path=str(args.file.resolve()) if args.file else None,
        action=args.action,
    )
    found = read_records(ws, where)
    if args.json:
        print_json([r.as_dict() for r in found])
        return 0
    if not found:
        print("No records." if where == LogFilter() else "No records match.")
        return 0
    print(table(list(iter_rows(found)), ("Seq", "Time (UTC)", "Who", "Action", "What")))
    return 0


#: The first bytes of summary_files.render_html's page.
SUMMARY_HTML = ReportFile(
    "photoguard summary page (HTML)",
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    b"<title>Photo consent report: ",
)


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    check_output(
        args.file, csv_report("photoguard log export (CSV)", EXPORT_COLUMNS), "FILE", args.force
    )
    n = export_csv(ctx.ws, args.file)
    print(f"Wrote {plural(n, 'record')} to {args.file}.")
    return 0


def _print_summary(s: log_summary.Summary) -> None:
    v = s.verification
    print(f"Photo consent checks for school {s.school}, {s.start} to {s.end} (UTC)")
    if v.ok:
        print(f"Approval log: intact, {plural(v.records, 'record')}, head hash {v.head_hash}")
    else:
        print(f"Approval log: NOT intact ({v.reason})")
    print(
        f"Scans: {s.scans} ({s.scans_cancelled} cancelled); file checks: {s.file_checks} "
        f"({s.distinct_files} distinct files)"
    )
    print("Verdicts: " + ", ".join(f"{k} {n}" for k, n in s.verdicts.items()))
    if s.findings:
        print("Files with: " + ", ".join(f"{k} {n}" for k, n in s.findings.items()))
    print("Decisions: " + ", ".join(f"{k} {n}" for k, n in s.decisions.items()))
    for o in s.overrides:
        print(
            printable(
                f"  override {o.at[:16].replace('T', ' ')} by {o.by}: {o.path} "
                f"({o.verdict}): {' '.join(o.reason.split())}"
            )
        )
    for w in s.withdrawn:
        print(
            printable(
                f"  withdrawn {w.at[:16].replace('T', ' ')}: {w.path} (approved by "
                f"{w.approved_by} on {w.approved_at[:10]}; shows {', '.join(w.students)}): "
                f"{w.status}"
            )
        )
    print(f"Roster imports: {len(s.roster_imports)}")
    if s.coverage_gaps is None:
        print("Coverage gaps: no scan finished in the period")
    else:
        gaps = ", ".join(s.coverage_gaps) or "none"
        print(f"Coverage gaps at scan {s.coverage_gaps_scan}: {gaps}")
    for c in s.concerns:
        print(f"Concern: {c}")


def cmd_summary(args: argparse.Namespace, ctx: Context) -> int:
    if args.end < args.start:
        raise UserError(f"--to ({args.end}) is before --from ({args.start})")
    check_outputs(
        [
            ("--csv", args.csv, csv_report("photoguard summary (CSV)", summary_files.CSV_COLUMNS)),
            ("--html", args.html, SUMMARY_HTML),
        ],
        force=args.force,
    )
    summary = log_summary.summarise(ctx.ws, args.start, args.end)
    if args.json:
        print_json(log_summary.as_json(summary))
    else:
        _print_summary(summary)
    if args.csv:
        summary_files.write_summary_csv(summary, args.csv)
        if not args.json:
            print(f"Wrote {args.csv}.")
    if args.html:
        summary_files.write_summary_html(summary, args.html)
        if not args.json:
            print(f"Wrote {args.html}.")
    return 0 if summary.verification.ok else EXIT_BROKEN
