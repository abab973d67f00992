"""An open data folder: its database, settings and the school this machine checks for.

Built once by the command line or the app and passed explicitly to every
operation (no global state).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from photoguard.home import ensure_home, resolve_home
from photoguard.settings import Settings, load_settings, with_overrides
from photoguard.store import Database, open_database
from photoguard.store.rosters import ensure_school

DB_ENV = "PHOTOGUARD_DB"


@dataclass(frozen=True)
class Workspace:
    home: Path
    db: Database
    settings: Settings

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


def open_workspace(
    home: str | os.PathLike[str] | None = None,
    *,
    db_url: str | None = None,
    school: str | None = None,
    faces: bool | None = None,
) -> Workspace:
    """Open (creating on first use) the data folder and its database."""
    path = ensure_home(resolve_home(home))
    settings = with_overrides(load_settings(path), school=school, faces=faces)
    url = db_url or os.environ.get(DB_ENV) or settings.db_url or None
    db = open_database(path, url)
    with db.transaction() as tx:
        ensure_school(tx, settings.school)
    return Workspace(home=path, db=db, settings=settings)
