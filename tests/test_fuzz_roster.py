"""Whatever bytes a file holds, reading it gives a roster or one plain sentence; never a crash.

Bounded so the whole module runs in a few seconds.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from fuzzing import FUZZ, assert_one_line
from hypothesis import example, given, settings
from hypothesis import strategies as st

from photoguard.errors import UserError
from photoguard.roster.model import Roster
from photoguard.roster.validate import read_roster


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "roster.csv"


def check(path: Path, data: bytes) -> Roster | None:
    path.write_bytes(data)
    try:
        roster = read_roster(path)
    except UserError as exc:
        message = str(exc)
        assert_one_line(message)
        return None
    ids = [s.student_id for s in roster.students]
    assert roster.students and all(ids) and len(set(ids)) == len(ids)
    assert all(s.last_name and s.first_name for s in roster.students)
    return roster


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(target: Path, data: bytes) -> None:
    check(target, data)


# Pieces of real and broken CSV, so the fuzzer gets past decoding into the parser.
TOKENS = [
    "Student ID", "LASID", "ID", "Name", "Last Name", "First Name", "Nickname", "Grade",
    "Photo Opt Out", "Privacy Law Opt-Out", "Media Release", "Photo Opt In", "State ID",
    "Smith, Ann", '"Smith, Ann"', "000123", "Y", "N", "X", "Opt Out", "TRUE", "", " ",
    ",", ";", "\t", "|", '"', '""', "\r\n", "\n", "\r", "\ufeff", "Zoe\u0308", "é", "\x00",
    "\x07", "{", "<html>", "1.0", "#",
]  # fmt: skip


@FUZZ
@given(
    pieces=st.lists(st.sampled_from(TOKENS), max_size=60),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_csv_like_text(target: Path, pieces: list[str], encoding: str) -> None:
    text = "".join(pieces)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    check(target, data)


VALID = (
    "Title line\r\n"
    "Student ID,Name,Preferred Name,Grade,Privacy Law Opt-Out,Photo Release\r\n"
    '000123,"Martínez, Zoë",Zo,5,Y,Yes\r\n'
    '000124,"Smith, Ann",,5,,Yes\r\n'
    '000125,"Doe, Jo",,6,N,\r\n'
).encode("utf-8-sig")


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 4), st.binary(max_size=4)),
        min_size=1,
        max_size=4,
    )
)
def test_a_valid_roster_with_random_damage(
    target: Path, edits: list[tuple[int, int, bytes]]
) -> None:
    data = bytearray(VALID)
    for at, cut, insert in edits:
        data[at : at + cut] = insert
    check(target, bytes(data))


def _workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Student ID", "Name", "Photo Opt Out"])
    ws.append([123, "Smith, Ann", True])
    ws.append(["000124", "Doe, Jo", 0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


WORKBOOK = _workbook()


def test_the_undamaged_workbook_reads(tmp_path: Path) -> None:
    roster = check(tmp_path / "r.xlsx", WORKBOOK)
    assert roster is not None and [s.opted_out for s in roster.students] == [True, False]


@settings(FUZZ, max_examples=60)
@example(edits=[(2421, b"\x00\x00")])  # found by a longer run: zlib.error escaped once
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(WORKBOOK) - 1), st.binary(min_size=1, max_size=8)),
        min_size=1,
        max_size=3,
    )
)
def test_a_damaged_workbook(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, bytes]]
) -> None:
    data = bytearray(WORKBOOK)
    for at, patch in edits:
        data[at : at + len(patch)] = patch
    check(tmp_path_factory.getbasetemp() / "damaged.xlsx", bytes(data))


NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÀÉÎÕÜßçñøåæœ'-", min_size=1, max_size=12).filter(
    lambda s: s.strip("'-")
)
OUT_VALUES = ["Y", "yes", "TRUE", "1", "X", "Opt Out", "opted out"]
IN_VALUES = ["", "N", "no", "FALSE", "0"]


@settings(FUZZ, max_examples=60)
@given(
    students=st.lists(
        st.tuples(
            st.from_regex(r"0{0,3}[1-9][0-9]{0,6}", fullmatch=True),
            NAME,
            NAME,
            st.booleans(),
            st.integers(0, 6),
        ),
        min_size=1,
        max_size=25,
        unique_by=lambda s: s[0],
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    title=st.booleans(),
)
def test_any_well_formed_roster_reads_back_exactly(
    target: Path,
    students: list[tuple[str, str, str, bool, int]],
    delimiter: str,
    encoding: str,
    title: bool,
) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow(["Privacy Law Opt-Out report"])
    writer.writerow(["Student ID", "Name", "Photo Opt Out"])
    for sid, last, first, out, k in students:
        flag = OUT_VALUES[k % len(OUT_VALUES)] if out else IN_VALUES[k % len(IN_VALUES)]
        writer.writerow([sid, f"{last}, {first}", flag])
    roster = check(target, buf.getvalue().encode(encoding))
    assert roster is not None
    assert [(s.student_id, s.last_name, s.first_name, s.opted_out) for s in roster.students] == [
        (sid, last, first, out) for sid, last, first, out, _ in students
    ]
