"""End to end: the installed ``photoguard`` command, run as the main office would run it.

Every test runs the real console script in a fresh data folder (``--home`` or
``PHOTOGUARD_HOME``) and checks exit statuses, what is printed, and what is stored.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

SCRIPT = shutil.which("photoguard", path=os.path.dirname(sys.executable))

HEADER = "Student ID,Name,Grade,Homeroom,Privacy Law Opt-Out"


@pytest.fixture
def script() -> str:
    assert SCRIPT, f"the photoguard console script is not installed next to {sys.executable}"
    return SCRIPT


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = dict(os.environ)
    for name in ("PHOTOGUARD_DB", "PHOTOGUARD_DEBUG"):
        out.pop(name, None)
    out["PHOTOGUARD_HOME"] = str(tmp_path / "env-home")
    out["PYTHONIOENCODING"] = "utf-8"
    return out


class Cli:
    def __init__(self, script: str, env: dict[str, str], home: Path | None) -> None:
        self.script = script
        self.env = env
        self.home = home

    def __call__(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        where = ["--home", str(self.home)] if self.home else []
        return subprocess.run(
            [self.script, *where, *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.env,
            timeout=120,
        )

    def ok(self, *args: str | Path) -> str:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return done.stdout

    def json(self, *args: str | Path) -> Any:
        return json.loads(self.ok(*args))

    def refused(self, *args: str | Path) -> str:
        done = self(*args)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("photoguard")
        return lines[0]

    def in_force(self) -> tuple[list[Any], list[Any]]:
        """Every stored version, and the students of the newest, read straight from the file."""
        assert self.home is not None
        db = self.home / "photoguard.sqlite"
        if not db.exists():
            return [], []
        conn = sqlite3.connect(db)
        try:
            versions = conn.execute("SELECT * FROM roster_versions ORDER BY id").fetchall()
            students = conn.execute(
                "SELECT * FROM roster_students WHERE version_id = "
                "(SELECT max(id) FROM roster_versions) ORDER BY student_id"
            ).fetchall()
        finally:
            conn.close()
        return versions, students


@pytest.fixture
def cli(script: str, env: dict[str, str], tmp_path: Path) -> Cli:
    return Cli(script, env, tmp_path / "home")


def roster_file(tmp_path: Path, *rows: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8-sig", newline="")
    return path


FIRST = ('000123,"Martínez, Zoë",5,H1,Y', '000124,"Smith, Ann",5,H1,', '000125,"Doe, Jo",6,H2,X')


@pytest.mark.sqlite_only
def test_import_show_and_history_in_the_home_given_by_option(
    cli: Cli, tmp_path: Path, env: dict[str, str]
) -> None:
    path = roster_file(tmp_path, *FIRST)
    done = cli("roster", "import", path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "Read roster.csv: 3 students, 2 opted out." in out
    assert "Columns: id='Student ID', name='Name'" in out
    assert "This is the first roster for this school." in out
    assert "  added            3" in out
    assert "  newly opted out  2: Zoë Martínez (000123), Jo Doe (000125)" in out
    assert "Imported as roster version 1." in out
    assert "2 opted-out students have no reference face" in out
    assert cli.home is not None and (cli.home / "photoguard.sqlite").is_file()
    assert not Path(env["PHOTOGUARD_HOME"]).exists()

    shown = cli.json("roster", "show", "--json")
    assert shown["roster_version"].startswith("1:")
    assert {s["student_id"]: s["opted_out"] for s in shown["students"]} == {
        "000123": True,
        "000124": False,
        "000125": True,
    }
    zoe = next(s for s in shown["students"] if s["student_id"] == "000123")
    assert (zoe["last_name"], zoe["first_name"], zoe["grade"], zoe["homeroom"]) == (
        "Martínez",
        "Zoë",
        "5",
        "H1",
    )

    opted = cli.json("roster", "show", "--opted-out", "--json")
    assert sorted(s["student_id"] for s in opted["students"]) == ["000123", "000125"]
    table = cli.ok("roster", "show", "--opted-out")
    assert "Martínez" in table and "Smith" not in table
    assert "Roster version 1, 2 students shown." in table

    history = cli.json("roster", "history", "--json")
    assert len(history) == 1
    assert history[0]["source_name"] == "roster.csv"
    assert history[0]["counts"] == {
        "added": 3,
        "removed": 0,
        "newly_opted_out": 2,
        "opted_back_in": 0,
    }
    text = cli.ok("roster", "history")
    assert "roster.csv" in text and "Newly opted out" in text


@pytest.mark.sqlite_only
def test_photoguard_home_variable_chooses_the_data_folder(
    script: str, env: dict[str, str], tmp_path: Path
) -> None:
    cli = Cli(script, env, home=None)
    cli.ok("roster", "import", roster_file(tmp_path, *FIRST))
    assert (Path(env["PHOTOGUARD_HOME"]) / "photoguard.sqlite").is_file()
    assert len(cli.json("roster", "history", "--json")) == 1
    # --home wins over the variable: a different, empty data folder.
    other = Cli(script, env, home=tmp_path / "other")
    assert other.json("roster", "history", "--json") == []
    assert "No roster imported yet" in other.ok("roster", "show")


@pytest.mark.sqlite_only
def test_dry_run_shows_the_change_and_stores_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("roster", "import", roster_file(tmp_path, *FIRST))
    before = cli.in_force()
    nxt = roster_file(tmp_path, *FIRST[:2], '000126,"Roe, Al",6,H2,Y', name="next.csv")
    out = cli.ok("roster", "import", "--dry-run", nxt)
    assert "Compared with roster version 1" in out
    assert "  removed          1: Jo Doe (000125)" in out
    assert "Dry run: nothing was changed." in out
    assert "Imported" not in out
    assert cli.in_force() == before
    assert len(cli.json("roster", "history", "--json")) == 1


def test_three_imports_print_each_diff(cli: Cli, tmp_path: Path) -> None:
    cli.ok("roster", "import", roster_file(tmp_path, '1,"A, Al",5,H,Y', '2,"B, Bo",5,H,'))
    out2 = cli.ok(
        "roster",
        "import",
        roster_file(tmp_path, '1,"A, Al",5,H,', '2,"B, Bo",5,H,Y', '3,"C, Cy",5,H,', name="2.csv"),
    )
    assert "  added            1\n" in out2
    assert "  removed          0\n" in out2
    assert "  newly opted out  1: Bo B (2)\n" in out2
    assert "  opted back in    1: Al A (1)\n" in out2
    out3 = cli.ok(
        "roster",
        "import",
        roster_file(tmp_path, '1,"A, Al",5,H,Y', '3,"C, Cy",5,H,Y', name="3.csv"),
    )
    assert "Compared with roster version 2" in out3
    assert "  added            0\n" in out3
    assert "  removed          1: Bo B (2)\n" in out3
    assert "  newly opted out  2: Al A (1), Cy C (3)\n" in out3
    assert "  opted back in    0\n" in out3
    assert "Imported as roster version 3." in out3
    history = cli.json("roster", "history", "--json")
    assert [h["counts"] for h in history] == [
        {"added": 2, "removed": 0, "newly_opted_out": 1, "opted_back_in": 0},
        {"added": 1, "removed": 0, "newly_opted_out": 1, "opted_back_in": 1},
        {"added": 0, "removed": 1, "newly_opted_out": 2, "opted_back_in": 0},
    ]


def test_one_student_without_a_reference_face_is_singular(cli: Cli, tmp_path: Path) -> None:
    out = cli.ok("roster", "import", roster_file(tmp_path, '1,"A, Al",5,H,Y', '2,"B, Bo",5,H,'))
    assert "1 opted-out student has no reference face and cannot be recognised yet" in out


def test_blank_release_is_counted_as_opted_out_and_noted(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "release.csv"
    path.write_text('Student ID,Name,Photo Release\n1,"A, Al",Yes\n2,"B, Bo",\n', encoding="utf-8")
    out = cli.ok("roster", "import", path)
    assert "2 students, 1 opted out." in out
    assert "Note: 1 student has no value in the release column" in out
    assert [
        s["student_id"] for s in cli.json("roster", "show", "--opted-out", "--json")["students"]
    ] == ["2"]


def test_xlsx_with_sheet_and_column_options(cli: Cli, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["cover page"])
    ws = wb.create_sheet("Students")
    ws.append(["Pupil Ref", "Name", "Photos OK"])
    ws.append([100231, "Smith, Ann", False])
    ws.append([100232, "Doe, Jo", True])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    out = cli.ok(
        "roster",
        "import",
        path,
        "--sheet",
        "Students",
        "--column",
        "id=Pupil Ref",
        "--column",
        "release=Photos OK",
    )
    assert "Read export.xlsx: 2 students, 1 opted out." in out
    shown = cli.json("roster", "show", "--opted-out", "--json")
    assert [s["student_id"] for s in shown["students"]] == ["100231"]


BAD_FILES: dict[str, bytes] = {
    "no-id.csv": b'Name,Photo Opt Out\r\n"A, Al",Y\r\n',
    "no-name.csv": b"Student ID,Grade,Photo Opt Out\r\n1,5,Y\r\n",
    "no-flag.csv": b'Student ID,Name,Grade\r\n1,"A, Al",5\r\n',
    "dupes.csv": b'Student ID,Name,Photo Opt Out\r\n1,"A, Al",Y\r\n1,"B, Bo",\r\n',
    "blank-id.csv": b'Student ID,Name,Photo Opt Out\r\n1,"A, Al",Y\r\n,"B, Bo",\r\n',
    "maybe.csv": b'Student ID,Name,Photo Opt Out\r\n1,"A, Al",Maybe\r\n',
    "empty.csv": b"",
    "photo.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10",
    "noise.csv": bytes((i * 7919) % 251 for i in range(5000)),
    "data.csv": b'{"students": []}',
}


@pytest.fixture(scope="module")
def imported_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with FIRST imported once, copied by each test that needs one."""
    assert SCRIPT
    root = tmp_path_factory.mktemp("imported")
    env = {k: v for k, v in os.environ.items() if k not in ("PHOTOGUARD_DB", "PHOTOGUARD_DEBUG")}
    Cli(SCRIPT, env, root / "home").ok("roster", "import", roster_file(root, *FIRST))
    return root / "home"


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.sqlite_only
def test_refused_file_exits_2_with_one_line_and_changes_nothing(
    cli: Cli, tmp_path: Path, name: str, imported_home: Path
) -> None:
    assert cli.home is not None
    shutil.copytree(imported_home, cli.home)
    before = cli.in_force()
    assert len(before[0]) == 1 and len(before[1]) == 3
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name])
    cli.refused("roster", "import", bad)
    assert cli.in_force() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["roster", "import", "missing.csv"], "cannot read"),
        (["roster", "import", "FILE", "--column", "colour=Red"], "unknown column role"),
        (["roster", "import", "FILE", "--column", "id"], "ROLE=HEADER"),
        (["roster", "import", "FILE", "--column", "id=Nope"], "no such column"),
        (["roster", "import", "FILE", "--sheet", "One"], "--sheet"),
        (["roster", "import"], "FILE"),
        (["roster"], "ACTION"),
    ],
)
@pytest.mark.sqlite_only
def test_usage_errors_exit_2_with_one_line(
    cli: Cli, tmp_path: Path, args: list[str], says: str
) -> None:
    good = roster_file(tmp_path, *FIRST)
    line = cli.refused(*(str(good) if a == "FILE" else a for a in args))
    assert says in line
    assert cli.in_force() == ([], [])


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_photoguard_is_refused(cli: Cli, tmp_path: Path) -> None:
    cli.ok("roster", "import", roster_file(tmp_path, *FIRST))
    assert cli.home is not None
    with sqlite3.connect(cli.home / "photoguard.sqlite") as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'from the future', 'now')")
    conn.close()
    line = cli.refused("roster", "show")
    assert "schema version 999" in line and "newer" in line


def test_python_m_photoguard_help(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "photoguard", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "roster" in done.stdout and "--home" in done.stdout
    roster_help = subprocess.run(
        [sys.executable, "-m", "photoguard", "roster", "import", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert roster_help.returncode == 0
    assert "--column" in roster_help.stdout and "--dry-run" in roster_help.stdout


def test_version(cli: Cli) -> None:
    assert cli.ok("--version").startswith("photoguard ")
