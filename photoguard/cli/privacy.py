"""``photoguard purge`` and ``photoguard keys status``: children's biometric data."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from photoguard.cli.output import plural, print_json
from photoguard.errors import UserError

if TYPE_CHECKING:
    from photoguard.cli.main import Context
    from photoguard.references.privacy import PurgeResult


def register(sub: Any) -> None:
    p = sub.add_parser(
        "purge",
        help="delete a student's biometric data (reference faces and their key)",
        description="Delete one student's reference faces and the key that sealed them, "
        "replace the master key so that no copy of the database made before can yield them, "
        "and clear the scan cache. The approval log records that it happened (student ID "
        "and reason), never what was deleted. --all deletes every student's.",
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", metavar="ID", help="the student whose data to delete")
    who.add_argument(
        "--all",
        action="store_true",
        help="every student's reference faces (face recognition no longer allowed, or the "
        "master key is lost); needs --yes",
    )
    p.add_argument("--reason", metavar="TEXT", help="why (logged; default: deletion requested)")
    p.add_argument("--by", metavar="NAME", help="who is purging (default: your user name)")
    p.add_argument("--yes", action="store_true", help="with --all: yes, delete them all")
    p.set_defaults(handler=cmd_purge)

    k = sub.add_parser(
        "keys",
        help="where the keys that seal the reference faces are",
        description="The master key that unlocks the reference faces lives in the OS keyring, "
        "or in 0600 key files (DATA/keys, or $PHOTOGUARD_KEY_DIR) where there is none.",
    )
    ksub = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    status = ksub.add_parser(
        "status", help="the key store, the master key, and what biometric data is stored"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_keys_status)


def _name(ctx: Context, student_id: str) -> str:
    from photoguard.roster import stored as roster_store

    with ctx.ws.db.snapshot() as tx:
        for s in roster_store.current_students(tx, ctx.ws.school):
            if s.student_id == student_id:
                return f"{s.display_name} ({student_id})"
    return student_id


def cmd_purge(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.audit.chain import default_actor
    from photoguard.references.privacy import purge_all, purge_student

    by = args.by or default_actor()
    if args.all:
        if not args.yes:
            raise UserError("--all deletes every student's reference faces: add --yes to go ahead")
        result = purge_all(ctx.ws, by, args.reason)
    else:
        result = purge_student(ctx.ws, args.student, by, args.reason)
    _print_purge(ctx, result)
    return 0 if result.retired_key_destroyed else 1


def _print_purge(ctx: Context, result: PurgeResult) -> None:
    print(result.reason[0].upper() + result.reason[1:] + ".")
    if result.cache_entries_cleared:
        print(
            f"Cleared the scan cache ({plural(result.cache_entries_cleared, 'file')}) and "
            "destroyed its key: it may have held faces from scanned photos."
        )
    print(
        f"Logged as {plural(len(result.record_seqs), 'approval-log record')} "
        "(student IDs and the reason; nothing of what was deleted)."
    )
    if result.still_opted_out:
        shown = ", ".join(_name(ctx, sid) for sid in result.still_opted_out[:5])
        more = len(result.still_opted_out) - 5
        print(
            f"Still opted out, now without a reference face: {shown}"
            f"{f' and {more} more' if more > 0 else ''}. Scans cannot recognise their faces "
            "(captions and file names are still checked); enrolling them again stores new data."
        )
    if not result.retired_key_destroyed:
        print(f"WARNING: {result.reason}", file=sys.stderr)


def cmd_keys_status(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.references.privacy import inventory

    inv = inventory(ctx.ws)
    if args.json:
        print_json(inv.as_json())
        return 0
    keys = inv.keys
    print(keys.reason[0].upper() + keys.reason[1:] + ".")
    if keys.rotated_at:
        print(f"Master key created or last replaced: {keys.rotated_at}")
    print(
        f"Reference faces: {plural(inv.references, 'reference')} of "
        f"{plural(inv.students_with_references, 'student')}, sealed per student."
    )
    print(
        f"Scan cache: {plural(inv.cache_entries, 'file')}, "
        f"{inv.cache_entries_with_encodings} with face encodings (sealed)."
    )
    print(f"Face recognition: {'on' if inv.faces else 'OFF (faces-off mode)'}.")
    for s in inv.stale:
        print(
            f"  stale  {s.student.display_name} ({s.student.student_id}): newest reference "
            f"{(s.newest or '')[:10]}"
        )
    for notice in inv.notices:
        print(f"NOTE: {notice}.")
    return 0 if keys.master_present or keys.master_key_id is None else 1
