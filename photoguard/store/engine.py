"""Connections and transactions for SQLite and PostgreSQL behind one small interface.

Both engines get the same SQL, written with ``?`` placeholders; the PostgreSQL
side rewrites them to psycopg's ``%s``. Every write runs inside
:meth:`Database.transaction`, which commits on success and rolls back on any
exception, so a refused import or a crash leaves the previous state in force.

A database can be opened read-only (``log verify`` always is; so is every
command on a data folder that cannot be written): nothing is created, migrated
or written, and :meth:`Database.transaction` refuses with one plain sentence.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from photoguard.errors import UserError
from photoguard.files.private import create_private_file

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any]
Row = dict[str, Any]

SQLITE_FILE = "photoguard.sqlite"


class PermissionDenied(UserError):
    """The database refused the connection's login (PostgreSQL roles and row-level security)."""


class ReadOnly(UserError):
    """Something was to be recorded in a database opened read-only."""


class Tx(ABC):
    """One open transaction. Rows come back as plain dicts on both engines."""

    dialect: Dialect
    #: The database's identity (see :attr:`Database.identity`).
    identity: str = ""

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each parameter row."""

    @abstractmethod
    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""

    def row(self, sql: str, params: Params = ()) -> Row | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        found = self.row(sql, params)
        return None if found is None else next(iter(found.values()))


class Database(ABC):
    """A photoguard database on one engine."""

    dialect: Dialect
    #: What to show a person: a file path, or a URL without its password.
    display_name: str
    #: A random ID stored in the database when it is created (copies keep it), so
    #: what a data folder witnessed is kept apart per database (see audit.py).
    identity: str = ""
    #: Opened read-only: :meth:`transaction` raises :class:`ReadOnly`.
    read_only: bool = False
    #: The schema version found (a read-only database is not migrated).
    schema_version: int = 0
    #: Called once, just before the first write transaction begins (the data folder
    #: uses it to note which database it writes to; see workspace.py).
    before_first_write: Callable[[], None] | None = None

    def _first_write(self) -> None:
        hook, self.before_first_write = self.before_first_write, None
        if hook is not None:
            hook()

    def _refuse_writes(self) -> None:
        if self.read_only:
            raise ReadOnly(self.read_only_reason)

    @property
    def read_only_reason(self) -> str:
        return (
            f"{self.display_name} was opened read-only, so nothing can be recorded in it "
            "(this command only reads)"
        )

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A read-write transaction: committed when the block ends, rolled back on error."""

    @abstractmethod
    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """A read-only transaction with a consistent view."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- SQLite


class _SqliteTx(Tx):
    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, identity: str) -> None:
        self._conn = conn
        self.identity = identity

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._conn.executemany(sql, (tuple(r) for r in rows))

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        cur = self._conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class SqliteDatabase(Database):
    """The embedded default: one file in the data folder.

    WAL journal, ``synchronous=FULL`` (a committed transaction survives power
    loss), foreign keys on. One connection guarded by a lock, so the app's
    worker thread and the UI thread never interleave inside a transaction.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.display_name = str(path)
        self.read_only = read_only
        try:
            if read_only:
                conn = _connect_read_only(path)
            else:
                create_private_file(path)
                conn = sqlite3.connect(
                    path, isolation_level=None, timeout=30.0, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL").fetchone()
                conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except (OSError, sqlite3.Error) as exc:
            raise UserError(f"cannot open the database {path}: {exc}") from exc
        self._conn = conn
        self._lock = threading.RLock()

    @property
    def read_only_reason(self) -> str:
        folder = self.path.parent
        if not writable(folder, self.path):
            return (
                f"the data folder {folder} is read-only, so nothing can be recorded in it: "
                "commands that only read (log verify, log show, roster show) work; to scan, "
                "decide, import or enroll, make the folder writable again"
            )
        return super().read_only_reason

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        self._refuse_writes()
        with self._lock:
            self._first_write()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._conn, self.identity)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield _SqliteTx(self._conn, self.identity)
            finally:
                self._conn.execute("ROLLBACK")

    def file_identity(self) -> str | None:
        """The identity stored in the file, read before any migration (None: none yet)."""
        with self.snapshot() as tx:
            has_table = tx.scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name = 'database_identity'"
            )
            if not has_table:
                return None
            found = tx.scalar("SELECT identity FROM database_identity WHERE id = 1")
        return str(found) if found else None

    def backup_to(self, target: Path) -> None:
        """Copy the whole database (consistent, WAL included) to ``target`` (mode 0600)."""
        create_private_file(target)
        dest = sqlite3.connect(target)
        try:
            with self._lock:
                self._conn.backup(dest)
        finally:
            dest.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def writable(folder: Path, database: Path | None = None) -> bool:
    """Whether this process may write in ``folder`` (and to ``database``, if it exists)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return database is None or not database.exists() or os.access(database, os.W_OK)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` for reading only, creating nothing.

    SQLite reads a WAL-mode database through its ``-shm`` file, which it cannot
    create in a folder that cannot be written. Then, if no changes wait in the
    ``-wal`` file (every commit is in the main file), the file is opened as
    immutable; if some do, it cannot be read correctly, and that is said.
    """
    if not path.is_file():
        raise OSError(f"{path} does not exist")
    uri = path.absolute().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise OSError(
            "it holds changes not yet written into the main file (its -wal file) and the "
            "folder cannot be written; open it once with write access"
        )
    conn = sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False
    )
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


# ----------------------------------------------------------------------- PostgreSQL

_PLACEHOLDER = re.compile(r"\?")


def to_pyformat(sql: str) -> str:
    """Rewrite ``?`` placeholders for psycopg (and escape literal ``%``).

    photoguard's SQL never has ``?`` inside string literals, so a plain
    rewrite is exact.
    """
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


class _PostgresTx(Tx):
    dialect: Dialect = "postgresql"

    def __init__(self, conn: Any, identity: str) -> None:
        self._conn = conn
        self.identity = identity

    def execute(self, sql: str, params: Params = ()) -> int:
        with self._conn.cursor() as cur:
            cur.execute(to_pyformat(sql), tuple(params))
            return int(cur.rowcount)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), [tuple(r) for r in rows])

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        with self._conn.cursor() as cur:
            cur.execute(to_pyformat(sql), tuple(params))
            if cur.description is None:
                return []
            names = [d.name for d in cur.description]
            return [
                {
                    n: (bytes(v) if isinstance(v, memoryview) else v)
                    for n, v in zip(names, r, strict=True)
                }
                for r in cur.fetchall()
            ]


class PostgresDatabase(Database):
    """A district's shared database on a PostgreSQL server (psycopg 3).

    The URL's user is the login every query runs as; what it may read and
    change is decided by the server (roles and row-level security, see
    :mod:`photoguard.workspace.district`). A refusal raises :class:`PermissionDenied`.
    A connection the server dropped (a restart, a network blip) is opened
    again when the next transaction starts.
    """

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, read_only: bool = False) -> None:
        self.read_only = read_only
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise UserError(
                "PostgreSQL support is not installed: pip install 'photoguard[postgres]'"
            ) from exc
        self._psycopg = psycopg
        self._url = url
        self.display_name = _redact(url)
        self._conn = self._connect()
        self._lock = threading.RLock()
        self.login: str = str(self._conn.execute("SELECT current_user").fetchone()[0])

    def _connect(self) -> Any:
        psycopg = self._psycopg
        try:
            return psycopg.connect(self._url, autocommit=True)
        except psycopg.Error as exc:
            raise UserError(f"cannot connect to {self.display_name}: {_first_line(exc)}") from exc

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Turn the server's permission errors into one plain sentence."""
        try:
            yield
        except self._psycopg.errors.InsufficientPrivilege as exc:
            raise PermissionDenied(
                f"the database does not let login '{self.login}' do this ({_first_line(exc)})"
            ) from exc

    def _ready(self) -> None:
        if self._conn.broken:
            self._conn = self._connect()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        self._refuse_writes()
        with self._lock:
            self._first_write()
        with self._lock, self._refusals():
            self._ready()
            with self._conn.transaction():
                yield _PostgresTx(self._conn, self.identity)

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        with self._lock, self._refusals():
            self._ready()
            # Rolled back at the end, like SQLite's: a write made in a snapshot is never kept.
            with self._conn.transaction(force_rollback=True):
                self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield _PostgresTx(self._conn, self.identity)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _redact(url: str) -> str:
    url = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def connect(home: Path, url: str | None = None, read_only: bool = False) -> Database:
    """Open PostgreSQL at ``url``, or else the SQLite file in ``home``, as it is (no migration)."""
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise UserError(f"--db must be a postgresql:// URL, not {_redact(url)!r}")
        return PostgresDatabase(url, read_only=read_only)
    return SqliteDatabase(home / SQLITE_FILE, read_only=read_only)


class ReplacedDatabase(UserError):
    """The SQLite file is not the database this data folder wrote to."""

    def __init__(self, path: Path, expected: str, found: str | None) -> None:
        what = "a new, empty database" if found is None else f"another database ({found})"
        super().__init__(
            f"the database file {path} is not the one this data folder wrote to (database "
            f"{expected}): it is {what}. Put the original file back (from a backup); "
            "photoguard will not write into another database in its place"
        )
        self.path = path
