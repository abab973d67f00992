"""Shared test fixtures.

Face tests read the real photos in ../shared/fixtures (never copied into the
project). In a clone without that folder they skip with a message; CI sets
PHOTOGUARD_REQUIRE_FIXTURES=1 so a missing folder fails instead.

The whole suite runs on either engine. ``pytest`` uses SQLite, the embedded
default. ``pytest --engine postgresql`` (or PHOTOGUARD_TEST_ENGINE=postgresql)
with PHOTOGUARD_TEST_PG=postgresql://... creates a scratch database on that
server for the session, and every data folder a test opens (through ``ws``,
``home``, ``enrolled_home``, ``copy_home``, open_workspace() or a photoguard
process it starts) gets a schema of its own in it; a copied folder gets a copy
(photoguard/store/per_folder.py). Tests that read or change the SQLite file
themselves are marked ``sqlite_only`` and skipped there; a test whose code names
sqlite3, the database file or SQLITE_FILE without the mark stops the run
(tests/markers.py).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

# Tests never touch the OS keyring: keys go to files in each test's data folder.
os.environ["PHOTOGUARD_KEY_STORE"] = "file"

from markers import unmarked_sqlite_tests

from photoguard.workspace.folder import Workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("PHOTOGUARD_FIXTURES", ROOT.parent / "shared" / "fixtures"))
FACES = FIXTURES / "faces"
VIDEO = FIXTURES / "video" / "short_hamilton_clip.mp4"


ENGINE_ENV = "PHOTOGUARD_TEST_ENGINE"
PG_ENV = "PHOTOGUARD_TEST_PG"
_SCRATCH = pytest.StashKey[tuple[str, str]]()


# ------------------------------------------------------------------ engines


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=("sqlite", "postgresql"),
        default=os.environ.get(ENGINE_ENV) or "sqlite",
        help="run the suite's databases on this engine (postgresql needs $PHOTOGUARD_TEST_PG)",
    )
    parser.addoption(
        "--every-test",
        action="store_true",
        help="with --engine postgresql, also run the tests the last SQLite run of this "
        "checkout saw pass without opening any database",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: reads or changes the SQLite file itself (skipped with --engine postgresql)",
    )
    if config.getoption("engine") != "postgresql":
        return
    url = os.environ.get(PG_ENV)
    if not url:
        raise pytest.UsageError(f"--engine postgresql needs {PG_ENV}=postgresql://...")
    import psycopg

    from photoguard.store import per_folder

    name = f"photoguard_suite_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    config.stash[_SCRATCH] = (url, name)
    os.environ[per_folder.ENV] = urlunsplit(urlsplit(url)._replace(path="/" + name))


def pytest_unconfigure(config: pytest.Config) -> None:
    scratch = config.stash.get(_SCRATCH, None)
    if scratch is None:
        return
    import psycopg

    from photoguard.store import per_folder

    os.environ.pop(per_folder.ENV, None)
    url, name = scratch
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = unmarked_sqlite_tests(items)
    if unmarked:
        raise pytest.UsageError(
            "these tests read or change the SQLite file; mark them @pytest.mark.sqlite_only: "
            + ", ".join(unmarked)
        )
    if config.getoption("engine") != "postgresql":
        return
    skip = pytest.mark.skip(reason="reads or changes the SQLite file itself (sqlite_only)")
    # Slow tests whose database work is the ordinary kind (video safe copies, the
    # no-network scan), and modules about decoding, detection and covering media that
    # open a data folder only to run the pipeline (``engine_neutral``), run once, on
    # SQLite: the records they write are written on PostgreSQL by the CLI, decision,
    # log and safe-copy tests.
    slow = pytest.mark.skip(reason="slow and engine-neutral: runs in the SQLite run only")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)
        elif (
            item.get_closest_marker("slow") or item.get_closest_marker("engine_neutral")
        ) and not _chooses_engine(item):
            item.add_marker(slow)
    # What never opens a database runs the same on either engine: the SQLite run
    # just did it (make test runs that first), so it is not run again.
    cache = getattr(config, "cache", None)
    if cache is None or config.getoption("every_test"):
        return
    engine_free = set(cache.get(_ENGINE_FREE_KEY, []))
    dropped = {
        i.nodeid
        for i in items
        if i.nodeid in engine_free and (_chooses_engine(i) or not _database_fixtures(i))
    }
    if dropped:
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in dropped])
        items[:] = [i for i in items if i.nodeid not in dropped]


# Which tests open a database, learnt on every SQLite run: a database file (or a
# PostgreSQL schema marker) appeared under the test's tmp_path, sqlite3 opened a
# file in the test's process, or the test uses a data-folder fixture. Tests that
# choose their engine themselves (``db_url``, the ``pg_*`` fixtures) do the same on
# every run of the suite, so they count as engine-free too.
_ENGINE_FREE_KEY = "photoguard/engine-free-tests"
_OPENED = pytest.StashKey[bool]()
_PASSED = pytest.StashKey[bool]()
_sqlite_opens = [0]


def _count_sqlite_opens(event: str, args: tuple[Any, ...]) -> None:
    if event == "sqlite3.connect":
        _sqlite_opens[0] += 1


sys.addaudithook(_count_sqlite_opens)


def _chooses_engine(item: pytest.Item) -> bool:
    return bool(set(getattr(item, "fixturenames", ())) & {"db_url", "pg_admin_url"})


def _database_fixtures(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"ws", "copy_home", "fixture_scan"}) or any(
        n == "home" or n.endswith("_home") for n in names
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_PASSED] = report.passed
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    cache = getattr(config, "cache", None)
    if cache is None or config.getoption("engine") != "sqlite":
        return
    # With pytest-xdist each worker learns about the tests it ran and merges that into
    # the cache here, one worker at a time (read again under the lock, then written).
    with (cache.mkdir("photoguard") / "engine-free.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        engine_free = set(cache.get(_ENGINE_FREE_KEY, []))
        for item in session.items:
            if _PASSED not in item.stash or _OPENED not in item.stash:
                continue  # not run here: what was learnt before (or by another worker) stands
            if item.stash[_PASSED] and (
                _chooses_engine(item) or not (item.stash[_OPENED] or _database_fixtures(item))
            ):
                engine_free.add(item.nodeid)
            else:
                engine_free.discard(item.nodeid)
        cache.set(_ENGINE_FREE_KEY, sorted(engine_free))


@pytest.fixture(scope="session")
def suite_engine(pytestconfig: pytest.Config) -> str:
    """The engine this run of the suite puts data folders on: "sqlite" or "postgresql"."""
    return str(pytestconfig.getoption("engine"))


# ------------------------------------------------------------------ PostgreSQL servers
# For tests that need PostgreSQL itself (roles, concurrency, migrate-to), whichever
# engine the suite runs on. They skip without PHOTOGUARD_TEST_PG.


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL of the test server."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"set {PG_ENV}=postgresql://... to run against PostgreSQL")
    return url


@pytest.fixture(scope="session")
def pg_database(pg_admin_url: str) -> Iterator[str]:
    """A scratch database for this session's PostgreSQL tests, dropped at the end."""
    import psycopg

    name = f"photoguard_pg_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(pg_admin_url)._replace(path="/" + name))
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A PostgreSQL database of this test's own (an empty schema), as the superuser."""
    import psycopg

    from photoguard.store.per_folder import with_search_path

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return with_search_path(pg_database, schema)


@pytest.fixture(scope="session")
def pg_login(pg_admin_url: str) -> Iterator[Callable[[str, str], str]]:
    """``pg_login(url, name)``: a new login (unique on the server) and ``url`` as that login."""
    import psycopg

    made: list[str] = []

    def make(url: str, name: str) -> str:
        login = f"{name}_{secrets.token_hex(4)}"
        password = secrets.token_hex(12)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{password}'")
        made.append(login)
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=f"{login}:{password}@{host}"))

    yield make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for login in made:
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """Each engine in turn, for a test to pass to open_workspace(db_url=...): None is the
    SQLite file of the data folder (even when the suite runs on PostgreSQL)."""
    from photoguard.store import per_folder

    if request.param == "sqlite":
        monkeypatch.delenv(per_folder.ENV, raising=False)
        return None
    return str(request.getfixturevalue("pg_url"))


# ------------------------------------------------------------------ data folders


def fixtures_available() -> bool:
    return (FACES / "obama" / "obama.jpg").is_file() and VIDEO.is_file()


def require_fixtures() -> None:
    if fixtures_available():
        return
    if os.environ.get("PHOTOGUARD_REQUIRE_FIXTURES"):
        pytest.fail(f"face fixtures missing at {FIXTURES} (CI requires them)")
    pytest.skip(f"face fixtures not found at {FIXTURES}: face tests skipped")


@pytest.fixture
def fixtures_dir() -> Path:
    require_fixtures()
    return FIXTURES


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ws(home: Path) -> Iterator[Workspace]:
    workspace = open_workspace(home)
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[None]:
    """No test touches the real user data folder or a configured district database."""
    monkeypatch.setenv("PHOTOGUARD_HOME", str(tmp_path / "default-home"))
    monkeypatch.delenv("PHOTOGUARD_DB", raising=False)
    opens = _sqlite_opens[0]
    yield
    from photoguard.store import per_folder
    from photoguard.store.engine import SQLITE_FILE

    request.node.stash[_OPENED] = (
        _sqlite_opens[0] != opens
        or any(tmp_path.rglob(SQLITE_FILE))
        or any(tmp_path.rglob(per_folder.MARKER))
    )


# ------------------------------------------------------------------ the face world
# Expensive face work is done once per session and shared (see faceworld.py).


@pytest.fixture(scope="session")
def enrolled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the fixture roster imported and picture day enrolled.

    Read-only for tests: copy it (``copy_home``) before changing anything.
    """
    require_fixtures()
    from faceworld import write_picture_day, write_roster

    from photoguard.references.enroll import enroll, plan_folder
    from photoguard.roster.importing import apply_import, preview_import

    base = tmp_path_factory.mktemp("enrolled")
    home = base / "home"
    roster = write_roster(base / "roster.csv")
    picday = write_picture_day(base / "picture-day", FACES)
    with open_workspace(home) as workspace:
        apply_import(workspace, preview_import(workspace, roster), "office")
        enroll(workspace, plan_folder(workspace, picday), "office")
    return home


@pytest.fixture
def copy_home(enrolled_home: Path, tmp_path: Path) -> Path:
    """A private copy of the enrolled data folder (keys included)."""
    import shutil

    target = tmp_path / "enrolled-copy"
    shutil.copytree(enrolled_home, target)
    return target


@pytest.fixture(scope="session")
def fixture_scan(enrolled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The installed console script run once over every fixture photo and the video."""
    import json
    import shutil
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("fixture-scan")
    home = out / "home"
    shutil.copytree(enrolled_home, home)
    exe = shutil.which("photoguard", path=os.path.dirname(sys.executable))
    assert exe, "the photoguard console script is not installed in this environment"
    proc = subprocess.run(
        [exe, "--home", str(home), "scan", str(FACES), str(VIDEO),
         "--json", str(out / "report.json"), "--csv", str(out / "report.csv")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "PHOTOGUARD_KEY_STORE": "file"},
    )  # fmt: skip
    return {
        "returncode": proc.returncode,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "report": json.loads((out / "report.json").read_text("utf-8")),
        "csv": (out / "report.csv").read_bytes(),
        "home": home,
    }
