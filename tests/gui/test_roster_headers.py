"""photoguard.roster.headers: the headers offered when a roster's columns are not recognised.

Core code (no Qt); tested here because the app's column-mapping dialog is what needs it.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from photoguard.errors import UserError
from photoguard.roster.headers import mapping_problem, read_headers
from photoguard.roster.importing import preview_import
from photoguard.workspace.folder import Workspace


def test_headers_below_a_title_line_are_found_and_not_recognised(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Opt-out list, May\nPupil;Surname;Given;Photo OK?\n1;A;B;Y\n", "utf-8")
    headers = read_headers(path)
    assert headers.headers == ("Pupil", "Surname", "Given", "Photo OK?")
    assert headers.row == 2
    assert not headers.recognised


def test_recognised_headers_say_so(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Student ID,Last Name,First Name,Photo Opt Out\n1,A,B,Y\n", "utf-8")
    assert read_headers(path).recognised


def test_workbook_headers(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["Pupil", "Name", "Media OK"])
    sheet.append(["1", "A, B", "Y"])
    wb.save(path)
    headers = read_headers(path)
    assert headers.headers == ("Pupil", "Name", "Media OK")
    assert not headers.recognised


def test_a_file_that_is_no_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    with pytest.raises(UserError, match="JPEG"):
        read_headers(path)


@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        ({}, "choose a column for: Student ID, the photo opt-out"),
        ({"id": "P", "last": "S", "first": "G"}, "photo opt-out (or photo release) flag"),
        ({"id": "P", "last": "S", "optout": "O"}, "last and first name (or a full name)"),
        ({"id": "P", "name": "N", "last": "S", "optout": "O"}, "either a full-name column"),
        ({"id": "P", "name": "N", "optout": "O", "release": "R"}, "not both"),
        ({"id": "P", "name": "P", "optout": "O"}, "one thing only"),
    ],
)
def test_mapping_problems_are_named(columns: dict[str, str], problem: str) -> None:
    found = mapping_problem(columns)
    assert found is not None and problem in found


def test_a_mapping_is_what_the_roster_reader_takes(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Pupil,Surname,Given,Photo OK?\n1001,Obama,Barry,N\n1002,Biden,Joe,Y\n")
    columns = {"id": "Pupil", "last": "Surname", "first": "Given", "release": "Photo OK?"}
    assert mapping_problem(columns) is None
    preview = preview_import(ws, path, columns)
    assert [s.student_id for s in preview.roster.opted_out] == ["1001"]
