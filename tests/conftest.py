"""Shared test fixtures.

Face tests read the real photos in ../shared/fixtures (never copied into the
project). In a clone without that folder they skip with a message; CI sets
PHOTOGUARD_REQUIRE_FIXTURES=1 so a missing folder fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never touch the OS keyring: keys go to files in each test's data folder.
os.environ["PHOTOGUARD_KEY_STORE"] = "file"

from photoguard.workspace import Workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("PHOTOGUARD_FIXTURES", ROOT.parent / "shared" / "fixtures"))
FACES = FIXTURES / "faces"
VIDEO = FIXTURES / "video" / "short_hamilton_clip.mp4"


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
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the real user data folder or a configured district database."""
    monkeypatch.setenv("PHOTOGUARD_HOME", str(tmp_path / "default-home"))
    monkeypatch.delenv("PHOTOGUARD_DB", raising=False)


# ------------------------------------------------------------------ the face world
# Expensive face work is done once per session and shared (see faceworld.py).


@pytest.fixture(scope="session")
def enrolled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the fixture roster imported and picture day enrolled.

    Read-only for tests: copy it (``copy_home``) before changing anything.
    """
    require_fixtures()
    from faceworld import write_picture_day, write_roster

    from photoguard.enroll import enroll, plan_folder
    from photoguard.roster_import import apply_import, preview_import

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
