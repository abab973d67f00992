"""The data folder: where the database, keys and cache live.

Chosen, in order, by ``--home DIR``, the ``PHOTOGUARD_HOME`` variable, or the
platform's user data folder. It holds children's biometric data, so it is
created readable by its owner only (0700) and nothing is written outside it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from photoguard.errors import UserError

HOME_ENV = "PHOTOGUARD_HOME"


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("photoguard", appauthor=False))


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder to use, from the option, the variable or the default."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().absolute()
    return default_home()


def ensure_home(home: Path) -> Path:
    """Create the data folder (mode 0700) if needed and check it is private."""
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the data folder {home}: {exc.strerror}") from exc
    if not home.is_dir():
        raise UserError(f"the data folder {home} is not a folder")
    if os.name == "posix":
        mode = stat.S_IMODE(home.stat().st_mode)
        if mode & 0o077:
            try:
                # Only group and others lose their access: a folder its owner made
                # read-only stays read-only (photoguard then only reads it).
                home.chmod(mode & 0o700)
            except OSError as exc:
                raise UserError(
                    f"the data folder {home} is readable by others and cannot be made private"
                ) from exc
    return home
