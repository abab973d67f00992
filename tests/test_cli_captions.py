"""``photoguard check-caption``: a teacher checks a post's text before publishing it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from photoguard.cli.main import main

ROSTER_CSV = """Student ID,Last Name,First Name,Preferred Name,Grade,Photo Opt Out
1001,O'Brien,Liam,,3,Y
1002,Martínez,Zoë,,3,N
1003,Smith,William,Will,4,N
"""


@pytest.fixture
def roster_home(tmp_path: Path, home: Path) -> Path:
    csv = tmp_path / "aspen.csv"
    csv.write_text(ROSTER_CSV, encoding="utf-8")
    assert main(["--home", str(home), "roster", "import", str(csv), "--by", "office"]) == 0
    return home


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    status = main(["--home", str(home), "check-caption", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_full_name_exits_1_with_the_name_and_a_rewrite(
    roster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, roster_home, "Liam O'Brien's volcano erupted!")
    assert status == 1
    assert "Liam O'Brien (1001), span 0-12" in out
    assert out.rstrip().endswith("Liam O.'s volcano erupted!")


def test_students_who_are_not_opted_out_count_too(
    roster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, roster_home, "Congratulations Zoe Martinez and Will Smith")
    assert status == 1
    assert "Zoë Martínez (1002)" in out and "Will Smith (1003)" in out
    assert out.rstrip().endswith("Congratulations Zoe M. and Will S.")


def test_first_names_only_is_clean(roster_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, roster_home, "Liam and Zoë did great, Emily J. too")
    assert status == 0
    assert out.startswith("No full names of students found")
    assert "roster version 1, 3 students" in out


def test_remove_style(roster_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, roster_home, "--style", "remove", "Liam O'Brien's volcano")
    assert status == 1
    assert out.rstrip().endswith("Liam's volcano")


def test_text_from_stdin(
    roster_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Field day!\nWay to go O'BRIEN Liam\n"))
    status, out, _ = run(capsys, roster_home, "-")
    assert status == 1
    assert "Liam O'Brien (1001)" in out
    assert "Way to go Liam O.\n" in out


def test_json_output_has_the_report_finding_shape(
    roster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Great job Zoë Martínez!"
    status, out, _ = run(capsys, roster_home, "--json", text)
    assert status == 1
    doc = json.loads(out)
    assert doc["found"] is True
    assert doc["suggested"] == "Great job Zoë M.!"
    assert doc["roster_version"].startswith("1:")
    (f,) = doc["findings"]
    assert {k: f[k] for k in ("type", "student_id", "field", "text", "span")} == {
        "type": "full_name",
        "student_id": "1002",
        "field": "caption",
        "text": text,
        "span": [10, 22],
    }
    assert text[slice(*f["span"])] == f["matched"] == "Zoë Martínez"


def test_json_when_clean(roster_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, roster_home, "--json", "Great job Zoë!")
    assert status == 0
    assert json.loads(out)["findings"] == []


def test_file_name_mode(roster_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, roster_home, "obrien_liam.jpg")[0] == 0
    status, out, _ = run(capsys, roster_home, "--file-name", "obrien_liam.jpg")
    assert status == 1 and "Liam O'Brien (1001)" in out


def test_without_a_roster_exits_2_with_a_clear_message(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, home, "Liam O'Brien")
    assert status == 2
    assert out == ""
    assert err.strip() == (
        "photoguard: no roster has been imported, so there are no names to check against: "
        "run 'photoguard roster import FILE' first"
    )


def test_empty_text_is_bad_usage(
    roster_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    status, _, err = run(capsys, roster_home, "-")
    assert status == 2 and "no text to check" in err
