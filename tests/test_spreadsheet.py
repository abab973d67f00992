"""CSV that opens safely in a spreadsheet: no formulas run, accents survive, writes are whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from photoguard.errors import UserError
from photoguard.files.spreadsheet import csv_text, excel_safe, write_csv


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "  =cmd|' /C calc'!A0",
        "\0=1",
    ],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert excel_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["IMG_0001.jpg", "Liam O.", "a=b", "", "'already quoted"])
def test_ordinary_text_is_unchanged(cell: str) -> None:
    assert excel_safe(cell) == cell


def test_numbers_stay_numbers_and_none_is_empty() -> None:
    assert excel_safe(-3) == "-3"
    assert excel_safe(0.6) == "0.6"
    assert excel_safe(None) == ""
    assert excel_safe(True) == "yes"
    assert excel_safe(float("nan")) == "nan"


def _read(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return raw, rows


def test_write_csv_is_utf8_with_bom_and_every_cell_escaped(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    n = write_csv(
        out,
        ["file", "=note"],
        [
            ["/photos/Zoë's day.jpg", '=IMPORTXML("http://x","//a")'],
            ["-rf", 'say "hi", then\nleave'],
        ],
    )
    raw, rows = _read(out)
    assert n == 2
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    assert rows == [
        ["file", "'=note"],
        ["/photos/Zoë's day.jpg", '\'=IMPORTXML("http://x","//a")'],
        ["'-rf", 'say "hi", then\nleave'],
    ]
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_text_has_no_bom() -> None:
    assert csv_text(["a"], [["b"]]) == "a\r\nb\r\n"


def test_write_csv_replaces_a_file_whole_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    out.write_text("old", "utf-8")
    write_csv(out, ["a"], [[1], [2]])
    assert _read(out)[1] == [["a"], ["1"], ["2"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_a_row_of_the_wrong_width_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    with pytest.raises(ValueError):
        write_csv(out, ["a", "b"], [[1, 2], [3]])
    assert not out.exists()


def test_writing_into_a_missing_folder_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        write_csv(tmp_path / "nowhere" / "r.csv", ["a"], [])
