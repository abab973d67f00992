"""``photoguard safe-copy PATH... --out DIR``: copies that are safe to post.

Every opted-out face covered, GPS and device fields removed, full names in
captions and file names cut down to first names, the copy rescanned clear, and
one ``safecopy`` record per copy in the approval log. The originals are only read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.cli.output import plural
from photoguard.errors import UserError
from photoguard.media.walk import Found, walk
from photoguard.safecopy import STYLES

if TYPE_CHECKING:
    from photoguard.cli.main import Context
    from photoguard.safecopy import SafeCopyPreview, SavedCopy
    from photoguard.scan.workers import WorkerPool
    from photoguard.workspace.folder import Workspace


def register(sub: Any) -> None:
    p = sub.add_parser(
        "safe-copy",
        help="make copies of photos and videos with opted-out faces covered and names cut down",
        description="Make a copy of each photo and video (folders are searched recursively) "
        "that is safe to post: every face of an opted-out student covered (in videos, in "
        "every frame), GPS and camera fields removed, full names in captions and the file "
        "name cut down to the first name and last initial. Each copy is rescanned and saved "
        "only if it comes out clear; the originals are never changed. JPEG, HEIC and WebP "
        "photos are saved as JPEG, other photos as PNG, videos as MP4 without audio. "
        "Exit status: 0 every copy was made, 1 some could not be made, 2 bad usage.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for the copies (created if missing; never the originals' folder)",
    )
    p.add_argument(
        "--style",
        choices=STYLES,
        default="blur",
        help="how faces are covered (default: blur)",
    )
    p.add_argument("--by", metavar="NAME", help="who is making the copies (default: user name)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: cores)")
    p.set_defaults(handler=cmd_safe_copy)


def _name(ctx_names: dict[str, str], student_id: str | None) -> str:
    if not student_id:
        return "a face (faces-off mode)"
    name = ctx_names.get(student_id)
    return f"{name} ({student_id})" if name else student_id


def describe(preview: SafeCopyPreview, saved: SavedCopy, names: dict[str, str]) -> list[str]:
    """What a person reads about one copy."""
    lines = [f"Saved {saved.path} (copy of {preview.source.name})"]
    if preview.faces:
        who = []
        for f in preview.faces:
            when = ""
            if f.time_s is not None:
                when = f" at {f.time_s:.1f}-{(f.until_s or f.time_s):.1f} s"
            who.append(_name(names, f.student_id) + when)
        lines.append(
            f"  covered {plural(len(preview.faces), 'face')} ({preview.style}): " + "; ".join(who)
        )
    else:
        lines.append("  no face needed covering")
    rewritten = [f for f in preview.fields if f.action == "rewritten"]
    if rewritten:
        lines.append("  full names cut down in: " + ", ".join(f.field for f in rewritten))
    dropped = sorted({f.field for f in preview.fields if f.action != "rewritten"})
    if dropped:
        lines.append("  not carried over: " + ", ".join(dropped))
    if preview.removed:
        lines.append("  removed: " + ", ".join(preview.removed))
    r = preview.rescan
    checked = plural(r.frames_checked, "frame")
    lines.append(f"  rescan of the copy: {r.verdict} ({r.reason}; {checked} checked)")
    lines.extend(f"  {note}" for note in preview.notes)
    return lines


def cmd_safe_copy(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.audit.chain import default_actor
    from photoguard.references.enroll import coverage_gaps
    from photoguard.roster import stored as roster_store
    from photoguard.safecopy import check_destination, open_pool

    ws = ctx.ws
    by = args.by or default_actor()
    found: list[Found] = []
    skipped = 0
    for item in walk(args.paths):
        if isinstance(item, Found) and item.kind != "document":
            found.append(item)
        else:
            skipped += 1
            why = item.unchecked if isinstance(item, Found) else item.reason
            print(f"  skipped  {item.rel}: {why}", file=sys.stderr)
    if not found:
        raise UserError("no photo or video was found to copy")
    for item in found:  # refuse before any work: never into the originals' folder
        check_destination(item.path, args.out)
    with ws.db.snapshot() as tx:
        roster_store.roster_in_force(tx, ws.school)  # refuses before any work
        names = {s.student_id: s.display_name for s in roster_store.current_students(tx, ws.school)}
    tty = sys.stderr.isatty()
    made = failed = 0
    with open_pool(args.workers) as pool:
        for n, item in enumerate(found, 1):
            ok = _copy_one(ws, item, n, len(found), args, by, names, pool, tty)
            made += ok
            failed += not ok
    gaps = coverage_gaps(ws) if ws.settings.faces else []
    if gaps:
        listed = ", ".join(f"{s.display_name} ({s.student_id})" for s in gaps[:10])
        print(
            f"WARNING: {plural(len(gaps), 'opted-out student')} "
            f"{'has' if len(gaps) == 1 else 'have'} no reference face and "
            f"cannot be recognised, so their faces were not covered: {listed}"
            + (f" and {len(gaps) - 10} more" if len(gaps) > 10 else "")
            + ". Add them with 'photoguard enroll'."
        )
    print(
        f"Made {plural(made, 'safe copy', 'safe copies')} in {args.out}"
        + (f"; {failed} could not be made" if failed else "")
        + (f"; {skipped} skipped" if skipped else "")
        + (f". Each is recorded in the approval log as made by {by}." if made else ".")
    )
    return 1 if failed else 0


def _copy_one(
    ws: Workspace,
    item: Found,
    n: int,
    total: int,
    args: argparse.Namespace,
    by: str,
    names: dict[str, str],
    pool: WorkerPool,
    tty: bool,
) -> bool:
    """Make, save and describe one copy; False (and one line) if it could not be made."""
    from photoguard.safecopy import make_safe_copy, save_safe_copy

    if tty:
        print(f"\r\x1b[2KCopying {n} of {total}: {item.rel}", end="", file=sys.stderr)
    try:
        with make_safe_copy(ws, item.path, args.style, out_dir=args.out, pool=pool) as preview:
            saved = save_safe_copy(ws, preview, args.out, by)
    except UserError as exc:
        if tty:
            print("\r\x1b[2K", end="", file=sys.stderr)
        print(f"NOT COPIED {item.rel}: {exc}")
        return False
    if tty:
        print("\r\x1b[2K", end="", file=sys.stderr)
    for line in describe(preview, saved, names):
        print(line)
    return True
