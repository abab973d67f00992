"""``photoguard roster import | show | history``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.audit.chain import default_actor
from photoguard.cli.output import plural, print_json, table
from photoguard.references import stored as ref_store
from photoguard.roster import stored as roster_store
from photoguard.roster.columns import ROLES, parse_column_overrides
from photoguard.roster.importing import (
    ALLOW_MASS_CHANGE,
    ImportPreview,
    apply_import,
    preview_import,
)
from photoguard.roster.model import MASS_CHANGE_MIN_STUDENTS

if TYPE_CHECKING:
    from photoguard.cli.main import Context

MAX_NAMED = 10


def register(sub: Any) -> None:
    p = sub.add_parser("roster", help="import and look at the opt-out roster exported from Aspen")
    rsub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)

    imp = rsub.add_parser(
        "import",
        help="import an Aspen export (CSV or XLSX)",
        description="Import the opt-out roster exported from Aspen. Columns are found by their "
        "headers; name any of them with --column ROLE=HEADER. Nothing changes if the file is "
        "refused.",
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument(
        "--column",
        action="append",
        metavar="ROLE=HEADER",
        help=f"use HEADER for ROLE (roles: {', '.join(ROLES)}); may be repeated",
    )
    imp.add_argument(
        "--sheet", metavar="NAME", help="the sheet of an .xlsx workbook (default: first)"
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change; change nothing"
    )
    imp.add_argument(
        ALLOW_MASS_CHANGE,
        action="store_true",
        help="import a file that changes most of the roster at once (removes half the "
        f"students of a roster of {MASS_CHANGE_MIN_STUDENTS} or more, ends most opt-outs or all "
        "of them); refused without it, as a one-grade export or a blank opt-out column would be",
    )
    imp.add_argument("--by", metavar="NAME", help="who is importing (default: your user name)")
    imp.set_defaults(handler=cmd_import)

    show = rsub.add_parser("show", help="list the students of the roster in force")
    show.add_argument("--opted-out", action="store_true", help="only opted-out students")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=cmd_show)

    hist = rsub.add_parser("history", help="list every roster version imported")
    hist.add_argument("--json", action="store_true", help="print JSON")
    hist.set_defaults(handler=cmd_history)


def _named(preview: ImportPreview, ids: tuple[str, ...]) -> str:
    shown = [f"{preview.name_of(i)} ({i})" for i in ids[:MAX_NAMED]]
    more = f", and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else ""
    return ", ".join(shown) + more


def print_preview(preview: ImportPreview) -> None:
    r = preview.roster
    print(
        f"Read {r.source_name}: {plural(len(r.students), 'student')}, {len(r.opted_out)} opted out."
    )
    print("Columns: " + ", ".join(f"{k}={v!r}" for k, v in r.columns.items()))
    for note in r.notes:
        print(f"Note: {note}.")
    for warning in preview.warnings:
        print(f"Warning: {warning}.")
    if preview.base is None:
        print("This is the first roster for this school.")
    else:
        b = preview.base
        print(f"Compared with roster version {b.id} ({b.imported_at[:10]}, {b.source_name}):")
    d = preview.diff
    for label, ids in (
        ("added", d.added),
        ("removed", d.removed),
        ("newly opted out", d.newly_opted_out),
        ("opted back in", d.opted_back_in),
    ):
        names = f": {_named(preview, ids)}" if ids and label != "added" else ""
        print(f"  {label:<16} {len(ids)}{names}")


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    ws = ctx.ws
    preview = preview_import(ws, args.file, parse_column_overrides(args.column), args.sheet)
    print_preview(preview)
    if preview.base is not None:
        from photoguard.cli.recheck import print_report
        from photoguard.scan.recheck import recheck

        # Before anything changes: what the import would withdraw (a dry run).
        ahead = recheck(ws, by=args.by or default_actor(), roster=preview.roster.students)
        if ahead.affected:
            print("Approved files this import affects:")
            print_report(ahead)
    if args.dry_run:
        print("Dry run: nothing was changed.")
        if preview.mass_change is not None and not args.allow_mass_change:
            print(
                f"Importing it would be refused: this file would {preview.mass_change_counts()}"
                f" (a mass change); to import it anyway, add {ALLOW_MASS_CHANGE}."
            )
        return 0
    result = apply_import(
        ws, preview, args.by or default_actor(), allow_mass_change=args.allow_mass_change
    )
    print(f"Imported as roster version {result.version.id}.")
    if result.references_deleted:
        print(
            f"Reference faces deleted for {plural(len(result.references_deleted), 'student')} "
            "who left the roster or opted back in."
        )
    with ws.db.snapshot() as tx:
        counts = ref_store.reference_counts(tx, ws.school)
    gaps = [s for s in preview.roster.opted_out if not counts.get(s.student_id)]
    if gaps:
        print(
            f"{plural(len(gaps), 'opted-out student')} {'has' if len(gaps) == 1 else 'have'} "
            "no reference face and cannot be recognised yet: add them with 'photoguard enroll'."
        )
    from photoguard.cli.recheck import after_change

    after_change(ws, args.by or default_actor())
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    ws = ctx.ws
    with ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
        students = roster_store.students(tx, version.id) if version else []
    if args.opted_out:
        students = [s for s in students if s.opted_out]
    if args.json:
        print_json(
            {
                "roster_version": version.label if version else None,
                "students": [asdict(s) for s in students],
            }
        )
        return 0
    if version is None:
        print("No roster imported yet: run 'photoguard roster import FILE'.")
        return 0
    rows = [
        (
            s.student_id,
            s.last_name,
            s.first_name,
            s.preferred_name,
            s.grade,
            s.homeroom,
            "opted out" if s.opted_out else "",
        )
        for s in students
    ]
    print(table(rows, ("ID", "Last", "First", "Preferred", "Grade", "Homeroom", "Photos")))
    print(f"\nRoster version {version.id}, {plural(len(students), 'student')} shown.")
    return 0


def cmd_history(args: argparse.Namespace, ctx: Context) -> int:
    ws = ctx.ws
    with ws.db.snapshot() as tx:
        versions = roster_store.history(tx, ws.school)
    if args.json:
        print_json([asdict(v) | {"label": v.label} for v in versions])
        return 0
    if not versions:
        print("No roster imported yet.")
        return 0
    rows = [
        (
            v.id,
            v.imported_at.replace("T", " ")[:16],
            v.imported_by,
            v.source_name,
            v.students,
            v.opted_out,
            v.counts["added"],
            v.counts["removed"],
            v.counts["newly_opted_out"],
            v.counts["opted_back_in"],
        )
        for v in versions
    ]
    headers = (
        "Version",
        "Imported (UTC)",
        "By",
        "File",
        "Students",
        "Opted out",
        "Added",
        "Removed",
        "Newly opted out",
        "Opted back in",
    )
    print(table(rows, headers))
    return 0
