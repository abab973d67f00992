"""An open data folder: its database, settings and the school this machine checks for.

Built once by the command line or the app and passed explicitly to every
operation (no global state).

The database is, in order: the ``--db`` URL, ``$PHOTOGUARD_DB``, the ``db_url``
setting, or else the SQLite file in the data folder. The school is ``--school``,
else the ``school`` setting, else the only school the database holds (on
PostgreSQL: the only one this login is a member of), else ``default``.

The folder's own SQLite file is never silently replaced: once the folder has
written to it (its witness files say so, see witness.py), a missing file is
refused instead of created afresh, and so is a file holding another database.
A folder that cannot be written is opened read-only: reading commands work,
and anything that would record something is refused with one plain sentence.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from photoguard.audit import witness
from photoguard.errors import UserError
from photoguard.roster.stored import ensure_school
from photoguard.store import Database
from photoguard.store.engine import SQLITE_FILE, PermissionDenied, writable
from photoguard.store.per_folder import folder_database_url
from photoguard.workspace.database import open_database
from photoguard.workspace.home import ensure_home, resolve_home
from photoguard.workspace.settings import Settings, load_settings, with_overrides

DB_ENV = "PHOTOGUARD_DB"
#: The school of a single machine that was never told one.
DEFAULT_SCHOOL = Settings().school
#: Not a school: in district roles it means every school.
_RESERVED_SCHOOL = "*"


@dataclass(frozen=True)
class Workspace:
    home: Path
    db: Database
    settings: Settings
    #: What this run asked for over the data folder's settings (``--db``, ``--school``,
    #: ``--no-faces``), so reopening keeps them: {"db_url": ..., "school": ..., "faces": ...}.
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def school(self) -> str:
        return self.settings.school

    def with_settings(self, settings: Settings) -> Workspace:
        return replace(self, settings=settings.validate())

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def database_url(home: Path, settings: Settings, db_url: str | None = None) -> str | None:
    """The PostgreSQL URL this data folder uses, or None for its SQLite file."""
    return db_url or os.environ.get(DB_ENV) or settings.db_url or folder_database_url(home)


class MissingDatabase(UserError):
    """The data folder wrote records to its SQLite file, and the file is gone."""


class NoDatabaseYet(UserError):
    """Opened read-only, a data folder that never had a database (nothing to read)."""


def open_folder_database(
    home: str | os.PathLike[str] | None = None,
    db_url: str | None = None,
    *,
    read_only: bool | None = None,
) -> tuple[Path, Settings, Database]:
    """The data folder, its settings and its database (migrated), without choosing a school.

    ``read_only``: True opens the database for reading only (nothing is created,
    migrated or written); None (the default) does so when the folder cannot be
    written. Raises :class:`MissingDatabase` if the folder's SQLite file is gone,
    and ReplacedDatabase if it holds another database than the folder wrote to.
    """
    if read_only:
        path = resolve_home(home)
        if not path.is_dir():
            raise NoDatabaseYet(f"there is no data folder at {path} yet")
    else:
        path = ensure_home(resolve_home(home))
    settings = load_settings(path)
    url = database_url(path, settings, db_url)
    if read_only is None:
        read_only = url is None and not writable(path, path / SQLITE_FILE)
    if url is not None:
        return path, settings, open_database(path, url, read_only=read_only)
    claim = witness.read_claim(path)
    file = path / SQLITE_FILE
    if not file.exists() and (claim is not None or witness.legacy_sqlite_witness(path)):
        raise MissingDatabase(
            f"the database file {file} is missing, but this data folder wrote approval-log "
            "records to it (its witness files say so): put it back from a backup. photoguard "
            "does not start an empty database in its place; to start over, use a new data "
            "folder (--home)"
        )
    if read_only and not file.exists():
        raise NoDatabaseYet(f"the data folder {path} holds no database yet")
    db = open_database(
        path,
        None,
        read_only=read_only,
        expect_identity=claim.identity if claim is not None else None,
    )
    if not read_only:
        db.before_first_write = lambda: _claim(path, db)
    return path, settings, db


def _claim(home: Path, db: Database) -> None:
    """Before the folder first writes to its SQLite file: note, in both witness files,
    that this is the folder's database (see witness.py). If the per-record witness is
    gone while the log holds records, its restart says how many came before it."""
    claim = witness.read_claim(home)
    if claim is not None and claim.identity == db.identity and not witness.witness_is_empty(home):
        if claim.source == "witness":
            witness.restore_head_claim(home, claim)  # the head file was deleted or damaged
        return
    with db.snapshot() as tx:
        counts = {
            str(r["school"]): int(r["n"])
            for r in tx.rows("SELECT school, max(seq) AS n FROM audit_log GROUP BY school")
        }
    witness.write_claim(home, witness.Claim(db.identity, counts))


def open_workspace(
    home: str | os.PathLike[str] | None = None,
    *,
    db_url: str | None = None,
    school: str | None = None,
    faces: bool | None = None,
    read_only: bool | None = None,
) -> Workspace:
    """Open (creating on first use) the data folder and its database.

    ``read_only``: see :func:`open_folder_database`.
    """
    path, settings, db = open_folder_database(home, db_url, read_only=read_only)
    try:
        settings = with_overrides(settings, faces=faces)
        configured = settings.school if settings.school != DEFAULT_SCHOOL else None
        code = choose_school(db, school or configured)
        settings = with_overrides(settings, school=code)
    except BaseException:
        db.close()
        raise
    return Workspace(
        home=path,
        db=db,
        settings=settings,
        overrides={"db_url": db_url, "school": school, "faces": faces},
    )


def choose_school(db: Database, wanted: str | None) -> str:
    """The school to work for: ``wanted`` (added if the login may), or the only one there is."""
    if wanted is not None and wanted.strip() == _RESERVED_SCHOOL:
        raise UserError("'*' is not a school code")
    with db.snapshot() as tx:
        visible = [str(r["code"]) for r in tx.rows("SELECT code FROM schools ORDER BY code")]
    if wanted is None:
        if len(visible) == 1:
            return visible[0]
        if visible and DEFAULT_SCHOOL not in visible:
            raise UserError(
                f"this database holds several schools ({', '.join(visible)}): choose one "
                "with --school CODE or the school setting"
            )
        wanted = DEFAULT_SCHOOL
    if wanted in visible or db.read_only:
        return wanted  # read-only: a school with no rows yet is simply empty
    try:
        with db.transaction() as tx:
            ensure_school(tx, wanted)
    except PermissionDenied as exc:
        login = getattr(db, "login", "?")
        if visible or wanted != DEFAULT_SCHOOL:
            raise UserError(
                f"school '{wanted}' is not in this database, or login '{login}' is not a "
                "member of it; the district office adds members with 'photoguard db grant'"
            ) from exc
        raise UserError(
            f"login '{login}' is not a member of any school in this database; the district "
            "office adds members with 'photoguard db grant'"
        ) from exc
    return wanted
