"""For running the test suite on PostgreSQL: a schema of its own for every data folder.

``pytest --engine postgresql`` (see tests/conftest.py) sets
``PHOTOGUARD_TEST_PG_PER_FOLDER`` to the URL of a scratch database. Every data
folder then opened without another database configured gets a schema of its own
in it, named in a small file in the folder, so tests and the command-line
processes they start keep the isolation one SQLite file per folder gives. A
copied folder (its file names another folder) gets a copy of the schema, just as
copying a folder copies its SQLite file.

Without that variable this module does nothing; photoguard itself never sets it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ENV = "PHOTOGUARD_TEST_PG_PER_FOLDER"
MARKER = "test-database.json"


def with_search_path(url: str, schema: str) -> str:
    """``url`` with its connections using ``schema`` (the URL's other options kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def folder_database_url(home: Path) -> str | None:
    """The URL of this folder's own schema, creating (or copying) it on first use."""
    base = os.environ.get(ENV)
    if not base:
        return None
    with _folder_lock(home):
        marker = home / MARKER
        try:
            info = json.loads(marker.read_text("utf-8"))
        except (OSError, ValueError):
            info = {}
        if not isinstance(info, dict):
            info = {}
        if info.get("folder") == str(home) and info.get("schema"):
            return with_search_path(base, str(info["schema"]))
        schema = f"folder_{secrets.token_hex(8)}"
        _create_schema(base, schema)
        url = with_search_path(base, schema)
        if info.get("schema"):
            _copy_schema(home, with_search_path(base, str(info["schema"])), url)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"folder": str(home), "schema": schema}, f)
        return url


@contextlib.contextmanager
def _folder_lock(home: Path) -> Iterator[None]:
    """One process at a time picks a folder's schema (processes may open it at once)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(home, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _create_schema(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')


def _copy_schema(home: Path, source_url: str, target_url: str) -> None:
    from photoguard.store.copy import copy_database
    from photoguard.store.engine import connect
    from photoguard.store.migrations import migrate, read_identity

    with connect(home, source_url) as source, connect(home, target_url) as target:
        with source.snapshot() as tx:
            source.identity = read_identity(tx) or ""
        migrate(target)
        copy_database(source, target, keep_identity=True)
