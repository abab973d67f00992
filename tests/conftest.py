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
