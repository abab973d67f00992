"""A roster file that would change most of the roster at once is refused unless confirmed.

A one-grade export or one whose opt-out column came out blank looks like "most
students left" or "every opt-out was lifted": imported, it deletes the reference
faces of opted-out children, and their photos come out clear. Such a file is
refused by default (one line naming the counts and ``--allow-mass-change``, exit 2,
nothing changed byte for byte); ``--dry-run`` shows the same warning; with the
flag it is imported. The thresholds are in photoguard/roster/model.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from faceworld import ROSTER_CSV, write_roster
from test_failclosed_inputs import assert_unchanged, state

from benchmarks.roster_gen import generate_students, write_csv
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.roster import stored as roster_store
from photoguard.roster.importing import MassChangeRefused, apply_import, preview_import
from photoguard.roster.model import Student, diff_rosters, mass_change
from photoguard.workspace.folder import open_workspace

SCRIPT = shutil.which("photoguard", path=os.path.dirname(sys.executable))

#: The fixture school with its opt-out column exported blank.
BLANK_OPT_OUTS = (
    "\r\n".join(
        line.rsplit(",", 1)[0] + "," if i else line
        for i, line in enumerate(ROSTER_CSV.rstrip("\r\n").split("\r\n"))
    )
    + "\r\n"
)
#: The fixture school exported for grade 5 only: Kit, Lin-Manuel and Nemo are "gone".
GRADE_5 = (
    "\r\n".join(
        line
        for i, line in enumerate(ROSTER_CSV.rstrip("\r\n").split("\r\n"))
        if not i or line.split(",")[4] == "5"
    )
    + "\r\n"
)


def photoguard(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, f"the photoguard console script is not installed next to {sys.executable}"
    env = {**os.environ, "PHOTOGUARD_KEY_STORE": "file", "PYTHONIOENCODING": "utf-8"}
    env.pop("PHOTOGUARD_DEBUG", None)
    return subprocess.run(
        [SCRIPT, "--home", str(home), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def references(home: Path) -> dict[str, int]:
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        return ref_store.reference_counts(tx, ws.school)


def version_in_force(home: Path) -> int:
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
    assert version is not None
    return version.id


# ------------------------------------------------------------------ the rules


def school(n: int, opted_out: set[int], grades: int = 1) -> list[Student]:
    return [
        Student(str(i), f"Last{i}", f"First{i}", grade=str(i % grades), opted_out=i in opted_out)
        for i in range(n)
    ]


def lift(students: list[Student], ids: set[int]) -> list[Student]:
    return [
        Student(s.student_id, s.last_name, s.first_name, grade=s.grade, opted_out=False)
        if int(s.student_id) in ids
        else s
        for s in students
    ]


FIXTURE = school(8, {1, 3, 6, 7}, grades=3)
BIG = school(600, set(range(0, 600, 7)), grades=6)  # 86 opted out, 100 a grade
THIRTY = school(30, {1, 2, 3, 4, 5, 6})

RULES: dict[str, tuple[list[Student], list[Student], tuple[str, ...]]] = {
    # A first import has nothing to lose, whatever its opt-out column says.
    "first import, blank opt-outs": ([], lift(FIXTURE, {1, 3, 6, 7}), ()),
    "blank opt-out column": (FIXTURE, lift(FIXTURE, {1, 3, 6, 7}), ("ends_every_opt_out",)),
    "the only opt-out lifted": (school(5, {2}), school(5, set()), ("ends_every_opt_out",)),
    "one family changes the form": (FIXTURE, lift(FIXTURE, {3}), ()),
    "two of four opt back in (below the minimum of 3)": (FIXTURE, lift(FIXTURE, {1, 3}), ()),
    "three of five opt back in": (
        school(30, {1, 2, 3, 4, 5}),
        lift(school(30, {1, 2, 3, 4, 5}), {1, 2, 3}),
        ("ends_most_opt_outs",),
    ),
    "opted-out students gone from the file count too": (
        THIRTY,
        [s for s in THIRTY if s.student_id not in ("1", "2", "4")],  # 3 of 6 opt-outs gone
        ("ends_most_opt_outs",),
    ),
    "a one-grade export of a school": (
        BIG,
        [s for s in BIG if s.grade == "5"],
        ("removes_most", "ends_most_opt_outs"),
    ),
    "the year's end: a sixth of the school leaves": (
        BIG,
        [s for s in BIG if s.grade != "5"],
        (),
    ),
    "half of a roster of ten": (school(10, set()), school(5, set()), ("removes_most",)),
    "most of a roster of nine (below the minimum of 10)": (school(9, set()), school(3, set()), ()),
    "a release column left blank opts everyone out": (
        FIXTURE,
        [Student(s.student_id, s.last_name, s.first_name, opted_out=True) for s in FIXTURE],
        (),
    ),
}


@pytest.mark.parametrize("case", list(RULES))
def test_what_counts_as_a_mass_change(case: str) -> None:
    before, after, rules = RULES[case]
    found = mass_change(before, after, diff_rosters(before, after))
    assert (found.rules if found else ()) == rules


# ------------------------------------------------------------------ the command line


@pytest.mark.faces
@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("kind", "counts"),
    [
        ("blank opt-out column", "end all 4 opt-outs and delete the reference faces of 3 students"),
        ("grade 5 only", "end 3 of the 4 opt-outs and delete the reference faces of 2 students"),
    ],
)
def test_a_mass_change_is_refused_in_one_line_and_changes_nothing(
    copy_home: Path, tmp_path: Path, kind: str, counts: str
) -> None:
    """On the enrolled fixture school (reference faces of Barry Obama, Kit Harington and
    Lin-Manuel Miranda): the file is refused and every face is still there."""
    roster = write_roster(
        tmp_path / "export.csv", BLANK_OPT_OUTS if kind.startswith("blank") else GRADE_5
    )
    faces = references(copy_home)
    assert set(faces) == {"1001", "1003", "1006"}
    before = state(copy_home)
    done = photoguard(copy_home, "roster", "import", roster, "--by", "office")
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == (
        f"photoguard: export.csv was not imported: it would {counts}, as a partial export or a "
        "blank opt-out column would; nothing was changed (if the file is right, import it with "
        "--allow-mass-change)"
    )
    assert "Imported as" not in done.stdout
    assert_unchanged(before, state(copy_home))
    assert references(copy_home) == faces


@pytest.mark.faces
@pytest.mark.sqlite_only
def test_a_dry_run_shows_the_same_warning(copy_home: Path, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "export.csv", BLANK_OPT_OUTS)
    before = state(copy_home)
    done = photoguard(copy_home, "roster", "import", roster, "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "Warning: no student is opted out in this file (4 are in roster version 1: is the "
        "opt-out column blank?): check that the export covers the whole school and that its "
        "opt-out column is filled in (the reference faces of 3 students are deleted when it is "
        "imported)." in out
    )
    assert (
        "Importing it would be refused: this file would end all 4 opt-outs and delete the "
        "reference faces of 3 students (a mass change); to import it anyway, add "
        "--allow-mass-change." in out
    )
    assert "Dry run: nothing was changed." in out
    assert_unchanged(before, state(copy_home))


@pytest.mark.faces
def test_allow_mass_change_imports_it(copy_home: Path, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "export.csv", BLANK_OPT_OUTS)
    done = photoguard(
        copy_home, "roster", "import", roster, "--allow-mass-change", "--by", "office"
    )
    assert done.returncode == 0, done.stderr
    assert "Imported as roster version 2." in done.stdout
    assert version_in_force(copy_home) == 2
    assert references(copy_home) == {}  # what the person confirmed: opted back in, forgotten


# ------------------------------------------------------------------ the library


@pytest.mark.sqlite_only
def test_a_one_grade_export_of_a_whole_school_is_refused(tmp_path: Path) -> None:
    """600 students in 13 grades (K-12); the export of one grade leaves over 500 "gone"."""
    home = tmp_path / "home"
    students = generate_students(600, seed=7)
    grade = [s for s in students if s.grade == "5"]
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, write_csv(tmp_path / "school.csv", students)), "o")
    before = state(home)
    with open_workspace(home) as ws:
        preview = preview_import(ws, write_csv(tmp_path / "grade5.csv", grade))
        assert preview.mass_change is not None
        assert "removes_most" in preview.mass_change.rules
        assert preview.warnings[0].startswith(
            f"{600 - len(grade)} of the 600 students in roster version 1 are not in this file"
        )
        with pytest.raises(MassChangeRefused) as refused:
            apply_import(ws, preview, "office")
    assert isinstance(refused.value, UserError)  # one sentence, exit 2 on the command line
    assert f"remove {600 - len(grade)} of the 600 students" in str(refused.value)
    assert_unchanged(before, state(home))
    with open_workspace(home) as ws:  # confirmed, it goes through
        result = apply_import(ws, preview, "office", allow_mass_change=True)
    assert result.version.students == len(grade)
