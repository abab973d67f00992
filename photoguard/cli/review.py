"""``photoguard review``: the face groups of a check a person may decide at once.

Without ``--group`` it lists them: each face group whose faces the check was unsure
of, the student they may be, and the files they are in. With ``--group N`` and
``--is`` or ``--not`` it records that decision for every file of the group
(scan/review.py says which files take it and why others are left).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from photoguard.audit.chain import default_actor
from photoguard.cli.output import plural, print_json
from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.roster import stored as roster_store
from photoguard.scan.review import (
    CheckGroups,
    GroupToReview,
    check_groups,
    decide_group,
    learn_from_group,
)

if TYPE_CHECKING:
    from photoguard.cli.main import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "review",
        help="decide a check's unsure faces by person: once for every file of a face group",
        description="List the face groups of the newest check (or --scan N) whose faces may be "
        "an opted-out student; with --group N and --is or --not, record that decision for every "
        "file of the group: --is blocks them (name the student with --student when the group "
        "may be several); --not approves (as an override, with the reason "
        "given) each file whose only findings are this group's unsure faces, and leaves the "
        "others for a decision of their own.",
    )
    p.add_argument("--scan", type=int, metavar="N", help="the check (default: the newest)")
    p.add_argument("--group", type=int, metavar="N", help="the face group to decide")
    p.add_argument("--student", metavar="ID", help="the student (when a group may be several)")
    said = p.add_mutually_exclusive_group()
    said.add_argument("--is", dest="is_student", action="store_true", help="it is the student")
    said.add_argument("--not", dest="not_student", action="store_true", help="it is not")
    p.add_argument(
        "--add-reference",
        action="store_true",
        help="with --is: also add the clearest face of the group as one more reference of the "
        "student (then check the files again: decisions wait for a check with it)",
    )
    p.add_argument("--by", metavar="NAME", help="who decides (default: your user name)")
    p.add_argument("--reason", metavar="TEXT", help="why (required with --not)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_review)


def _names(ctx: Context) -> dict[str, str]:
    with ctx.ws.db.snapshot() as tx:
        return {
            s.student_id: s.display_name for s in roster_store.current_students(tx, ctx.ws.school)
        }


def _describe(group: GroupToReview, names: dict[str, str]) -> str:
    faces = sum(group.files.values())
    files = ", ".join(display(p) for p in sorted(group.files))
    who = _who_with_ids(group, names)
    return (
        f"face group {group.group}: may be {who}, "
        f"{plural(faces, 'face')} in {plural(len(group.files), 'file')}: {files}"
    )


def _who_with_ids(group: GroupToReview, names: dict[str, str]) -> str:
    return " or ".join(f"{names.get(s, s)} ({s})" for s in group.students)


def _who(group: GroupToReview, names: dict[str, str]) -> str:
    """Every student a "not" answer speaks for, by name."""
    return " or ".join(names.get(s, s) for s in group.students)


def cmd_review(args: argparse.Namespace, ctx: Context) -> int:
    checked: CheckGroups = check_groups(ctx.ws, args.scan)
    names = _names(ctx)
    if args.group is None:
        if args.is_student or args.not_student:
            raise UserError("say which face group with --group N ('photoguard review' lists them)")
        if args.json:
            print_json(
                {"scan_id": checked.scan_id, "groups": [g.as_json() for g in checked.groups]}
            )
            return 0
        if not checked.groups:
            print(f"Check {checked.scan_id} has no unsure faces to review.")
            return 0
        print(f"Check {checked.scan_id}: {plural(len(checked.groups), 'face group')} to look at.")
        for g in checked.groups:
            print(f"  {_describe(g, names)}")
        print("Decide one: photoguard review --group N --is (or --not --reason TEXT)")
        return 0
    if not (args.is_student or args.not_student):
        raise UserError("say what the group is: --is (it is the student) or --not")
    if args.add_reference and not args.is_student:
        raise UserError("--add-reference goes with --is: only a face a person confirmed is added")
    if args.not_student and not (args.reason and args.reason.strip()):
        raise UserError("--not approves files the check was unsure of: give your --reason")
    group = checked.find(args.group, args.student)
    student = args.student or group.student_id
    if args.is_student and args.student is None and len(group.students) > 1:
        raise UserError(
            f"face group {group.group} may be {_who_with_ids(group, names)}: "
            "say which with --student ID"
        )
    by = args.by or default_actor()
    done = decide_group(
        ctx.ws,
        checked,
        group,
        is_student=args.is_student,
        by=by,
        student_name=_who(group, names) if args.not_student else names.get(student, student),
        reason=args.reason,
    )
    learned = None
    if args.add_reference:
        learned = learn_from_group(ctx.ws, checked, group, by=by, student_id=student)
    if args.json:
        print_json(
            [
                {
                    "path": d.path,
                    "decision": d.result.decision if d.result else None,
                    "record_seq": d.result.record_seq if d.result else None,
                    "left": d.left,
                    "faces_answered": d.faces_answered,
                }
                for d in done
            ]
        )
    else:
        for d in done:
            if d.result is not None:
                print(f"{d.result.decision:<9} {display(d.path)}  (log #{d.result.record_seq})")
            else:
                print(f"{'left':<9} {display(d.path)}: {d.left}")
        kept = sum(d.faces_answered for d in done)
        if kept:
            print(
                f"Your answer is kept for {plural(kept, 'face')} for "
                f"{ctx.ws.settings.cache_days} days: checking the same photos again will not "
                "ask about them."
            )
        if learned is not None:
            print(
                f"Added one more reference of {learned.student_id} ({learned.source}; log "
                f"#{learned.record_seq}). Check the folder again before deciding more."
            )
    return 0 if all(d.result is not None for d in done) else 1
