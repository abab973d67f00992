"""``photoguard scan PATH...``: check photos and videos before they are shared."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.settings import with_overrides

if TYPE_CHECKING:  # imported when the command runs: numpy and dlib slow every start-up
    from photoguard.cli.main import Context
    from photoguard.report import ScanReport


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan",
        help="check photos and videos for opted-out students and full names",
        description="Check photos and videos (folders are searched recursively) for faces of "
        "opted-out students and for students' full names in captions, metadata and file names. "
        "Exit status: 0 every file is clear, 1 something was found or could not be checked, "
        "2 bad usage.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the report as JSON")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write the findings as CSV")
    p.add_argument(
        "--approve", action="store_true", help="record an approval for each clear file (only)"
    )
    p.add_argument("--by", metavar="NAME", help="who is scanning/approving (default: user name)")
    p.add_argument("--match-distance", type=float, metavar="D", help="override the match distance")
    p.add_argument(
        "--review-distance", type=float, metavar="D", help="override the review distance"
    )
    p.add_argument("--fps", type=float, metavar="N", help="video frames sampled per second")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: cores)")
    p.add_argument("--verbose", "-v", action="store_true", help="also list skipped files")
    p.set_defaults(handler=cmd_scan)


_DECIDED = {"approve": "approved", "block": "blocked", "pending": "pending"}


def _progress(done: int, total: int, eta: float | None, name: str) -> None:
    eta_text = f", about {int(eta // 60)}:{int(eta % 60):02d} left" if eta is not None else ""
    short = name if len(name) <= 40 else "..." + name[-37:]
    print(f"\r\x1b[2KChecked {done} of {total}{eta_text}  {short}", end="", file=sys.stderr)


def cmd_scan(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.audit import default_actor
    from photoguard.report import summary_lines, write_json, write_report_csv
    from photoguard.scan import (
        FileChecked,
        FileDecided,
        FileSkipped,
        ScanFinished,
        ScanOptions,
        ScanStarted,
        scan,
    )

    ws = ctx.ws.with_settings(
        with_overrides(
            ctx.ws.settings,
            match_distance=args.match_distance,
            review_distance=args.review_distance,
            frames_per_second=args.fps,
        )
    )
    by = args.by or default_actor()
    options = ScanOptions(approve_by=by if args.approve else None, actor=by, processes=args.workers)
    tty = sys.stderr.isatty()
    report: ScanReport | None = None
    for event in scan(ws, args.paths, options):
        if isinstance(event, ScanStarted):
            if tty:
                print(f"Checking {event.total} file(s)...", file=sys.stderr)
        elif isinstance(event, FileSkipped):
            if args.verbose:
                print(f"  skipped  {event.skipped.rel}: {event.skipped.reason}")
        elif isinstance(event, FileChecked):
            if tty:
                _progress(event.done, event.total, event.eta_s, event.result.rel)
        elif isinstance(event, FileDecided):
            # One line per recorded decision: what is printed here is committed.
            if tty:
                print("\r\x1b[2K", end="", file=sys.stderr)
            print(
                f"{_DECIDED.get(event.decision, event.decision):<9} {event.result.rel}  "
                f"(log #{event.record_seq})",
                flush=True,
            )
        elif isinstance(event, ScanFinished):
            report = event.report
    if tty:
        print("\r\x1b[2K", end="", file=sys.stderr)
    assert report is not None
    if args.json:
        write_json(report, args.json)
    if args.csv:
        write_report_csv(report, args.csv)
    for line in summary_lines(report):
        print(line)
    if args.approve:
        approved = sum(1 for f in report.files if f.verdict == "clear")
        print(f"Approved {approved} clear file(s) as {by}; the others were not approved.")
    if not args.verbose and report.skipped:
        print(f"({len(report.skipped)} file(s) skipped; --verbose lists them)")
    return 0 if report.all_clear else 1
