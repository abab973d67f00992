"""``photoguard gui [PATH...]``: open the desktop app (on the data folder of --home).

The app lives in the ``ui`` package, which imports Qt; the core never does, so
it is imported here only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.errors import UserError

if TYPE_CHECKING:
    from photoguard.cli.main import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "gui",
        help="open the desktop app",
        description="Open the photoguard app on the data folder (--home, $PHOTOGUARD_HOME or "
        "the default). Files or folders named are checked as soon as it opens.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="check these now")
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace, ctx: Context) -> int:
    try:
        app = importlib.import_module("ui.app")
    except ImportError as exc:
        raise UserError(
            f"the desktop app cannot start: {exc} (install photoguard with its Qt dependency, "
            "PySide6)"
        ) from exc
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise UserError(f"{missing[0]} does not exist")
    try:
        ws = ctx.ws
    except UserError as exc:
        print(f"photoguard: {exc}", file=sys.stderr)
        return int(app.show_startup_error(str(exc)))
    return int(app.run(ws, [p.resolve() for p in args.paths]))
