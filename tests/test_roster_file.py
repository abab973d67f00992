"""Reading Aspen exports: what the main office's file says is what photoguard stores.

Every sample file is written here, in tmp_path, the way Excel or Aspen writes it.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fuzzing import assert_one_line
from PIL import Image
from unprivileged import run_unprivileged, shared_folder

from photoguard.errors import UserError
from photoguard.roster.ages import school_year_at_import
from photoguard.roster.columns import find_columns, parse_column_overrides
from photoguard.roster.model import Roster, Student
from photoguard.roster.table import first_rows
from photoguard.roster.validate import read_roster
from photoguard.vocab import AgeSource

HEADER = "Student ID,Name,Grade,Homeroom,Privacy Law Opt-Out"


def write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(header: str, *rows: str, end: str = "\r\n") -> str:
    return end.join((header, *rows)) + end


def read(path: Path, columns: Sequence[str] = (), sheet: str | None = None) -> Roster:
    return read_roster(path, parse_column_overrides(list(columns)), sheet)


def refused(path: Path, columns: Sequence[str] = (), sheet: str | None = None) -> str:
    with pytest.raises(UserError) as info:
        read(path, columns, sheet)
    message = str(info.value)
    assert_one_line(message)
    return message


def one(roster: Roster) -> Student:
    assert len(roster.students) == 1
    return roster.students[0]


def flags(roster: Roster) -> dict[str, bool]:
    return {s.student_id: s.opted_out for s in roster.students}


# ------------------------------------------------------------------- a typical export


def test_typical_aspen_export_is_read_whole(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Preferred Name,Grade,Homeroom,YOG,Privacy Law Opt-Out",
            '000123,"Martínez, Zoë Ann",Zo,05,H-12,2032,Y',
            '100231,"O\'Brien, Liam",,K,H-01,2038,',
            '100232,"Nguyen, Mai",,12,H-30,2026,N',
        ),
    )
    roster = read(path)
    zoe, liam, mai = roster.students
    assert zoe == Student(
        student_id="000123",
        last_name="Martínez",
        first_name="Zoë",
        middle_name="Ann",
        preferred_name="Zo",
        grade="05",
        homeroom="H-12",
        yog="2032",
        opted_out=True,
        # Grade 5 puts her in a younger class than YOG 2032 says: the younger is kept.
        age_class_of=school_year_at_import(date.today()) + 7,
        age_source=AgeSource.GRADE,
    )
    assert zoe.display_name == "Zo Martínez"
    assert (liam.student_id, liam.last_name, liam.first_name, liam.opted_out) == (
        "100231",
        "O'Brien",
        "Liam",
        False,
    )
    assert mai.opted_out is False
    assert [s.student_id for s in roster.opted_out] == ["000123"]
    assert roster.source_name == "roster.csv"
    assert roster.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert roster.columns == {
        "id": "Student ID",
        "name": "Name",
        "preferred": "Preferred Name",
        "grade": "Grade",
        "homeroom": "Homeroom",
        "yog": "YOG",
        "optout": "Privacy Law Opt-Out",
    }
    assert roster.notes == ()


# ------------------------------------------------------------------ columns by header


@pytest.mark.parametrize(
    "header",
    [
        "Student ID",
        "student id",
        "STUDENT_ID",
        "Student-ID",
        "  Student ID  ",
        "LASID",
        "Local ID",
        "StudentNumber",
        "Student Number",
        "Student #",
        "Pupil #",
        "ID",
    ],
)
def test_student_id_column_is_found_by_any_usual_header(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, csv_text(f"{header},Name,Photo Opt Out", '4711,"Smith, Ann",Y'))
    assert one(read(path)).student_id == "4711"


@pytest.mark.parametrize("header", ["Name", "Student Name", "Student", "NAME", "student_name"])
def test_one_column_name_is_last_comma_first_middle(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, csv_text(f"Student ID,{header},Photo Opt Out", '1,"Smith, Ann Marie",'))
    s = one(read(path))
    assert (s.last_name, s.first_name, s.middle_name) == ("Smith", "Ann", "Marie")


@pytest.mark.parametrize(
    ("last", "first", "middle"),
    [
        ("Last Name", "First Name", "Middle Name"),
        ("LastName", "FirstName", "MiddleName"),
        ("last_name", "first_name", "middle_name"),
    ],
)
def test_split_name_columns(tmp_path: Path, last: str, first: str, middle: str) -> None:
    path = write(
        tmp_path,
        csv_text(f"Student ID,{last},{first},{middle},Media Opt-Out", "1,Van der Berg,Jan,Piet,X"),
    )
    s = one(read(path))
    assert (s.last_name, s.first_name, s.middle_name, s.opted_out) == (
        "Van der Berg",
        "Jan",
        "Piet",
        True,
    )


def test_split_name_wins_over_a_one_column_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Last Name,First Name,Photo Opt Out", "1,Ann Smith,Smith,Ann,"),
    )
    roster = read(path)
    assert (one(roster).last_name, one(roster).first_name) == ("Smith", "Ann")
    assert "name" not in roster.columns


@pytest.mark.parametrize("header", ["Preferred Name", "Nickname", "Nick Name", "Known As"])
def test_preferred_name_or_nickname_is_kept_and_shown(tmp_path: Path, header: str) -> None:
    path = write(
        tmp_path, csv_text(f"Student ID,Name,{header},Photo Opt Out", '1,"Smith, Elizabeth",Liz,Y')
    )
    s = one(read(path))
    assert s.preferred_name == "Liz"
    assert s.display_name == "Liz Smith"


def test_preferred_name_equal_to_first_name_is_not_kept_twice(tmp_path: Path) -> None:
    path = write(
        tmp_path, csv_text("Student ID,Name,Nickname,Photo Opt Out", '1,"Smith, Ann",ann,')
    )
    assert one(read(path)).preferred_name == ""


def test_grade_homeroom_and_yog_when_present(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Grade Level,Home Room,Year of Graduation,Photo Opt Out",
            '1,"A, B",3,104,2034,',
        ),
    )
    s = one(read(path))
    assert (s.grade, s.homeroom, s.yog) == ("3", "104", "2034")


def test_grade_homeroom_and_yog_may_be_absent(tmp_path: Path) -> None:
    s = one(read(write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", '1,"A, B",'))))
    assert (s.grade, s.homeroom, s.yog) == ("", "", "")


@pytest.mark.parametrize(
    "header",
    [
        "Privacy Law Opt-Out",
        "Photo Opt Out",
        "Media Opt-Out",
        "Publicity Opt Out",
        "Video Opt-Out",
        "PHOTO_OPT_OUT",
        "photo opted out",
        "Media Opt",
    ],
)
def test_opt_out_column_is_opt_plus_a_topic(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, csv_text(f"Student ID,Name,{header}", '1,"A, B",Y', '2,"C, D",N'))
    roster = read(path)
    assert flags(roster) == {"1": True, "2": False}
    assert roster.columns["optout"] == header.strip()


@pytest.mark.parametrize("header", ["Opt Out", "Photo", "Photo Day", "Privacy"])
def test_a_header_without_opt_and_a_topic_is_not_the_flag(tmp_path: Path, header: str) -> None:
    message = refused(write(tmp_path, csv_text(f"Student ID,Name,{header}", '1,"A, B",Y')))
    assert "no opt-out flag" in message
    assert header in message  # the columns are listed so the user can name one


@pytest.mark.parametrize("header", ["Photo Release", "Media Release", "Photo Opt In"])
def test_release_or_opt_in_column_is_the_inverse(tmp_path: Path, header: str) -> None:
    path = write(
        tmp_path,
        csv_text(f"Student ID,Name,{header}", '1,"A, B",Yes', '2,"C, D",No', '3,"E, F",TRUE'),
    )
    roster = read(path)
    assert flags(roster) == {"1": False, "2": True, "3": False}
    assert roster.columns["release"] == header
    assert [n for n in roster.notes if "no age" not in n] == []


def test_blank_release_counts_as_opted_out_with_a_note(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Photo Release", '1,"A, B",Y', '2,"C, D",', '3,"E, F",', '4,"G, H",N'
        ),
    )
    roster = read(path)
    assert flags(roster) == {"1": False, "2": True, "3": True, "4": True}
    assert len(roster.notes) == 2  # and one on ages: the file has no age column
    assert roster.notes[0].startswith("2 students have no value in the release column")
    assert "opted out" in roster.notes[0]


def test_one_blank_release_note_is_singular(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Media Release", '1,"A, B",'))
    assert read(path).notes[0].startswith("1 student has no value")


def test_opt_out_and_release_columns_together_fail_closed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Photo Opt Out,Photo Release",
            '1,"A, B",N,Y',  # allowed by both
            '2,"C, D",Y,Y',  # opted out wins
            '3,"E, F",N,N',  # no release wins
        ),
    )
    assert flags(read(path)) == {"1": False, "2": True, "3": True}


def test_several_opt_out_columns_any_one_opts_out(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Photo Opt Out,Video Opt Out", '1,"A, B",,Y', '2,"C, D",,'),
    )
    roster = read(path)
    assert flags(roster) == {"1": True, "2": False}
    assert roster.columns["optout"] == "Photo Opt Out | Video Opt Out"


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("State ID,ID", '9,000123,"A, B",Y'),
        ("SASID,ID", '9,000123,"A, B",Y'),
        ("ID,State ID", '000123,9,"A, B",Y'),
        ("State Student ID,Student ID", '9,000123,"A, B",Y'),
        ("Student ID,SASID", '000123,9,"A, B",Y'),
    ],
)
def test_local_id_is_picked_over_the_state_id(tmp_path: Path, header: str, row: str) -> None:
    path = write(tmp_path, csv_text(f"{header},Name,Photo Opt Out", row))
    assert one(read(path)).student_id == "000123"


def test_state_id_alone_is_not_taken_for_the_local_id(tmp_path: Path) -> None:
    message = refused(write(tmp_path, csv_text("SASID,Name,Photo Opt Out", '9,"A, B",Y')))
    assert message.startswith("no student ID")


def test_leading_zeros_in_ids_are_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path, csv_text("Student ID,Name,Photo Opt Out", '000123,"A, B",Y', '0045,"C, D",')
    )
    assert [s.student_id for s in read(path).students] == ["000123", "0045"]


# -------------------------------------------------------------------- --column


@pytest.mark.parametrize(
    ("header", "row", "columns"),
    [
        ("Pupil Ref,Name,Photo Opt Out", '1,"Smith, Ann",Y', ["id=Pupil Ref"]),
        ("ID,Scholar,Photo Opt Out", '1,"Smith, Ann",Y', ["name=Scholar"]),
        ("ID,Family,Given,Photo Opt Out", "1,Smith,Ann,Y", ["last=Family", "first=Given"]),
        ("ID,Name,No Photos", '1,"Smith, Ann",Y', ["optout=No Photos"]),
        ("ID,Name,Photo OK?", '1,"Smith, Ann",N', ["release=photo ok"]),
    ],
)
def test_column_overrides_name_any_role(
    tmp_path: Path, header: str, row: str, columns: list[str]
) -> None:
    s = one(read(write(tmp_path, csv_text(header, row)), columns))
    assert (s.student_id, s.last_name, s.first_name, s.opted_out) == ("1", "Smith", "Ann", True)


def test_column_override_replaces_the_detected_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,LASID,Name,Photo Opt Out,Media Opt Out", '1,L1,"A, B",Y,N'),
    )
    roster = read(path, ["id=lasid", "optout=Media Opt Out"])
    assert one(roster).student_id == "L1"
    assert one(roster).opted_out is False
    assert roster.columns["optout"] == "Media Opt Out"


def test_column_override_for_name_wins_over_split_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Last Name,First Name,Photo Opt Out", '1,"Smith, Ann",X,Y,'),
    )
    s = one(read(path, ["name=Name"]))
    assert (s.last_name, s.first_name) == ("Smith", "Ann")


def test_column_override_naming_a_missing_column_lists_the_columns(tmp_path: Path) -> None:
    message = refused(write(tmp_path, csv_text(HEADER, '1,"A, B",1,2,')), ["optout=Photo OK"])
    assert "'Photo OK'" in message
    assert "Student ID, Name, Grade, Homeroom, Privacy Law Opt-Out" in message


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (["id=Pupil"], {"id": "Pupil"}),
        ([" OptOut = Photo OK? "], {"optout": "Photo OK?"}),
        (["name=Last, First"], {"name": "Last, First"}),
        ([], {}),
        (None, {}),
    ],
)
def test_parse_column_overrides(pairs: list[str] | None, expected: dict[str, str]) -> None:
    assert parse_column_overrides(pairs) == expected


@pytest.mark.parametrize("pair", ["id", "id=", "=Pupil", "student=Pupil", "photo=Opt"])
def test_bad_column_overrides_are_refused(pair: str) -> None:
    with pytest.raises(UserError) as info:
        parse_column_overrides([pair])
    assert "\n" not in str(info.value)


def test_find_columns_reports_every_missing_role() -> None:
    with pytest.raises(UserError) as info:
        find_columns(["Grade", "Homeroom"])
    message = str(info.value)
    assert "student ID" in message and "student name" in message and "opt-out flag" in message
    assert "Grade, Homeroom" in message


# ---------------------------------------------------------------------- flag values


@pytest.mark.parametrize(
    "value",
    ["Y", "y", "Yes", "YES", "TRUE", "true", "True", "1", "X", "x", "Opt Out", "opt-out",
     "Opted Out", "OPTED OUT", " Y "],
)  # fmt: skip
def test_values_that_mean_opted_out(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", f'1,"A, B",{value}'))
    assert one(read(path)).opted_out is True


@pytest.mark.parametrize("value", ["", " ", "N", "n", "No", "NO", "FALSE", "false", "0"])
def test_values_that_mean_not_opted_out(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", f'1,"A, B",{value}'))
    assert one(read(path)).opted_out is False


def test_any_other_value_refuses_the_whole_import_naming_rows_and_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Photo Opt Out",
            '1,"A, B",Y',
            '2,"C, D",Maybe',
            '3,"E, F",N',
            '4,"G, H",2',
            '5,"I, J",Pending review',
        ),
    )
    message = refused(path)
    assert "row" in message
    for row, value in (("3", "'Maybe'"), ("5", "'2'"), ("6", "'Pending review'")):
        assert f"{row} (Photo Opt Out: {value})" in message
    assert "2 (" not in message and "4 (" not in message


def test_a_date_column_taken_for_a_flag_suggests_naming_the_flag(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Photo Opt Out,Photo Opt Out Date", '1,"A, B",Y,2025-09-01'),
    )
    message = refused(path)
    assert "row 2 (Photo Opt Out Date: '2025-09-01')" in message
    assert "--column optout=" in message
    assert one(read(path, ["optout=Photo Opt Out"])).opted_out is True


def test_many_bad_values_are_summarised_on_one_line(tmp_path: Path) -> None:
    rows = [f'{i},"A, B{i}",?' for i in range(40)]
    message = refused(write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", *rows)))
    assert "and 35 more" in message


# ----------------------------------------------------------------------- encodings


NAMES = 'Student ID,Name,Photo Opt Out\r\n1,"Martínez, Zoë",Y\r\n2,"Ångström, Chloé",\r\n'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_excel_writes(tmp_path: Path, encoding: str) -> None:
    roster = read(write(tmp_path, NAMES, encoding=encoding))
    assert [(s.last_name, s.first_name) for s in roster.students] == [
        ("Martínez", "Zoë"),
        ("Ångström", "Chloé"),
    ]
    assert roster.columns["id"] == "Student ID"  # no BOM glued to the first header


@pytest.mark.parametrize(("bom", "codec"), [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_with_bom_either_byte_order(tmp_path: Path, bom: bytes, codec: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(bom + NAMES.encode(codec))
    assert [s.first_name for s in read(path).students] == ["Zoë", "Chloé"]


def test_names_are_normalised_to_nfc(tmp_path: Path) -> None:
    path = write(
        tmp_path, csv_text("Student ID,Name,Photo Opt Out", '1,"Marti\u0301nez, Zoe\u0308",Y')
    )
    s = one(read(path))
    assert s.first_name == "Zo\u00eb" == "Zoë"
    assert s.last_name == "Mart\u00ednez"
    assert len(s.first_name) == 3


def test_utf16_without_bom_is_refused_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(NAMES.encode("utf-16-le"))
    assert "not a table" in refused(path)


# ---------------------------------------------------------------- what Aspen does


def test_title_line_above_the_header(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Privacy Law Opt-Out Report,,,,",
            "Printed 2025-09-02 by Main Office,,,,",
            ",,,,",
            HEADER,
            '000123,"Smith, Ann",5,H1,Y',
        ),
    )
    s = one(read(path))
    assert (s.student_id, s.last_name, s.opted_out) == ("000123", "Smith", True)


def test_title_line_without_delimiters_above_a_semicolon_header(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Opt-out list\r\n\r\nStudent ID;Name;Photo Opt Out\r\n1;Smith, Ann;Y\r\n",
        encoding="cp1252",
    )
    assert (one(read(path)).last_name, one(read(path)).opted_out) == ("Smith", True)


def test_error_rows_count_the_title_line(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Opt-out list", HEADER, '1,"A, B",1,H,Y', '1,"C, D",1,H,'))
    assert "rows 3 and 4" in refused(path)


def test_header_beyond_the_first_rows_is_not_searched_for(tmp_path: Path) -> None:
    title = [f"Report line {i}" for i in range(12)]
    path = write(tmp_path, csv_text(*title, HEADER, '1,"A, B",1,H,Y'))
    assert refused(path).startswith("no student ID")


def test_trailing_blank_rows_and_empty_delimiter_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(HEADER, '1,"A, B",1,H,Y', ",,,,", "", '2,"C, D",1,H,', ",,,,", ",,,,", ""),
    )
    assert flags(read(path)) == {"1": True, "2": False}


def test_trailing_spaces_in_headers_and_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID ,  Name , Photo Opt Out  ", ' 000123 ," Smith ,  Ann ", Y '),
    )
    s = one(read(path))
    assert (s.student_id, s.last_name, s.first_name, s.opted_out) == (
        "000123",
        "Smith",
        "Ann",
        True,
    )


def test_quoted_fields_with_commas_quotes_and_line_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Homeroom,Photo Opt Out",
            '1,"O\'Neil, Mary ""Mo"" Kate","Room 5, East",Y',
            '2,"Lee,\nSam",Room 6,',
        ),
    )
    mo, sam = read(path).students
    assert (mo.first_name, mo.middle_name, mo.homeroom) == ("Mary", '"Mo" Kate', "Room 5, East")
    assert (sam.last_name, sam.first_name) == ("Lee", "Sam")


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
def test_any_line_ending(tmp_path: Path, end: str) -> None:
    path = write(tmp_path, csv_text(HEADER, '1,"A, B",1,H,Y', '2,"C, D",1,H,', end=end))
    assert flags(read(path)) == {"1": True, "2": False}


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    rows = ["Student ID|Name|Photo Opt Out", "1|Smith, Ann|Y", "2|Doe, Jo|N"]
    path = write(tmp_path, csv_text(*(r.replace("|", delimiter) for r in rows)))
    assert flags(read(path)) == {"1": True, "2": False}
    assert read(path).students[0].first_name == "Ann"


def test_trailing_delimiter_on_every_data_row_does_not_shift_columns(tmp_path: Path) -> None:
    # pandas once took the first column for an index here, shifting every value left:
    # the opted-out students came out "not opted out", named "Ann Smith" -> "Y Ann".
    path = write(
        tmp_path,
        csv_text("Student ID,Last Name,First Name,Photo Opt Out", "1,Smith,Ann,Y,", "2,Doe,Jo,Y,"),
    )
    roster = read(path)
    assert [(s.student_id, s.last_name, s.first_name) for s in roster.students] == [
        ("1", "Smith", "Ann"),
        ("2", "Doe", "Jo"),
    ]
    assert flags(roster) == {"1": True, "2": True}


def test_a_row_with_more_values_than_the_header_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Last Name,First Name,Photo Opt Out", "1,Smith,Ann,Y", "2,Doe,Jo,Jr,N"),
    )
    message = refused(path)
    assert "row 3" in message and "more values than the header" in message


def test_a_row_cut_short_before_the_flag_is_refused(tmp_path: Path) -> None:
    # A missing cell is not a blank "not opted out".
    path = write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", '1,"A, B",Y', '2,"C, D"'))
    message = refused(path)
    assert "row 3" in message and "cut short" in message


def test_a_row_may_stop_before_optional_columns(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Photo Opt Out,Grade,Homeroom", '1,"A, B",Y'))
    s = one(read(path))
    assert (s.opted_out, s.grade, s.homeroom) == (True, "", "")


def test_a_header_repeated_on_each_printed_page_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(HEADER, '1,"A, B",1,H,Y', HEADER, '2,"C, D",1,H,'))
    assert flags(read(path)) == {"1": True, "2": False}


def test_an_unclosed_quote_is_refused_with_its_row(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(HEADER, '1,"A, B",1,H,Y', '2,"C, D,1,H,', '3,"E, F",1,H,'))
    message = refused(path)
    assert "row 3" in message and "quote" in message


def test_two_columns_with_the_same_id_header_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Student ID,Photo Opt Out", '1,"A, B",2,Y'))
    assert "two columns are headed 'Student ID'" in refused(path)


def test_names_with_suffixes_and_extra_spaces(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text(
            "Student ID,Name,Photo Opt Out",
            '1,"King Jr.,  Martin   Luther",',
            '2,"Smith, John, III",',
        ),
    )
    king, smith = read(path).students
    assert (king.last_name, king.first_name, king.middle_name) == ("King Jr.", "Martin", "Luther")
    assert (smith.last_name, smith.first_name, smith.middle_name) == ("Smith", "John", "III")


# ------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("Name,Grade,Photo Opt Out", "no student ID"),
        ("Student ID,Grade,Photo Opt Out", "no student name"),
        ("Student ID,Last Name,Photo Opt Out", "no student name"),
        ("Student ID,Name,Grade", "no opt-out flag"),
    ],
)
def test_missing_columns_are_named(tmp_path: Path, header: str, missing: str) -> None:
    message = refused(write(tmp_path, csv_text(header, "1,2,3")))
    assert message.startswith(missing)
    assert "--column" in message


def test_duplicate_student_ids_are_refused_naming_id_and_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Photo Opt Out", '7,"A, B",Y', '8,"C, D",', '7,"E, F",'),
    )
    message = refused(path)
    assert message.startswith("duplicate student ID")
    assert "7 (rows 2 and 4)" in message


def test_ids_differing_only_in_surrounding_spaces_are_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", '7,"A, B",Y', ' 7 ,"C, D",'))
    assert "duplicate student ID" in refused(path)


def test_empty_student_ids_are_refused_naming_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        csv_text("Student ID,Name,Photo Opt Out", '1,"A, B",Y', ',"C, D",', ' ,"E, F",Y'),
    )
    assert refused(path) == "empty student ID in rows 3, 4"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ('1,"Smith Ann",Y', "not in 'Last, First' form"),
        ('1,"Smith,",Y', "not in 'Last, First' form"),
        ('1,,Y', "missing student name in row 2"),
    ],
)  # fmt: skip
def test_names_that_cannot_be_split_are_refused(tmp_path: Path, row: str, expected: str) -> None:
    assert expected in refused(write(tmp_path, csv_text("Student ID,Name,Photo Opt Out", row)))


def test_missing_first_name_in_split_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text("Student ID,Last Name,First Name,Photo Opt Out", "1,Smith,,Y"))
    assert refused(path) == "missing first or last name in row 2"


@pytest.mark.parametrize(
    "content", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b",,,\r\n,,,\r\n"]
)
def test_empty_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    message = refused(path)
    assert "empty" in message or "no student ID" in message


def test_header_without_rows_is_refused(tmp_path: Path) -> None:
    assert "no student rows" in refused(write(tmp_path, csv_text(HEADER, ",,,,")))


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    assert "cannot read" in refused(tmp_path / "nope.csv")
    assert "is a folder" in refused(tmp_path)


def test_a_dangling_link_or_impossible_name_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "roster.csv"
    link.symlink_to(tmp_path / "gone.csv")
    assert "cannot read" in refused(link)
    assert "cannot read" in refused(tmp_path / ("x" * 300 + ".csv"))


@pytest.mark.skipif(os.name != "posix", reason="needs file permissions")
def test_unreadable_file_is_refused() -> None:
    """Read as an unprivileged user (root reads every file, and CI runs as root)."""
    with shared_folder("photoguard-roster-") as folder:
        path = write(folder, csv_text(HEADER, '1,"A, B",1,H,Y'))
        path.chmod(0)
        assert "Permission denied" in run_unprivileged(lambda: refused(path))


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("photo.csv", png_bytes(), "PNG image"),
        ("doc.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        ("roster.csv", b'{"students": [{"id": 1, "name": "Smith, Ann", "optout": true}]}', "JSON"),
        ("roster.csv", b'[["Student ID", "Name", "Photo Opt Out"], [1, "A, B", "Y"]]', "JSON"),
        ("roster.xls", b"<html><body><table><tr><td>Student ID</td></tr></table></body></html>",
         "web page"),
        ("roster.csv", b'<?xml version="1.0"?><roster/>', "web page or XML"),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
        ("roster.xlsx", b"PK\x03\x04" + bytes(40), "workbook could not be read"),
    ],
)  # fmt: skip
def test_files_that_are_not_tables_are_refused(
    tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert says in refused(path)


@pytest.mark.parametrize("seed", range(8))
def test_random_binary_is_refused(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(random.Random(seed).randbytes(4096))
    refused(path)


def test_text_that_is_no_roster_is_refused_naming_its_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "Dear parents,\nPicture day is on Monday.\n")
    message = refused(path)
    assert message.startswith("no student ID")
    assert "Dear parents" in message


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("roster.csv", 'Student ID,Name,Photo Opt Out\n1,"A, B",Y\n')
    assert "zip archive" in refused(path)


def test_an_opendocument_spreadsheet_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "roster.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert "OpenDocument" in refused(path)


def test_sheet_option_on_a_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text(HEADER, '1,"A, B",1,H,Y'))
    assert "--sheet" in refused(path, sheet="Sheet1")


def test_messages_never_span_lines_even_for_odd_headers(tmp_path: Path) -> None:
    path = write(tmp_path, 'Student ID,"Photo\nOpt Out\x07",Nom\r\n1,Y,x\r\n')
    message = refused(path)
    assert "Photo Opt Out" in message


# ------------------------------------------------------------------------------ XLSX


def workbook(tmp_path: Path, sheets: dict[str, list[list[object]]], name: str = "r.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_xlsx_first_sheet_with_numbers_and_booleans(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {
            "Opt-Out": [
                ["Student ID", "Last Name", "First Name", "Grade", "YOG", "Photo Opt Out"],
                [100231, "Smith", "Ann", 5, 2032, 1],
                [100232, "Doe", "Jo", 5, 2032.0, 0],
                [100233.0, "Roe", "Al", "K", 2038, True],
                [100234, "Poe", "Ed", 12, 2026, False],
                [100235, "Loe", "Cy", 12, 2026, None],
                [100236, "Moe", "Di", 12, 2026, "Yes"],
            ],
            "Other": [["nothing", "here"]],
        },
    )
    roster = read(path)
    assert [s.student_id for s in roster.students] == [str(100231 + i) for i in range(6)]
    assert flags(roster) == {
        "100231": True,
        "100232": False,
        "100233": True,
        "100234": False,
        "100235": False,
        "100236": True,
    }
    assert (roster.students[0].grade, roster.students[1].yog) == ("5", "2032")


def test_xlsx_sheet_option_picks_a_sheet(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {
            "Summary": [["Opted out: 1"]],
            "Students": [["Student ID", "Name", "Media Opt-Out"], ["A1", "Smith, Ann", "Y"]],
        },
    )
    assert one(read(path, sheet="Students")).student_id == "A1"
    assert one(read(path, sheet="students")).student_id == "A1"
    assert read(path, sheet="Students").source_name == "r.xlsx"
    assert "pick one with --sheet" in refused(path)  # the first sheet is no roster
    assert "'Students'" in refused(path)
    message = refused(path, sheet="Roster")
    assert "no sheet named 'Roster'" in message and "'Summary', 'Students'" in message


def test_xlsx_title_rows_blank_rows_and_trailing_empty_rows(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {
            "S": [
                ["Privacy Law Opt-Out Report"],
                [],
                ["Student ID", "Name", "Privacy Law Opt-Out"],
                ["000123", "Smith, Ann", "Y"],
                [],
                ["000124", "Doe, Jo", None],
                [None, None, None],
                ["", "", ""],
            ]
        },
    )
    roster = read(path)
    assert flags(roster) == {"000123": True, "000124": False}


def test_xlsx_error_rows_are_the_sheet_rows(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {
            "S": [
                ["Report"],
                [],
                ["Student ID", "Name", "Photo Opt Out"],
                [1, "A, B", "Y"],
                [],
                [1, "C, D", ""],
            ]
        },
    )
    assert "(rows 4 and 6)" in refused(path)


def test_xlsx_id_column_formatted_with_leading_zeros_keeps_them(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Student ID", "Name", "Photo Opt Out"])
    ws.append([123, "Smith, Ann", "Y"])
    ws["A2"].number_format = "000000"
    path = tmp_path / "zeros.xlsx"
    wb.save(path)
    assert one(read(path)).student_id == "000123"


def test_xlsx_formula_without_a_saved_value_is_refused(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {"S": [["Student ID", "Name", "Photo Opt Out"], [1, "Smith, Ann", '=IF(1=1,"Y","")']]},
    )
    message = refused(path)
    assert "row 2" in message and "formula" in message


def test_xlsx_unknown_flag_value_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"S": [["Student ID", "Name", "Photo Opt Out"], [1, "A, B", 2]]})
    assert "row 2 (Photo Opt Out: '2')" in refused(path)


def test_xlsx_truncated_file_is_refused(tmp_path: Path) -> None:
    good = workbook(tmp_path, {"S": [["Student ID", "Name", "Photo Opt Out"], [1, "A, B", "Y"]]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "workbook could not be read" in refused(cut)


def test_xlsx_with_an_empty_first_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Empty": []})
    assert "empty" in refused(path)


def test_xlsx_skips_a_hidden_first_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Lookup"
    wb.active.append(["internal", "codes"])
    wb.active.sheet_state = "hidden"
    ws = wb.create_sheet("Roster")
    ws.append(["Student ID", "Name", "Photo Opt Out"])
    ws.append(["7", "Smith, Ann", "Y"])
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    assert one(read(path)).student_id == "7"


def test_first_rows_offer_the_header_of_an_unrecognised_file(tmp_path: Path) -> None:
    path = write(tmp_path, "Pupils 2025\r\nRef;Surname;Forename;No photos\r\n1;Smith;Ann;Y\r\n")
    rows = first_rows(path)
    assert rows[1] == (2, ["Ref", "Surname", "Forename", "No photos"])
    s = one(read(path, ["id=Ref", "last=Surname", "first=Forename", "optout=No photos"]))
    assert (s.student_id, s.last_name, s.opted_out) == ("1", "Smith", True)


def test_first_rows_of_a_workbook(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"S": [["Title"], [], ["Ref", "Who"], [1, "Smith, Ann"]]})
    assert first_rows(path) == [(1, ["Title", ""]), (3, ["Ref", "Who"]), (4, ["1", "Smith, Ann"])]
