"""An open data folder: its database, settings and the school this machine checks for.

Built once by the command line or the app and passed explicitly to every
operation (no global state).

The database is, in order: the ``--db`` URL, ``$PHOTOGUARD_DB``, the ``db_url``
setting, or else the SQLite file in the data folder. The school is ``--school``,
else the ``school`` setting, else the only school the database holds (on
PostgreSQL: the only one this login is a member of), else ``default``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.home import ensure_home, resolve_home
from photoguard.settings import Settings, load_settings, with_overrides
from photoguard.store import Database, open_database
from photoguard.store.engine import PermissionDenied
from photoguard.store.per_folder import folder_database_url
from photoguard.store.rosters import ensure_school

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


def open_folder_database(
    home: str | os.PathLike[str] | None = None, db_url: str | None = None
) -> tuple[Path, Settings, Database]:
    """The data folder, its settings and its database (migrated), without choosing a school."""
    path = ensure_home(resolve_home(home))
    settings = load_settings(path)
    return path, settings, open_database(path, database_url(path, settings, db_url))


def open_workspace(
    home: str | os.PathLike[str] | None = None,
    *,
    db_url: str | None = None,
    school: str | None = None,
    faces: bool | None = None,
) -> Workspace:
    """Open (creating on first use) the data folder and its database."""
    path, settings, db = open_folder_database(home, db_url)
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
    if wanted in visible:
        return wanted
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
