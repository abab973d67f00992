"""Entry point: global options, sub-command dispatch, and the exit-status contract.

Exit status for every command: 0 success, 1 the check found something (scan,
check-caption, log verify), 2 bad usage or bad input. Errors are one line on
stderr, never a traceback (set PHOTOGUARD_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from photoguard import __version__
from photoguard.errors import UserError
from photoguard.workspace import Workspace, open_workspace

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace, "Context"], int]


class Context:
    """What a command needs from the global options; the workspace opens on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._ws: Workspace | None = None

    @property
    def ws(self) -> Workspace:
        if self._ws is None:
            self._ws = open_workspace(
                self.args.home,
                db_url=self.args.db,
                school=self.args.school,
                faces=False if self.args.no_faces else None,
            )
        return self._ws

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from photoguard.cli import roster

    parser = _Parser(
        prog="photoguard",
        description="Check photos and videos against the school's photo opt-out roster "
        "before they are shared.",
        epilog="Exit status: 0 all clear / success, 1 something was found, 2 bad usage or input.",
    )
    parser.add_argument("--version", action="version", version=f"photoguard {__version__}")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="data folder (default: $PHOTOGUARD_HOME or the platform's user data folder)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="postgresql://... for district mode (default: $PHOTOGUARD_DB "
        "or the SQLite file in the data folder)",
    )
    parser.add_argument("--school", metavar="CODE", help="school code (district mode)")
    parser.add_argument(
        "--no-faces",
        action="store_true",
        help="faces-off mode: never compute face encodings; faces found need a person's review",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _command_modules(roster):
        module.register(sub)
    return parser


def _command_modules(*first: Any) -> list[Any]:
    """Every command module; optional ones are skipped if not present yet."""
    import importlib

    modules = list(first)
    for name in (
        "enroll",
        "scan",
        "captions",
        "log",
        "decide",
        "privacy",
        "safecopy",
        "db",
        "gui",
        "cache",
    ):
        try:
            modules.append(importlib.import_module(f"photoguard.cli.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"photoguard.cli.{name}":
                raise
    return modules


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    ctx = Context(args)
    try:
        return handler(args, ctx)
    except UserError as exc:
        print(f"photoguard: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("photoguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("PHOTOGUARD_DEBUG"):
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"photoguard: unexpected error ({type(exc).__name__}: {first}); nothing more was "
            "changed. Please report it (PHOTOGUARD_DEBUG=1 shows details).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        ctx.close()
