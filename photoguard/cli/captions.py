"""``photoguard check-caption TEXT``: check a post's text for students' full names.

Policy 3.f.3: staff use only first names. A teacher pastes the caption of a post
before publishing it; every roster student counts, opted out or not. Exit status 1
when a full name is found, with a suggested first-name-only rewrite.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from photoguard.cli.output import plural, print_json
from photoguard.errors import UserError
from photoguard.roster import stored as roster_store
from photoguard.roster.first_names import first_name_only
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex, NameMatch
from photoguard.vocab import FindingType

if TYPE_CHECKING:
    from photoguard.cli.main import Context

EXIT_OK = 0
EXIT_FOUND = 1

#: Largest text read from standard input (characters): a post, not a book.
MAX_TEXT = 1_000_000


def register(sub: Any) -> None:
    p = sub.add_parser(
        "check-caption",
        help="check the text of a post for students' full names before publishing",
        description="Check a caption or post for the full name of any student on the roster "
        "(policy 3.f.3: first names only). Prints each full name found and a suggested "
        "rewrite. Exit status: 0 no full names, 1 full names found, 2 bad usage or no roster.",
    )
    p.add_argument("text", metavar="TEXT", help="the text to check, or - to read it from stdin")
    p.add_argument(
        "--style",
        choices=("initial", "remove"),
        default="initial",
        help="the rewrite keeps the last name's initial ('Liam O.', the default) "
        "or removes it ('Liam')",
    )
    p.add_argument(
        "--file-name",
        action="store_true",
        help="check TEXT as a file or folder name (words separated by _ - . or camelCase)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_check_caption)


def _read_text(arg: str) -> str:
    text = sys.stdin.read(MAX_TEXT + 1) if arg == "-" else arg
    if len(text) > MAX_TEXT:
        raise UserError(f"the text is longer than {MAX_TEXT} characters; check it in parts")
    if not text.strip():
        raise UserError("there is no text to check")
    return text


def finding(m: NameMatch, text: str, student: Student | None) -> dict[str, Any]:
    """A finding as the scan report writes it, plus who and how it was matched."""
    return {
        "type": FindingType.FULL_NAME,
        "student_id": m.student_id,
        "field": "caption",
        "text": text,
        "span": [m.start, m.end],
        "matched": m.matched,
        "form": m.form,
        "name": student.display_name if student else m.student_id,
    }


def cmd_check_caption(args: argparse.Namespace, ctx: Context) -> int:
    text = _read_text(args.text)
    ws = ctx.ws
    with ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
        students = roster_store.students(tx, version.id) if version else []
    if version is None or not students:
        raise UserError(
            "no roster has been imported, so there are no names to check against: "
            "run 'photoguard roster import FILE' first"
        )
    matches = NameIndex(students).find(text, file_name=args.file_name)
    by_id = {s.student_id: s for s in students}
    suggestion = first_name_only(text, matches, args.style)
    if args.json:
        print_json(
            {
                "roster_version": version.label,
                "students_checked": len(students),
                "found": bool(matches),
                "findings": [finding(m, text, by_id.get(m.student_id)) for m in matches],
                "suggested": suggestion,
            }
        )
        return EXIT_FOUND if matches else EXIT_OK
    checked = f"checked against roster version {version.id}, {plural(len(students), 'student')}"
    if not matches:
        print(f"No full names of students found ({checked}).")
        return EXIT_OK
    print(f"{plural(len(matches), 'full name')} of students found ({checked}):")
    for m in matches:
        student = by_id.get(m.student_id)
        name = student.display_name if student else "?"
        print(f'  {name} ({m.student_id}), span {m.start}-{m.end}: "{m.matched}"')
    print("Policy 3.f.3: use first names only. Suggested rewrite:")
    print(suggestion)
    return EXIT_FOUND
