"""``photoguard scan PATH...``: check photos and videos before they are shared."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.cli.output import ReportFile, check_outputs, csv_report, silence_stdout
from photoguard.files.pathtext import display
from photoguard.vocab import DecisionKind, VerdictKind
from photoguard.workspace.settings import with_overrides

if TYPE_CHECKING:  # imported when the command runs: numpy and dlib slow every start-up
    from photoguard.cli.main import Context
    from photoguard.scan.report import ScanReport
    from photoguard.scan.run import FileDecided

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2

#: The first bytes of every JSON report report.write_json writes.
SCAN_JSON = ReportFile("photoguard scan report (JSON)", b'{\n  "schema": "photoguard.report/')


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan",
        help="check photos and videos for opted-out students and full names",
        description="Check photos and videos (folders are searched recursively) for faces of "
        "opted-out students and for students' full names in captions, metadata and file names. "
        "Exit status: 0 every file is clear (with --approve: and was approved), 1 something "
        "was found, could not be checked, or was skipped that may be posted, or nothing was "
        "checked, 2 bad usage or the output could not be written.",
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
    p.add_argument(
        "--no-text",
        action="store_true",
        help="do not read text written in the pictures (the setting read_text_in_pictures)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a --json/--csv file that is not an earlier report (never a scanned file)",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="also list skipped files")
    p.set_defaults(handler=cmd_scan)


#: Keyed by the decision (looked up by the string recorded).
_DECIDED: dict[str, str] = {
    DecisionKind.APPROVE: "approved",
    DecisionKind.BLOCK: "blocked",
    DecisionKind.PENDING: "pending",
}


def _progress(done: int, total: int, eta: float | None, name: str) -> None:
    eta_text = f", about {int(eta // 60)}:{int(eta % 60):02d} left" if eta is not None else ""
    short = name if len(name) <= 40 else "..." + name[-37:]
    print(f"\r\x1b[2KChecked {done} of {total}{eta_text}  {short}", end="", file=sys.stderr)


class _Out:
    """Lines to stdout, each flushed. When the reader goes away (``scan ... | head -1``)
    the lines stop and ``closed`` is set; the command then stops the scan and exits
    non-zero, never 0: nobody saw the result."""

    def __init__(self) -> None:
        self.closed = False

    def line(self, text: str) -> None:
        if self.closed:
            return
        try:
            print(text, flush=True)
        except BrokenPipeError:
            self.closed = True
            silence_stdout()


def _not_approved(decided: list[FileDecided]) -> list[FileDecided]:
    """Clear files whose approval was refused when it was recorded (they are pending)."""
    return [
        d
        for d in decided
        if d.result.verdict == VerdictKind.CLEAR and d.decision != DecisionKind.APPROVE
    ]


def _approval_lines(decided: list[FileDecided], by: str) -> list[str]:
    """What ``--approve`` recorded, counted by the decision actually recorded."""
    recorded = Counter(d.decision for d in decided)
    refused = _not_approved(decided)
    line = f"Approved {recorded[DecisionKind.APPROVE]} clear file(s) as {display(by)}"
    if refused:
        line += (
            f"; {len(refused)} clear file(s) could not be approved and were recorded "
            f"{_DECIDED.get(refused[0].decision, refused[0].decision)} (scan them again)"
        )
    line += "; the others were not approved."
    counts = ", ".join(f"{n} {_DECIDED.get(k, k)}" for k, n in sorted(recorded.items()))
    return [line, f"Recorded in the approval log: {counts or 'nothing'}."]


def cmd_scan(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.audit.chain import default_actor
    from photoguard.scan.report import CSV_HEADERS, summary_lines, write_json, write_report_csv
    from photoguard.scan.run import (
        FileChecked,
        FileDecided,
        FileSkipped,
        ScanFinished,
        ScanOptions,
        ScanStarted,
        scan,
    )
    from photoguard.scan.workers import CancelToken

    # Every output path is checked before anything is scanned or logged.
    check_outputs(
        [
            ("--json", args.json, SCAN_JSON),
            ("--csv", args.csv, csv_report("photoguard scan report (CSV)", CSV_HEADERS)),
        ],
        force=args.force,
        inputs=args.paths,
    )
    ws = ctx.ws.with_settings(
        with_overrides(
            ctx.ws.settings,
            match_distance=args.match_distance,
            review_distance=args.review_distance,
            frames_per_second=args.fps,
            read_text_in_pictures=False if args.no_text else None,
        )
    )
    by = args.by or default_actor()
    options = ScanOptions(approve_by=by if args.approve else None, actor=by, processes=args.workers)
    tty = sys.stderr.isatty()
    out = _Out()
    cancel = CancelToken()
    report: ScanReport | None = None
    decided: list[FileDecided] = []
    for event in scan(ws, args.paths, options, cancel):
        if isinstance(event, ScanStarted):
            if tty:
                print(f"Checking {event.total} file(s)...", file=sys.stderr)
        elif isinstance(event, FileSkipped):
            if args.verbose:
                out.line(f"  skipped  {event.skipped.rel}: {event.skipped.reason}")
        elif isinstance(event, FileChecked):
            if tty:
                _progress(event.done, event.total, event.eta_s, event.result.rel)
        elif isinstance(event, FileDecided):
            decided.append(event)
            # One line per recorded decision: what is printed here is committed.
            if tty:
                print("\r\x1b[2K", end="", file=sys.stderr)
            why = f": not approved, {display(event.why)}" if event.why else ""
            out.line(
                f"{_DECIDED.get(event.decision, event.decision):<9} {event.result.rel}  "
                f"(log #{event.record_seq}){why}"
            )
        elif isinstance(event, ScanFinished):
            report = event.report
        if out.closed:
            cancel.cancel()  # nobody can read what is decided: stop before the next file
    if tty:
        print("\r\x1b[2K", end="", file=sys.stderr)
    assert report is not None
    if args.json:
        write_json(report, args.json)
    if args.csv:
        write_report_csv(report, args.csv)
    for line in summary_lines(report):
        out.line(line)
    refused = _not_approved(decided)
    if args.approve:
        for line in _approval_lines(decided, by):
            out.line(line)
    quiet = len(report.skipped) - len(report.not_checked)
    if not args.verbose and quiet:
        out.line(
            f"({quiet} other file(s) skipped that are not posted, such as caption files read "
            "with their photos and system files; --verbose lists them)"
        )
    if out.closed:
        stopped = " The scan stopped early: files not reached were not checked."
        print(
            "photoguard: the output was closed before the summary was written (broken pipe)."
            + (stopped if report.cancelled else ""),
            file=sys.stderr,
        )
        return EXIT_FOUND if not report.all_clear else EXIT_USAGE
    # With --approve, 0 also means every clear file was approved: a script that posts
    # on success must not post files that were recorded pending.
    return EXIT_OK if report.all_clear and not refused else EXIT_FOUND
