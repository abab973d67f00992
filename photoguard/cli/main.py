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
from pathlib import Path
from typing import Any, NoReturn

from photoguard import __version__
from photoguard.cli.output import silence_stdout
from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.workspace.folder import Workspace, open_workspace

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
        "review",
        "recheck",
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


#: Free space under which an I/O error while writing is taken to be a full disk
#: (SQLite reports some writes that fail for lack of space as "disk I/O error").
NEARLY_FULL_BYTES = 8 << 20
_SQLITE_FULL = 13
_SQLITE_IOERR = 10
_PG_DISK_FULL = "53100"


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in out and len(out) < 10:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def _free_bytes(folder: Path) -> int | None:
    for candidate in (folder, *folder.parents):
        try:
            st = os.statvfs(candidate)
        except (OSError, AttributeError):
            continue
        return st.f_bavail * st.f_frsize
    return None


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n // 1024} KB"


def disk_full(exc: BaseException, data_folder: Path | None) -> str | None:
    """One plain line if ``exc`` (or what caused it) means a disk is full, else None.

    Said only when it is so: the system said "no space" (ENOSPC, EDQUOT), SQLite said
    "database or disk is full", PostgreSQL said disk_full, or SQLite reported a disk
    I/O error while the data folder's disk has almost no free space left. That the
    failed step was undone is said only where the database undid it."""
    import errno
    import sqlite3

    where: str | None = None
    undone = False
    for e in _causes(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            folder = Path(e.filename).parent if isinstance(e.filename, str) else None
            where = f"the disk{_on(folder)}"
            break
        if getattr(e, "sqlstate", None) == _PG_DISK_FULL:
            where, undone = "the database server's disk", True
            break
        if isinstance(e, sqlite3.Error):
            code = getattr(e, "sqlite_errorcode", None)
            primary = code & 0xFF if isinstance(code, int) else None
            if primary == _SQLITE_FULL or "database or disk is full" in str(e):
                where, undone = f"the disk{_on(data_folder)}", True
                break
            if data_folder is not None and (primary == _SQLITE_IOERR or "disk I/O" in str(e)):
                free = _free_bytes(data_folder)
                if free is not None and free < NEARLY_FULL_BYTES:
                    where, undone = f"the disk{_on(data_folder)} ({_size(free)} free)", True
                    break
    if where is None:
        return None
    advice = f"{where} is full: free some space and run the command again"
    if isinstance(exc, UserError):
        return f"{exc} ({advice})"
    if undone:
        advice += (
            "; the step that failed was not saved (the database undid it), and what was "
            "saved before is kept"
        )
    return advice + "."


def _on(folder: Path | None) -> str:
    return f" holding {display(folder)}" if folder is not None else ""


def _data_folder(ctx: Context) -> Path | None:
    try:
        if ctx._ws is not None:
            return Path(ctx._ws.home)
    except Exception:
        return None
    home = ctx.args.home or os.environ.get("PHOTOGUARD_HOME")
    return Path(home) if home else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    ctx = Context(args)
    try:
        status = handler(args, ctx)
        sys.stdout.flush()  # a closed pipe is found here, not in Python's flush at exit
        return status
    except UserError as exc:
        # "cannot open the database ...: disk I/O error": also say what to do about it.
        print(f"photoguard: {disk_full(exc, _data_folder(ctx)) or exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("photoguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output went away (``| head``): what it did not read, nobody
        # saw, so this is never success. (scan handles this itself, with its own status.)
        silence_stdout()
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("PHOTOGUARD_DEBUG"):
            traceback.print_exc()
        full = disk_full(exc, _data_folder(ctx))
        if full is not None:
            print(f"photoguard: {full}", file=sys.stderr)
            return EXIT_USAGE
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"photoguard: unexpected error ({type(exc).__name__}: {first}); nothing more was "
            "changed. Please report it (PHOTOGUARD_DEBUG=1 shows details).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        ctx.close()
