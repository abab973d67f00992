"""``photoguard cache status | clear``: the scan cache of faces found in unchanged files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from photoguard.cli.main import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "cache",
        help="the scan cache (what was found in unchanged files)",
        description="The scan cache keeps what was found in each checked file (sealed, for "
        "cache_days, default 30) so a rescan of unchanged files only re-matches faces. "
        "It holds face data of whoever is in the photos: clear it when you are done.",
    )
    csub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    csub.add_parser("status", help="how many files the cache holds").set_defaults(
        handler=cmd_status
    )
    csub.add_parser("clear", help="delete the cache and its key").set_defaults(handler=cmd_clear)


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.scan.cache import CACHE_FILE, ScanCache

    ws = ctx.ws
    if not (ws.home / CACHE_FILE).exists():
        print("The scan cache is empty.")
        return 0
    cache = ScanCache(ws.home, ws.settings.cache_days)
    try:
        print(
            f"The scan cache holds {cache.count()} file(s), each kept {ws.settings.cache_days} "
            f"days ({ws.home / CACHE_FILE})."
        )
        kept = cache.kept_count()
        if kept:
            print(
                f"{kept} approved file(s) are kept up to {ws.settings.recheck_days} days from "
                "their approval, so a later roster change can re-check them."
            )
    finally:
        cache.close()
    return 0


def cmd_clear(args: argparse.Namespace, ctx: Context) -> int:
    from photoguard.scan.cache import clear_cache

    ws = ctx.ws
    n = clear_cache(ws.home)
    print(f"Cleared the scan cache ({n} file(s)) and destroyed its key.")
    return 0
