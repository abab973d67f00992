"""``photoguard enroll``: reference faces of opted-out students."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.audit.chain import default_actor
from photoguard.cli.output import plural, print_json, table
from photoguard.errors import UserError

if TYPE_CHECKING:  # imported when a command runs: numpy and dlib slow every start-up
    from photoguard.cli.main import Context
    from photoguard.references.enroll import EnrollResult

MAX_LISTED = 30


def register(sub: Any) -> None:
    p = sub.add_parser(
        "enroll",
        help="add reference faces of opted-out students",
        description="Add reference faces of opted-out students from a picture-day folder (with "
        "a PSPA index.txt), a folder of photos named by student ID (100231.jpg), or photos of "
        "one student (--student ID IMAGE...). Only opted-out students are enrolled.",
    )
    p.add_argument("sources", nargs="*", type=Path, metavar="FOLDER|IMAGE")
    p.add_argument("--student", metavar="ID", help="enroll the IMAGE files for this student")
    p.add_argument("--status", action="store_true", help="list opted-out students and references")
    p.add_argument("--json", action="store_true", help="with --status: print JSON")
    p.add_argument("--by", metavar="NAME", help="who is enrolling (default: your user name)")
    p.set_defaults(handler=cmd_enroll)


def cmd_enroll(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.references.enroll import enroll, plan_folder, plan_student

    ws = ctx.ws
    if args.status:
        if args.sources or args.student:
            raise UserError("--status takes no folder or student")
        return _status(ctx, args.json)
    if args.student:
        plan = plan_student(ws, args.student, args.sources)
    else:
        if len(args.sources) != 1:
            raise UserError("name one folder to enroll from (or --student ID IMAGE...)")
        plan = plan_folder(ws, args.sources[0])

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rChecking reference photos: {done}/{total}", end="", file=sys.stderr)

    result = enroll(ws, plan, args.by or default_actor(), progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _print_result(result)
    if sum(result.added.values()):
        from photoguard.cli.recheck import after_change

        after_change(ws, args.by or default_actor())
    return 0


def _print_result(result: EnrollResult) -> None:
    plan = result.plan
    total_added = sum(result.added.values())
    print(
        f"Enrolled {plural(total_added, 'reference face')} for "
        f"{plural(len(result.added), 'student')} from {plan.source}."
    )
    if result.already_enrolled:
        print(f"{plural(result.already_enrolled, 'photo')} already enrolled: nothing to do.")
    if plan.not_opted_out:
        print(
            f"{plural(plan.not_opted_out, 'photo')} of students who are not opted out were not "
            "read (their faces are never stored)."
        )
    if result.rejected:
        print(f"Rejected {plural(len(result.rejected), 'photo')}:")
        for r in result.rejected[:MAX_LISTED]:
            print(f"  {r.label} (student {r.student_id}): {r.reason}")
        if len(result.rejected) > MAX_LISTED:
            print(f"  ... and {len(result.rejected) - MAX_LISTED} more")
    if plan.unmatched:
        print(f"Not matched to exactly one roster student ({len(plan.unmatched)}), not enrolled:")
        for u in plan.unmatched[:MAX_LISTED]:
            print(f"  {u.label}: {u.reason}")
        if len(plan.unmatched) > MAX_LISTED:
            print(f"  ... and {len(plan.unmatched) - MAX_LISTED} more")
    if result.coverage_gaps:
        names = ", ".join(f"{s.display_name} ({s.student_id})" for s in result.coverage_gaps[:10])
        more = len(result.coverage_gaps) - 10
        print(
            f"Still no reference face for {plural(len(result.coverage_gaps), 'opted-out student')}"
            f": {names}{f' and {more} more' if more > 0 else ''}."
        )
    else:
        print("Every opted-out student has at least one reference face.")


def _status(ctx: Context, as_json: bool) -> int:
    from photoguard.references.enroll import status

    rows = status(ctx.ws)
    if as_json:
        print_json(
            [
                {
                    "student_id": r.student.student_id,
                    "name": r.student.display_name,
                    "references": r.references,
                    "newest": r.newest,
                    "stale": r.stale,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("No opted-out students on the roster in force.")
        return 0
    print(
        table(
            [
                (
                    r.student.student_id,
                    r.student.display_name,
                    r.student.grade,
                    r.references,
                    "MISSING: cannot be recognised"
                    if not r.references
                    else ("stale: ask for this year's photo" if r.stale else "ok"),
                )
                for r in rows
            ],
            ("ID", "Name", "Grade", "References", "Status"),
        )
    )
    gaps = sum(1 for r in rows if not r.references)
    print(f"\n{plural(len(rows), 'opted-out student')}, {gaps} without a reference face.")
    return 0
