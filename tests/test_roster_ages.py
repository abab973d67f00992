"""Each student's age band, from the roster's grade, year of graduation or birth date.

The band decides which face distances a student's faces are judged with (issue 18):
a band read too old would let a young child's photo through at an adult's distance.
So every reading here may come out younger than the child, never older; a student
without a usable age is the youngest band; and no birth date is ever stored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from photoguard.errors import UserError
from photoguard.roster import stored as roster_store
from photoguard.roster.ages import (
    band_of,
    class_of_grade,
    read_birth_date,
    read_grade,
    read_yog,
    student_age,
)
from photoguard.roster.importing import apply_import, preview_import
from photoguard.roster.model import Student
from photoguard.store import LATEST
from photoguard.store.migrations import current_version
from photoguard.vocab import YOUNGEST_BAND, AgeBand, AgeSource
from photoguard.workspace.folder import Workspace, open_workspace

#: An import in October of the school year 2026-27 (the one ending in June 2027) ...
IMPORTED = date(2026, 10, 5)
#: ... and a check later in the same school year.
CHECKED = date(2027, 5, 20)

B58, B912, B1315, B1618 = (
    AgeBand.AGES_5_8,
    AgeBand.AGES_9_12,
    AgeBand.AGES_13_15,
    AgeBand.AGES_16_18,
)


def grade_band(text: str, imported: date = IMPORTED, checked: date = CHECKED) -> AgeBand:
    grade = read_grade(text)
    return band_of(None if grade is None else class_of_grade(grade, imported), checked)


# ------------------------------------------------------------------------ grades


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("K", 0), ("KG", 0), ("0K", 0), ("k", 0), ("Kindergarten", 0), ("Grade K", 0),
        ("PK", -1), ("Pre-K", -1), ("PreK", -1), ("pk4", -1),
        ("1", 1), ("03", 3), ("3rd", 3), ("Grade 3", 3), ("Gr. 3", 3), ("3rd Grade", 3),
        ("1st", 1), ("2nd", 2), ("12th", 12), ("12", 12), ("5.0", 5),
    ],
)  # fmt: skip
def test_grade_spellings_of_aspen_and_other_exports(text: str, grade: int) -> None:
    assert read_grade(text) == grade


@pytest.mark.parametrize("text", ["UG", "13", "SP", "Adult", "3rd-4th", "Grade", "0.5"])
def test_a_grade_that_is_not_one_is_unreadable(text: str) -> None:
    with pytest.raises(ValueError):
        read_grade(text)


def test_a_blank_grade_is_no_grade() -> None:
    assert read_grade("") is None and read_grade("  ") is None


@pytest.mark.parametrize(
    ("grade", "band"),
    [
        ("PK", B58), ("K", B58), ("2", B58),
        ("3", B58),  # ages 8-9 straddle two bands: the younger
        ("4", B912), ("6", B912),
        ("7", B912),  # ages 12-13: the younger
        ("8", B1315), ("9", B1315),
        ("10", B1315),  # ages 15-16: the younger
        ("11", B1618), ("12", B1618),
    ],
)  # fmt: skip
def test_grade_n_is_ages_n_plus_5_to_6_and_a_straddling_grade_takes_the_younger_band(
    grade: str, band: AgeBand
) -> None:
    assert grade_band(grade) == band


def test_the_band_moves_on_in_september_never_in_the_summer() -> None:
    third_grade = class_of_grade(3, IMPORTED)  # ages 8-9 in 2026-27
    assert band_of(third_grade, date(2027, 6, 30)) == B58
    assert band_of(third_grade, date(2027, 8, 31)) == B58  # still the year just ended
    assert band_of(third_grade, date(2027, 9, 1)) == B912  # fourth grade: ages 9-10
    # Many years on, the class has left school: adults.
    assert band_of(third_grade, date(2040, 10, 1)) == AgeBand.ADULT


def test_a_summer_export_that_already_shows_next_years_grades_is_not_read_older() -> None:
    # In July an export may list a rising fourth-grader as grade 4: the class is the one
    # that is in grade 4 in the coming year, not last year's fourth grade.
    in_july = class_of_grade(4, date(2026, 7, 15))
    in_october = class_of_grade(4, date(2026, 10, 1))
    assert in_july == in_october
    assert band_of(in_july, date(2026, 7, 20)) == B58  # still a third-grader until September


def test_no_age_is_the_youngest_band() -> None:
    assert band_of(None, CHECKED) == YOUNGEST_BAND == B58


# ------------------------------------------------------------ years of graduation


@pytest.mark.parametrize("text", ["2031", "Class of 2031", "2031.0", "31", "class of '31"])
def test_year_of_graduation_spellings(text: str) -> None:
    assert read_yog(text, IMPORTED) == 2031


def test_the_year_of_graduation_is_the_june_of_grade_12() -> None:
    # Graduating in June 2027: in grade 12 in 2026-27 (ages 17-18).
    assert band_of(read_yog("2027", IMPORTED), CHECKED) == B1618
    assert read_yog("2027", IMPORTED) == class_of_grade(12, IMPORTED)
    assert band_of(read_yog("2031", IMPORTED), CHECKED) == B1315  # grade 8
    assert band_of(read_yog("2040", IMPORTED), CHECKED) == B58  # pre-kindergarten


@pytest.mark.parametrize("text", ["1999", "2099", "20311", "next year", "2031-06"])
def test_an_implausible_year_of_graduation_is_unreadable(text: str) -> None:
    with pytest.raises(ValueError):
        read_yog(text, IMPORTED)


# -------------------------------------------------------------------- birth dates


@pytest.mark.parametrize(
    "text",
    ["2018-08-31", "08/31/2018", "8/31/18", "31.08.2018", "August 31, 2018", "31 Aug 2018",
     "2018-08-31 00:00:00", "20180831", "Aug-31-2018"],
)  # fmt: skip
def test_birth_date_spellings(text: str) -> None:
    # Five on 1 September 2023: kindergarten in 2023-24, class of 2036.
    assert read_birth_date(text, IMPORTED) == 2036


def test_a_birthday_after_the_first_of_september_joins_the_next_class() -> None:
    assert read_birth_date("2018-09-01", IMPORTED) == 2036
    assert read_birth_date("2018-09-02", IMPORTED) == 2037


def test_a_date_that_reads_both_ways_is_taken_as_the_younger_child() -> None:
    # 08/09/2018: 9 August (class of 2036) or 8 September (class of 2037).
    assert read_birth_date("08/09/2018", IMPORTED) == 2037


def test_the_band_from_a_birth_date_is_never_older_than_the_child() -> None:
    # Born 2 September 2017: nine on 20 May 2027, but the youngest of a third-grade class
    # (ages 8-9), so 5-8: a year younger at most, never older.
    assert band_of(read_birth_date("2017-09-02", IMPORTED), CHECKED) == B58
    # Born 1 September 2017: the oldest of the fourth-grade class, nine: 9-12.
    assert band_of(read_birth_date("2017-09-01", IMPORTED), CHECKED) == B912


@pytest.mark.parametrize("text", ["1900-01-01", "2027-01-01", "31/31/2018", "soon", "2018-02-30"])
def test_a_placeholder_future_or_impossible_birth_date_is_unreadable(text: str) -> None:
    with pytest.raises(ValueError):
        read_birth_date(text, IMPORTED)


def test_sources_that_disagree_keep_the_younger_and_name_it() -> None:
    cells = {
        AgeSource.BIRTH_DATE: ("DOB", "2014-05-01"),  # grade 7 by age
        AgeSource.GRADE: ("Grade", "5"),  # grade 5 (kept back, or a stale export)
        AgeSource.YOG: ("YOG", "2031"),  # grade 8
    }
    age = student_age(cells, IMPORTED)
    assert age.source == AgeSource.GRADE
    assert age.class_of == class_of_grade(5, IMPORTED)
    assert age.unreadable == ()


def test_an_unreadable_cell_falls_back_to_the_next_column_and_is_reported() -> None:
    age = student_age(
        {AgeSource.BIRTH_DATE: ("DOB", "n/a"), AgeSource.GRADE: ("Grade", "9")}, IMPORTED
    )
    assert (age.source, age.class_of) == (AgeSource.GRADE, class_of_grade(9, IMPORTED))
    assert age.unreadable == ("DOB: n/a",)
    nothing = student_age({AgeSource.GRADE: ("Grade", "UG")}, IMPORTED)
    assert (nothing.class_of, nothing.source) == (None, AgeSource.UNKNOWN)


# ------------------------------------------------------------------ importing


def roster_file(tmp_path: Path, header: str, *rows: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join((header, *rows)) + "\r\n", encoding="utf-8", newline="")
    return path


def students_by_id(ws: Workspace) -> dict[str, Student]:
    with ws.db.snapshot() as tx:
        return {s.student_id: s for s in roster_store.current_students(tx, ws.school)}


def test_an_import_with_a_grade_column_stores_each_students_class_and_says_who_has_none(
    ws: Workspace, tmp_path: Path
) -> None:
    path = roster_file(
        tmp_path,
        "Student ID,Name,Grade Level,Photo Opt Out",
        '1,"Rivera, Ana",K,Y',
        '2,"Okafor, Ben",3rd,Y',
        '3,"Chen, Li",11,Y',
        '4,"Diaz, Eva",UG,Y',  # ungraded: no age, the youngest band
        '5,"Ek, Jon",,N',
    )
    preview = preview_import(ws, path, today=IMPORTED)
    assert preview.roster.opted_out_without_age == 1
    notes = " ".join(preview.roster.notes)
    assert "the age in row 5 ('Grade Level: UG') could not be read" in notes
    assert "1 of the 4 opted-out students has no age" in notes
    apply_import(ws, preview, "office")

    stored = students_by_id(ws)
    assert [stored[i].age_source for i in "12345"] == ["grade"] * 3 + ["unknown"] * 2
    bands = {i: band_of(stored[i].age_class_of, CHECKED) for i in "1234"}
    assert bands == {"1": B58, "2": B58, "3": B1618, "4": B58}
    # The grade is still stored as written; the class is what the band is computed from.
    assert stored["2"].grade == "3rd"

    # A re-import a school year later: the same students, the same classes (a grade
    # moved up by one is the same class), and the sealed roster is in force.
    later = roster_file(
        tmp_path,
        "Student ID,Name,Grade Level,Photo Opt Out",
        '1,"Rivera, Ana",1,Y',
        '2,"Okafor, Ben",4th,Y',
        '3,"Chen, Li",12,Y',
        '4,"Diaz, Eva",5,Y',
        '5,"Ek, Jon",,N',
        name="next-year.csv",
    )
    again = preview_import(ws, later, today=date(2027, 10, 4))
    assert again.roster.opted_out_without_age == 0
    apply_import(ws, again, "office")
    restored = students_by_id(ws)
    assert [restored[i].age_class_of for i in "123"] == [stored[i].age_class_of for i in "123"]
    assert band_of(restored["4"].age_class_of, date(2027, 11, 1)) == B912
    with ws.db.snapshot() as tx:
        version, found = roster_store.roster_in_force(tx, ws.school)
    assert version.id == 2 and len(found) == 5


def test_a_birth_date_column_is_read_but_never_stored(ws: Workspace, tmp_path: Path) -> None:
    path = roster_file(
        tmp_path,
        "Student ID,Last Name,First Name,Date of Birth,Privacy Law Opt-Out",
        "1,Rivera,Ana,2019-03-17,Y",
        "2,Okafor,Ben,04/22/2011,Y",
    )
    preview = preview_import(ws, path, today=IMPORTED)
    assert preview.roster.columns["birth"] == "Date of Birth"
    apply_import(ws, preview, "office")
    stored = students_by_id(ws)
    assert stored["1"].age_source == AgeSource.BIRTH_DATE
    assert band_of(stored["1"].age_class_of, CHECKED) == B58
    assert band_of(stored["2"].age_class_of, CHECKED) == B1315
    with ws.db.snapshot() as tx:
        rows = tx.rows("SELECT * FROM roster_students")
        logged = " ".join(r["body"] for r in tx.rows("SELECT body FROM audit_log"))
    cells = {str(v) for row in rows for v in row.values()}
    for part in ("2019", "2011", "3", "17", "4", "22"):  # no year, month or day of birth
        assert part not in cells
    assert not [c for c in cells if "2019" in c or "2011" in c or "/" in c]
    assert "2019-03-17" not in logged and "04/22/2011" not in logged


def test_a_file_without_any_age_column_says_every_opted_out_student_is_the_youngest_band(
    ws: Workspace, tmp_path: Path
) -> None:
    path = roster_file(tmp_path, "Student ID,Name,Photo Opt Out", '1,"A, B",Y', '2,"C, D",Y')
    preview = preview_import(ws, path, today=IMPORTED)
    assert any(
        n.startswith("2 of the 2 opted-out students have no age (no birth date, grade or")
        and "(5-8)" in n
        for n in preview.roster.notes
    )


@pytest.mark.parametrize(
    "change",
    [
        "age_class_of = age_class_of - 12",  # an older class: adults' distances for a child
        "age_class_of = NULL, age_source = 'unknown'",
        "age_source = 'not a source'",
    ],
)
def test_an_age_changed_behind_photoguards_back_stops_every_check(
    ws: Workspace, tmp_path: Path, change: str
) -> None:
    path = roster_file(tmp_path, "Student ID,Name,Grade,Photo Opt Out", '1,"Rivera, Ana",2,Y')
    apply_import(ws, preview_import(ws, path, today=IMPORTED), "office")
    with ws.db.transaction() as tx:
        tx.execute(f"UPDATE roster_students SET {change}")
    with ws.db.snapshot() as tx, pytest.raises(UserError, match="was changed after it was"):
        roster_store.roster_in_force(tx, ws.school)


# ------------------------------------------------------------------ upgrading


@pytest.mark.sqlite_only  # a schema-2 file, as an older photoguard left it
def test_an_older_data_folder_upgrades_with_every_student_in_the_youngest_band(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_store_upgrade import schema_2_folder

    from photoguard.store import per_folder

    monkeypatch.delenv(per_folder.ENV, raising=False)
    home = tmp_path / "home"
    schema_2_folder(home)
    with open_workspace(home) as ws:
        with ws.db.snapshot() as tx:
            assert current_version(tx) == LATEST
            _version, found = roster_store.roster_in_force(tx, ws.school)  # still sealed
        assert [(s.age_class_of, s.age_source) for s in found] == [(None, "unknown")] * 2
        assert {band_of(s.age_class_of, CHECKED) for s in found} == {YOUNGEST_BAND}
        # Importing a roster with grades over it gives the students their ages.
        path = roster_file(
            tmp_path, "Student ID,Name,Grade,Photo Opt Out", '1001,"Rivera, Ana",9,Y'
        )
        preview = preview_import(ws, path, today=IMPORTED)
        apply_import(ws, preview, "office", allow_mass_change=True)
        assert band_of(students_by_id(ws)["1001"].age_class_of, CHECKED) == B1315


def test_a_schema_3_database_gains_ages_on_both_engines(home: Path, db_url: str | None) -> None:
    """Schema 4 on a database that has students: on SQLite and on PostgreSQL the old
    rows read as 'no age' (the youngest band), their seal still holds, and a new import
    stores ages."""
    from test_store_upgrade import STUDENTS, insert_schema_2_version

    from photoguard import audit
    from photoguard.store import MIGRATIONS, ensure_identity
    from photoguard.store.engine import connect
    from photoguard.store.migrations import _apply

    home.mkdir(mode=0o700)
    db = connect(home, db_url)
    for step in MIGRATIONS[:3]:
        _apply(db, step)
    db.identity = ensure_identity(db)
    with db.transaction() as tx:
        version = insert_schema_2_version(tx)
        record = audit.append(
            tx, "default", "office", "roster.import",
            {"roster_version": version.label, "students": 2, "opted_out": 1,
             "students_sha256": roster_store.students_digest(STUDENTS)},
        )  # fmt: skip
    audit.write_head(home, "default", record)
    db.close()

    with open_workspace(home, db_url=db_url) as ws:
        with ws.db.snapshot() as tx:
            assert current_version(tx) == LATEST
            _version, found = roster_store.roster_in_force(tx, ws.school)
            raw = tx.rows("SELECT age_class_of, age_source FROM roster_students")
        assert raw == [{"age_class_of": None, "age_source": "unknown"}] * 2
        assert {band_of(s.age_class_of, CHECKED) for s in found} == {YOUNGEST_BAND}
        path = roster_file(
            home.parent,
            "Student ID,Name,Grade,Photo Opt Out",
            '1001,"Rivera, Ana",PK,Y',
            '1002,"Okafor, Ben",10,N',
        )
        apply_import(ws, preview_import(ws, path, today=IMPORTED), "office")
        stored = students_by_id(ws)
        assert band_of(stored["1001"].age_class_of, CHECKED) == B58
        assert band_of(stored["1002"].age_class_of, CHECKED) == B1315
        assert audit.verify(ws.db, ws.school, ws.home).ok
