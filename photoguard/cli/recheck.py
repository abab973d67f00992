"""``photoguard recheck``: approvals checked again against the roster and faces in force.

Every file approved under an earlier roster or before the newest reference face is
matched again (scan/recheck.py): from the scan cache, or the file where it is unchanged.
Each that now shows a student the approved check did not name gets an
``approval.withdrawn`` record; the others still hold, and files that cannot be
re-checked are listed, never dropped. ``roster import`` and ``enroll`` run it too.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.audit.chain import default_actor
from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.scan.recheck import RecheckReport, recheck, take_down
from photoguard.workspace.folder import Workspace

if TYPE_CHECKING:
    from photoguard.cli.main import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "recheck",
        help="check approved files again against the roster and reference faces in force",
        description="Match every file approved under an earlier roster or before the newest "
        "reference face again: from the scan cache, or from the file where it is unchanged. "
        "Each that now shows a student the approved check did not name (newly opted out, "
        "newly enrolled) has its approval withdrawn in the approval log; files that cannot "
        "be re-checked are listed. Exit status 1 when an approval was withdrawn or a file "
        "could not be re-checked.",
    )
    p.add_argument("--since", metavar="DATE", help="only approvals given on or after DATE")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be withdrawn; write nothing"
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON")
    p.add_argument("--by", metavar="NAME", help="who runs it (default: your user name)")
    p.set_defaults(handler=cmd_recheck)
    register_takedown(sub)


def _since(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat() + "T00:00:00+00:00"
    except ValueError as exc:
        raise UserError(f"--since {text!r} is not a date (YYYY-MM-DD)") from exc


def cmd_recheck(args: argparse.Namespace, ctx: Context) -> int:
    report = recheck(
        ctx.ws, by=args.by or default_actor(), since=_since(args.since), dry_run=args.dry_run
    )
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
    return 1 if report.affected or report.cannot else 0


def print_report(report: RecheckReport) -> None:
    """What the office reads: a headline, then each file that no longer holds or could
    not be re-checked, with who approved it and when."""
    print(report.headline())
    for r in report.affected:
        a = r.approval
        who = ", ".join(
            f"{report.names.get(s, s)} ({why})"
            for s, why in zip(r.students, r.because, strict=True)
        )
        verb = "would be withdrawn" if report.dry_run else "withdrawn"
        print(
            f"  {verb:<18} {display(a.path)}: approved by {a.by} on {a.at[:10]}; now shows {who}"
            f" (from {r.source})"
        )
    for r in report.cannot:
        a = r.approval
        print(
            f"  {'cannot re-check':<18} {display(a.path)}: approved by {a.by} on {a.at[:10]}; "
            f"{r.cannot}"
        )
    if report.affected and not report.dry_run:
        print(
            "These may already be posted: take them down where they were shared, and decide "
            "them again after a check."
        )


def after_change(ws: Workspace, by: str) -> None:
    """Run by ``roster import`` and ``enroll`` after a change: the re-check, said in a few
    lines (nothing when no approval was given under an earlier roster)."""
    report = recheck(ws, by=by)
    if report.files:
        print_report(report)


def register_takedown(sub: Any) -> None:
    p = sub.add_parser(
        "takedown",
        help="record that a file whose approval was withdrawn was taken down",
        description="Record in the approval log that FILE, whose approval a re-check "
        "withdrew, was removed from where it was posted (the file itself may be gone).",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--where", required=True, metavar="PLACE", help='e.g. "school website"')
    p.add_argument("--by", metavar="NAME", help="who took it down (default: your user name)")
    p.set_defaults(handler=cmd_takedown)


def cmd_takedown(args: argparse.Namespace, ctx: Context) -> int:
    done = take_down(ctx.ws, args.file, where=args.where, by=args.by or default_actor())
    print(
        f"Recorded: {display(done.path)} taken down from {done.where} "
        f"(log #{done.record_seq}, answering withdrawal #{done.withdrawal_seq})."
    )
    return 0
