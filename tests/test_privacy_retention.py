"""Retention: reference faces older than the set age (default 12 months) are stale, and
photoguard asks for this year's picture-day photos."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FACES

from photoguard.cli.main import main
from photoguard.references.enroll import enroll, plan_student, status
from photoguard.references.privacy import inventory, stale_students
from photoguard.workspace.folder import open_workspace
from photoguard.workspace.settings import Settings, load_settings, save_settings, with_overrides

pytestmark = pytest.mark.faces


def _age(home: Path, days: int, student_id: str | None = None) -> None:
    """Make references look ``days`` old (the database is closed)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    db = sqlite3.connect(home / "photoguard.sqlite")
    try:
        if student_id:
            db.execute(
                "UPDATE face_references SET created_at = ? WHERE student_id = ?",
                (when, student_id),
            )
        else:
            db.execute("UPDATE face_references SET created_at = ?", (when,))
        db.commit()
    finally:
        db.close()


def test_the_default_age_is_twelve_months() -> None:
    assert Settings().reference_max_age_days == 365


@pytest.mark.sqlite_only
def test_a_reference_older_than_a_year_is_stale_until_a_new_photo_is_enrolled(
    copy_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _age(copy_home, 300)
    _age(copy_home, 400, "1003")
    home = ["--home", str(copy_home)]

    assert main([*home, "enroll", "--status", "--json"]) == 0
    rows = {r["student_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {sid: r["stale"] for sid, r in rows.items()} == {
        "1001": False,
        "1003": True,
        "1006": False,
        "1007": False,  # no reference at all: missing, not stale
    }
    assert main([*home, "enroll", "--status"]) == 0
    table = capsys.readouterr().out.splitlines()
    kit = next(line for line in table if line.startswith("1003"))
    assert kit.endswith("stale: ask for this year's photo")
    assert [line for line in table if "stale" in line] == [kit]

    assert main([*home, "keys", "status"]) == 0
    out = capsys.readouterr().out
    assert "stale  Kit Harington (1003)" in out
    assert "1 opted-out student(s) have reference faces older than 365 days" in out

    # This year's picture-day photo: the newest reference counts.
    with open_workspace(copy_home) as ws:
        enroll(ws, plan_student(ws, "1003", [FACES / "kit_harington" / "kit2.jpg"]), "office")
        by_id = {s.student.student_id: s for s in status(ws)}
        assert by_id["1003"].references == 2 and not by_id["1003"].stale
        assert stale_students(ws) == []
        assert inventory(ws).notices == ()


@pytest.mark.sqlite_only
def test_the_age_is_a_setting(copy_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _age(copy_home, 30)
    with open_workspace(copy_home) as ws:
        assert stale_students(ws) == []
        strict = ws.with_settings(with_overrides(ws.settings, reference_max_age_days=14))
        assert sorted(s.student.student_id for s in stale_students(strict)) == [
            "1001",
            "1003",
            "1006",
        ]
    save_settings(copy_home, with_overrides(load_settings(copy_home), reference_max_age_days=14))
    assert main(["--home", str(copy_home), "keys", "status", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["reference_max_age_days"] == 14
    assert sorted(s["student_id"] for s in shown["stale"]) == ["1001", "1003", "1006"]
