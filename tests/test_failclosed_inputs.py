"""Bad roster, index and enrollment inputs leave the previous state untouched.

Each import and each enrollment is one transaction: a file that is refused, or a
failure half-way through storing (here: the database itself refusing a write, as
a full disk would), leaves every table, the approval log and its witness files
exactly as they were, byte for byte.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hostile
import pytest
from conftest import FACES
from faceworld import PSPA_HEADER, ROSTER_CSV, pspa_row, write_picture_day, write_roster

from photoguard.errors import UserError
from photoguard.references.enroll import enroll, plan_folder, plan_student
from photoguard.roster.importing import apply_import, preview_import
from photoguard.store.engine import SQLITE_FILE
from photoguard.workspace.folder import open_workspace

pytestmark = [pytest.mark.faces, pytest.mark.sqlite_only]

State = dict[str, object]


def state(home: Path) -> State:
    """Every row of every table, and the log's witness files: what must not change."""
    conn = sqlite3.connect(home / SQLITE_FILE)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out: State = {
            f"table {t}": sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables
        }
    finally:
        conn.close()
    for name in ("audit-head.json", "audit-witness.jsonl"):
        path = home / name
        out[name] = path.read_bytes() if path.exists() else None
    return out


def assert_unchanged(before: State, after: State) -> None:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"changed by a refused input: {changed}"


@contextmanager
def database_refuses(home: Path, table: str) -> Iterator[None]:
    """Make the real database refuse every INSERT into ``table`` (a full disk, a lost
    lock): the failure happens inside the transaction, after earlier writes."""
    conn = sqlite3.connect(home / SQLITE_FILE)
    conn.execute(
        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
    )
    conn.commit()
    conn.close()
    try:
        yield
    finally:
        conn = sqlite3.connect(home / SQLITE_FILE)
        conn.execute(f"DROP TRIGGER refuse_{table}")
        conn.commit()
        conn.close()


# ---------------------------------------------------------------------- rosters

NEXT_ROSTER = ROSTER_CSV.replace(
    "1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y"
).replace("1003,Harington,Christopher,Kit,4,102,Yes", "1003,Harington,Christopher,Kit,4,102,No")

BAD_ROSTERS: dict[str, bytes] = {
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "json": b'{"students": []}',
    "no_opt_out_column": b"Student ID,Last Name,First Name\r\n1001,Obama,Barry\r\n",
    "duplicate_ids": (
        b"Student ID,Last Name,First Name,Privacy Law Opt-Out\r\n"
        b"1001,Obama,Barry,Y\r\n1001,Biden,Joseph,N\r\n"
    ),
    "lost_leading_zeros": None,  # filled in the test: IDs that lost their zeros
    "unknown_flag": (
        b"Student ID,Last Name,First Name,Privacy Law Opt-Out\r\n1001,Obama,Barry,maybe\r\n"
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROSTERS))
def test_a_refused_roster_changes_nothing(copy_home: Path, tmp_path: Path, kind: str) -> None:
    data = BAD_ROSTERS[kind]
    if kind == "lost_leading_zeros":
        with open_workspace(copy_home) as ws:
            zero = write_roster(tmp_path / "zero.csv", ROSTER_CSV.replace("1008,", "0001008,"))
            apply_import(ws, preview_import(ws, zero), "office")
        data = ROSTER_CSV.encode()  # 0001008 in force; this file says 1008
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    before = state(copy_home)
    with open_workspace(copy_home) as ws, pytest.raises(UserError):
        apply_import(ws, preview_import(ws, path), "office")
    assert_unchanged(before, state(copy_home))


@pytest.mark.parametrize("table", ["roster_students", "audit_log"])
def test_a_roster_import_that_fails_half_way_changes_nothing(
    copy_home: Path, tmp_path: Path, table: str
) -> None:
    """The import writes the version, its students, deletes the references of a
    student who opted back in, then appends to the log: a failure at any of these
    undoes all of them, and Kit Harington's reference face is still there."""
    roster = write_roster(tmp_path / "next.csv", NEXT_ROSTER)
    before = state(copy_home)
    with open_workspace(copy_home) as ws:
        preview = preview_import(ws, roster)
        assert preview.diff.opted_back_in == ("1003",)
        with database_refuses(copy_home, table), pytest.raises(sqlite3.IntegrityError):
            apply_import(ws, preview, "office")
    assert_unchanged(before, state(copy_home))
    with open_workspace(copy_home) as ws:  # and the same import then works
        apply_import(ws, preview_import(ws, roster), "office")
    assert state(copy_home) != before


# ------------------------------------------------------------- picture-day index

BAD_INDEXES: dict[str, bytes] = {
    "empty": b"",
    "blank_lines": b"\r\n\r\n  \r\n",
    "binary": bytes(range(256)) * 4,
    "header_only": (PSPA_HEADER + "\r\n").encode(),
    "rows_without_image_names": (
        PSPA_HEADER + "\r\n" + pspa_row("Images", "", "05", "Obama", "Barry") + "\r\n"
    ).encode(),
    "names_not_told_apart": b"0001.jpg\tObama\tBarry\r\n0002.jpg\tHarington\tKit\r\n",
    "utf16_without_bom": "a\tb\r\n".encode("utf-16-le"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INDEXES))
def test_a_refused_picture_day_index_changes_nothing(
    copy_home: Path, tmp_path: Path, kind: str
) -> None:
    folder = write_picture_day(tmp_path / "picture-day", FACES)
    # Student 1002 opted out: there is something new to enroll if the index were read.
    with open_workspace(copy_home) as ws:
        apply_import(ws, preview_import(ws, write_roster(tmp_path / "r.csv", NEXT_ROSTER)), "o")
    (folder / "index.txt").write_bytes(BAD_INDEXES[kind])
    before = state(copy_home)
    with open_workspace(copy_home) as ws, pytest.raises(UserError):
        enroll(ws, plan_folder(ws, folder), "office")
    assert_unchanged(before, state(copy_home))


# --------------------------------------------------------------------- enrolling


def test_hostile_reference_photos_are_rejected_and_nothing_else_changes(
    copy_home: Path, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    bad = [
        hostile.png_claiming(photos / "bomb.png", 20000, 20000),
        hostile.jpeg_claiming(photos / "absurd.jpg", 65000, 65000),
        hostile.tiff_second_page_claiming(photos / "tall.tif", 60000, 60000),
        hostile.mp4_without_tracks(photos / "clip.jpg"),
    ]
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "text.jpg").write_text("not a photo")
    data = (FACES / "biden" / "biden2.jpg").read_bytes()
    (photos / "truncated.jpg").write_bytes(data[: len(data) // 3])
    bad += [photos / "empty.jpg", photos / "text.jpg", photos / "truncated.jpg"]
    with open_workspace(copy_home) as ws:
        apply_import(ws, preview_import(ws, write_roster(tmp_path / "r.csv", NEXT_ROSTER)), "o")
    before = state(copy_home)
    with open_workspace(copy_home) as ws:
        result = enroll(ws, plan_student(ws, "1002", bad), "office")
    assert result.added == {}
    assert len(result.rejected) == len(bad)
    assert all(r.reason for r in result.rejected)
    assert_unchanged(before, state(copy_home))


@pytest.mark.parametrize("table", ["face_references", "audit_log"])
def test_an_enrollment_that_fails_half_way_stores_nothing(
    copy_home: Path, tmp_path: Path, table: str
) -> None:
    """Two students' references, their data keys and the log records are one
    transaction: if the last write fails, none of the earlier ones stay."""
    with open_workspace(copy_home) as ws:
        apply_import(ws, preview_import(ws, write_roster(tmp_path / "r.csv", NEXT_ROSTER)), "o")
    folder = tmp_path / "by-id"
    folder.mkdir()
    shutil.copyfile(FACES / "biden" / "biden.jpg", folder / "1002.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", folder / "1001.jpg")
    before = state(copy_home)
    with open_workspace(copy_home) as ws:
        plan = plan_folder(ws, folder)
        assert {c.student.student_id for c in plan.candidates} == {"1001", "1002"}
        with database_refuses(copy_home, table), pytest.raises(sqlite3.IntegrityError):
            enroll(ws, plan, "office")
    assert_unchanged(before, state(copy_home))
    with open_workspace(copy_home) as ws:
        assert enroll(ws, plan_folder(ws, folder), "office").added == {"1001": 1, "1002": 1}
