"""Enrolling reference faces: picture-day index, photos named by ID, one student; only
opted-out students; the quality gate; idempotence; roster refreshes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import FACES, FIXTURES
from faceworld import ROSTER_CSV, pspa_row, write_roster

from photoguard.errors import UserError
from photoguard.references.enroll import (
    enroll,
    load_reference_set,
    plan_folder,
    plan_student,
    status,
)
from photoguard.roster.importing import apply_import, preview_import
from photoguard.workspace.folder import Workspace, open_workspace

pytestmark = pytest.mark.faces


def _counts(ws: Workspace) -> dict[str, int]:
    return {s.student.student_id: s.references for s in status(ws)}


def _reimport(ws: Workspace, tmp_path: Path, text: str) -> None:
    roster = write_roster(tmp_path / "roster-next.csv", text)
    apply_import(ws, preview_import(ws, roster), "office")


@pytest.mark.sqlite_only
def test_picture_day_enrolls_opted_out_students_only(enrolled_home: Path) -> None:
    with open_workspace(enrolled_home) as ws:
        assert _counts(ws) == {"1001": 1, "1003": 1, "1006": 1, "1007": 0}
        refs = load_reference_set(ws)
    assert sorted(refs.student_ids) == ["1001", "1003", "1006"]
    db = sqlite3.connect(enrolled_home / "photoguard.sqlite")
    keyed = {r[0] for r in db.execute("SELECT student_id FROM student_keys")}
    db.close()
    assert keyed == {"1001", "1003", "1006"}  # Biden and Leslie: nothing stored at all


def test_rerun_is_idempotent_and_lists_what_it_could_not_match(
    copy_home: Path, tmp_path: Path
) -> None:
    from faceworld import write_picture_day

    picday = write_picture_day(tmp_path / "pd", FACES)
    with open_workspace(copy_home) as ws:
        result = enroll(ws, plan_folder(ws, picday), "office")
        assert result.added == {} and result.already_enrolled == 3
        assert result.plan.not_opted_out == 2
        assert [u.reason for u in result.plan.unmatched] == ["no roster student named 'Jane Doe'"]
        assert [s.student_id for s in result.coverage_gaps] == ["1007"]
        assert _counts(ws)["1001"] == 1


def test_after_a_roster_refresh_only_newly_opted_out_students_are_enrolled(
    copy_home: Path, tmp_path: Path
) -> None:
    from faceworld import write_picture_day

    picday = write_picture_day(tmp_path / "pd", FACES)
    with open_workspace(copy_home) as ws:
        _reimport(
            ws,
            tmp_path,
            ROSTER_CSV.replace("1002,Biden,Joseph,,5,101,N", "1002,Biden,Joseph,,5,101,Y"),
        )
        result = enroll(ws, plan_folder(ws, picday), "office")
        assert result.added == {"1002": 1}
        assert _counts(ws) == {"1001": 1, "1002": 1, "1003": 1, "1006": 1, "1007": 0}


@pytest.mark.sqlite_only
def test_opting_back_in_deletes_references_with_the_import(copy_home: Path, tmp_path: Path) -> None:
    with open_workspace(copy_home) as ws:
        _reimport(
            ws,
            tmp_path,
            ROSTER_CSV.replace(
                "1003,Harington,Christopher,Kit,4,102,Yes",
                "1003,Harington,Christopher,Kit,4,102,No",
            ),
        )
        assert "1003" not in _counts(ws)
        assert "1003" not in load_reference_set(ws).student_ids
    db = sqlite3.connect(copy_home / "photoguard.sqlite")
    assert db.execute(
        "SELECT count(*) FROM face_references WHERE student_id='1003'"
    ).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM student_keys WHERE student_id='1003'").fetchone() == (
        0,
    )
    db.close()


def test_photos_named_by_student_id_and_the_quality_gate(copy_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "aspen-photos"
    folder.mkdir()
    shutil.copyfile(FACES / "obama" / "obama2.jpg", folder / "1001.jpg")  # a second reference
    shutil.copyfile(FACES / "obama" / "obama-240p.jpg", folder / "1001_2.jpg")  # face too small
    shutil.copyfile(FACES / "groups" / "kit_rose.jpg", folder / "1003.jpg")  # two faces
    shutil.copyfile(FACES / "biden" / "biden2.jpg", folder / "1002.jpg")  # not opted out
    shutil.copyfile(FACES / "rose_leslie" / "rose2.jpg", folder / "9999.jpg")  # not on roster
    (folder / "1006.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")  # unreadable
    with open_workspace(copy_home) as ws:
        result = enroll(ws, plan_folder(ws, folder), "office")
        assert result.added == {"1001": 1}
        reasons = {r.label: r.reason for r in result.rejected}
        assert "px wide; at least 80 px is needed" in reasons["1001_2.jpg"]
        assert reasons["1003.jpg"] == "2 faces found; a reference photo must show exactly one"
        assert "truncated" in reasons["1006.jpg"]
        assert result.plan.not_opted_out == 1
        assert [u.label for u in result.plan.unmatched] == ["9999.jpg"]
        assert _counts(ws)["1001"] == 2


def test_a_photo_with_no_face_is_refused_in_plain_words(copy_home: Path, tmp_path: Path) -> None:
    """The office is told what went wrong and what to do next, and nothing is stored."""
    from PIL import Image

    photo = tmp_path / "1001.jpg"
    Image.new("RGB", (600, 800), (200, 180, 160)).save(photo)  # a backdrop, nobody in it
    with open_workspace(copy_home) as ws:
        before = _counts(ws)
        result = enroll(ws, plan_student(ws, "1001", [photo]), "office")
        (refused,) = result.rejected
        assert refused.reason.startswith("no face could be found in this photo")
        assert "choose another" in refused.reason
        assert result.added == {} and _counts(ws) == before


@pytest.mark.parametrize(
    ("source", "turns"),
    [
        (FIXTURES / "children" / "images" / "001A05.JPG", 1),  # a five-year-old's portrait
        (FACES / "biden" / "biden.jpg", 3),
    ],
)
def test_a_picture_day_print_scanned_on_its_side_is_enrolled(
    copy_home: Path, tmp_path: Path, source: Path, turns: int
) -> None:
    """No orientation tag, the face lying on its side in the pixels, where the detector
    does not find it as it lies (these two): the photo is searched turned, as a scan
    searches such a photo, and the face enrolled is the same face, its box where it lies."""
    import numpy as np
    from PIL import Image

    from photoguard.scan.analysis import AnalysisOptions, analyze_reference

    with Image.open(source) as im:
        upright = im.convert("RGB")
    sideways = tmp_path / "1001.png"
    Image.fromarray(np.rot90(np.asarray(upright), turns)).save(sideways)
    options = AnalysisOptions(48, 4.0, encode=True)
    (face,) = analyze_reference(sideways, options).faces
    (plain,) = analyze_reference(source, options).faces
    assert face.encoding is not None and plain.encoding is not None
    assert float(np.linalg.norm(face.encoding - plain.encoding)) < 0.15
    # The box is where the face lies in the sideways picture: its sides swapped.
    assert face.box.width == pytest.approx(plain.box.height, rel=0.15)
    assert face.box.left + face.box.width <= upright.height
    with open_workspace(copy_home) as ws:
        before = _counts(ws)["1001"]
        result = enroll(ws, plan_student(ws, "1001", [sideways]), "office")
        assert result.rejected == () and result.added == {"1001": 1}
        assert _counts(ws)["1001"] == before + 1


def test_one_students_photos(copy_home: Path) -> None:
    with open_workspace(copy_home) as ws:
        result = enroll(
            ws, plan_student(ws, "1007", [FACES / "alex_lacamoire" / "alex1.jpg"]), "office"
        )
        assert result.added == {"1007": 1} and result.coverage_gaps == ()
        with pytest.raises(UserError, match="not opted out"):
            plan_student(ws, "1002", [FACES / "biden" / "biden.jpg"])
        with pytest.raises(UserError, match="no student with ID"):
            plan_student(ws, "4242", [FACES / "biden" / "biden.jpg"])


def test_index_rows_by_id_without_header_and_ambiguous_names(
    copy_home: Path, tmp_path: Path
) -> None:
    with open_workspace(copy_home) as ws:
        _reimport(ws, tmp_path, ROSTER_CSV + "1009,Lee,Kim,,3,103,Y\r\n1010,Lee,Kim,,4,104,Y\r\n")
        # A short vendor variant: file, ID, names; no header.
        short = tmp_path / "short"
        short.mkdir()
        shutil.copyfile(FACES / "biden" / "biden.jpg", short / "a.jpg")
        (short / "index.txt").write_bytes(b"a.jpg\t1010\tLee\tKim\r\nb.jpg\t4242\tNobody\tHere\r\n")
        plan = plan_folder(ws, short)
        assert [(c.student.student_id, c.label) for c in plan.candidates] == [("1010", "a.jpg")]
        assert [u.reason for u in plan.unmatched] == ["its ID is not on the roster"]
        # The 13-field layout: two Kim Lees, told apart by grade only when it is given.
        full = tmp_path / "full"
        full.mkdir()
        shutil.copyfile(FACES / "biden" / "biden.jpg", full / "k4.jpg")
        rows = [pspa_row("", "k4.jpg", "4", "Lee", "Kim"), pspa_row("", "k4.jpg", "", "Lee", "Kim")]
        (full / "index.txt").write_text("\r\n".join(rows) + "\r\n")
        plan = plan_folder(ws, full)
        assert [c.student.student_id for c in plan.candidates] == ["1010"]
        assert [u.reason for u in plan.unmatched] == [
            "more than one roster student matches: 1009, 1010"
        ]


def test_enrolling_without_a_roster_is_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no roster has been imported"):
        plan_folder(ws, tmp_path)
