"""``photoguard approve`` and ``photoguard block``: a person's decision about checked files.

Every file named is checked first; if any of them cannot be decided on, the
command says why for each and records nothing. Then each decision is recorded
in the approval log in a transaction of its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.audit.chain import default_actor
from photoguard.audit.view import printable
from photoguard.cli.output import plural, print_json
from photoguard.errors import UserError
from photoguard.scan.decisions import (
    Decision,
    DecisionResult,
    check,
    decide,
    file_sha256,
    scanned,
)
from photoguard.vocab import DecisionKind, VerdictKind
from photoguard.workspace.folder import Workspace

if TYPE_CHECKING:
    from photoguard.cli.main import Context

EXIT_REFUSED = 2


def register(sub: Any) -> None:
    app = sub.add_parser(
        "approve",
        help="approve files a person reviewed (an override if the scan did not find them clear)",
        description="Record that you reviewed FILE and approve it for sharing. A file the scan "
        "found clear is recorded as approved; any other file as an override of the scan, with "
        "your reason. Refused if the file was never scanned, changed since its scan, or the "
        "roster or reference faces changed since.",
    )
    app.add_argument("files", nargs="+", type=Path, metavar="FILE")
    app.add_argument("--by", metavar="NAME", help="who decides (default: your user name)")
    app.add_argument(
        "--reason", required=True, metavar="TEXT", help="why it may be shared (required)"
    )
    app.add_argument("--json", action="store_true", help="print JSON")
    app.set_defaults(handler=cmd_approve)

    blk = sub.add_parser(
        "block",
        help="record that files must not be shared",
        description="Record that FILE must not be shared. Allowed for any scanned file.",
    )
    blk.add_argument("files", nargs="+", type=Path, metavar="FILE")
    blk.add_argument("--by", metavar="NAME", help="who decides (default: your user name)")
    blk.add_argument("--reason", metavar="TEXT", help="why (optional)")
    blk.add_argument("--json", action="store_true", help="print JSON")
    blk.set_defaults(handler=cmd_block)


def _approval_kind(ws: Workspace, path: Path) -> Decision:
    found = scanned(ws, path)
    if found is not None and found.verdict == VerdictKind.CLEAR:
        return DecisionKind.APPROVE
    return DecisionKind.OVERRIDE


def _run(
    ctx: Context,
    files: list[Path],
    kinds: list[Decision],
    by: str,
    reason: str | None,
    as_json: bool,
) -> int:
    ws = ctx.ws
    refused = []
    hashes = [_sha256_or_none(p) for p in files]  # each file is read once
    for path, kind, sha in zip(files, kinds, hashes, strict=True):
        try:
            check(ws, path, kind, by, reason, sha256=sha)
        except UserError as exc:
            refused.append(str(exc))
    if refused:
        for message in refused:
            print(f"photoguard: {message}", file=sys.stderr)
        print(
            f"photoguard: nothing was recorded ({plural(len(refused), 'file')} refused)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    results = [
        decide(ws, path, kind, by, reason, sha256=sha)
        for path, kind, sha in zip(files, kinds, hashes, strict=True)
    ]
    if as_json:
        print_json([_json(r) for r in results])
    else:
        for r in results:
            print(_line(r))
    return 0


def _sha256_or_none(path: Path) -> str | None:
    try:
        return file_sha256(path.resolve())
    except UserError:
        return None  # unreadable: approving is refused, blocking still allowed


def _json(r: DecisionResult) -> dict[str, Any]:
    return {
        "path": r.path,
        "decision": r.decision,
        "record_seq": r.record_seq,
        "sha256": r.sha256,
        "verdict": r.verdict,
        "scan_id": r.scan_id,
        "roster_version": r.roster_version,
        "by": r.by,
        "at": r.at,
        "reason": r.reason,
    }


def _line(r: DecisionResult) -> str:
    name = printable(Path(r.path).name)
    if r.decision == DecisionKind.APPROVE:
        what = f"Approved {name} (the scan found it clear)"
    elif r.decision == DecisionKind.OVERRIDE:
        what = f"Approved {name} over the scan, which found it {r.verdict}"
    else:
        what = f"Blocked {name}"
    return f"{what}; record {r.record_seq}."


def cmd_approve(args: argparse.Namespace, ctx: Context) -> int:
    if not args.reason.strip():
        raise UserError("--reason must say why the files may be shared")
    by = args.by or default_actor()
    kinds = [_approval_kind(ctx.ws, f) for f in args.files]
    return _run(ctx, args.files, kinds, by, args.reason, args.json)


def cmd_block(args: argparse.Namespace, ctx: Context) -> int:
    by = args.by or default_actor()
    kinds: list[Decision] = [DecisionKind.BLOCK] * len(args.files)
    return _run(ctx, args.files, kinds, by, args.reason, args.json)
