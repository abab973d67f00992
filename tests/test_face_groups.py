"""Face groups (scan/groups.py): faces of one check that are the same person, and a flag
that reaches the group's other faces. The arithmetic on made-up encodings, then a real
check of real photos through the real models, its report and its log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES

from photoguard.errors import UserError
from photoguard.scan.groups import GROUP_DISTANCE, CheckedFace, face_groups, reached_by_flags


def _face(file: int, face: int, *coords: float, time_s: float | None = None) -> CheckedFace:
    encoding = np.zeros(128)
    encoding[: len(coords)] = coords
    return CheckedFace(file, face, (None, time_s), encoding)


def test_faces_near_each_other_directly_or_through_others_share_a_group() -> None:
    step = GROUP_DISTANCE * 0.9
    faces = [
        _face(0, 0, 0.0),
        _face(1, 0, step),  # near the first
        _face(2, 0, 2 * step),  # near the second only: the same group through it
        _face(3, 0, 5.0),  # far from all
        _face(4, 0, 0.0, GROUP_DISTANCE * 1.1),  # just too far from the first
    ]
    assert face_groups(faces) == [1, 1, 1, 2, 3]
    assert face_groups([]) == []


def test_two_faces_of_one_picture_are_never_linked_directly() -> None:
    same_photo = [_face(0, 0, 0.0), _face(0, 1, 0.01)]
    assert face_groups(same_photo) == [1, 2]
    # Two frames of one video are two pictures; one frame is one.
    frames = [_face(0, 0, 0.0, time_s=1.0), _face(0, 1, 0.01, time_s=1.5)]
    assert face_groups(frames) == [1, 1]
    one_frame = [_face(0, 0, 0.0, time_s=1.0), _face(0, 1, 0.01, time_s=1.0)]
    assert face_groups(one_frame) == [1, 2]


def test_a_flag_reaches_the_other_faces_of_its_group_only() -> None:
    faces = [_face(0, 0, 0.0), _face(1, 0, 0.1), _face(2, 0, 0.2), _face(3, 0, 9.0)]
    groups = face_groups(faces)
    flagged = {(0, 0): {"1001"}}
    reached = reached_by_flags(faces, groups, flagged, already={(0, 0): {"1001"}})
    assert [(m.face.file, m.student_id, m.via.file) for m in reached] == [
        (1, "1001", 0),
        (2, "1001", 0),
    ]
    assert reached[0].apart == pytest.approx(0.1)
    # A face that already is a finding for that student is not reached again.
    again = reached_by_flags(faces, groups, flagged, already={(0, 0): {"1001"}, (1, 0): {"1001"}})
    assert [m.face.file for m in again] == [2]
    # A review (not a flag) reaches nobody.
    assert reached_by_flags(faces, groups, {}, already={(0, 0): {"1001"}}) == []


def test_a_large_check_is_grouped_in_blocks_as_one() -> None:
    """More faces than one block of the distance computation (1024): a face in the last
    block links to its twin in the first."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(1500, 128))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)  # about 1.4 apart: no links
    faces = [CheckedFace(i, 0, (None, None), c) for i, c in enumerate(centres)]
    twin = CheckedFace(1500, 0, (None, None), centres[3] + 0.01)
    groups = face_groups([*faces, twin])
    assert len(set(groups)) == 1500
    assert groups[-1] == groups[3]


# ------------------------------------------------------------ a real check, real models


@pytest.fixture(scope="module")
def grouped_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose only reference of Obama (1001) is a partial-face crop: it is
    0.22 from obama.jpg's face and 0.38 from obama2.jpg's, which are 0.35 apart. He is an
    adult here (a birth date 23 years ago, no grade), so the check's own distances apply
    to him as they are (a child's band would widen the review distance)."""
    from faceworld import partial_face_school

    base = tmp_path_factory.mktemp("groups")
    return partial_face_school(base / "home", base / "roster.csv")


def _event(grouped_home: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the data folder, and an event folder: a_stage.jpg (obama.jpg,
    flagged at 0.28) and b_later.jpg (obama2.jpg, 0.38 from the reference, 0.35 from it)."""
    home = tmp_path / "home"
    shutil.copytree(grouped_home, home)
    event = tmp_path / "event"
    event.mkdir()
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "a_stage.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", event / "b_later.jpg")
    return home, event


def _check(home: Path, folder: Path, approve: bool = False) -> dict:
    from photoguard.scan.run import FileRevised, ScanFinished, ScanOptions, scan
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import with_overrides

    with open_workspace(home) as opened:
        # Flag within 0.28, review within 0.30: obama.jpg is flagged, obama2.jpg alone
        # is far enough to be clear.
        ws = opened.with_settings(
            with_overrides(opened.settings, match_distance=0.28, review_distance=0.30)
        )
        options = ScanOptions(approve_by="Ms Rivera" if approve else None, processes=1)
        events = list(scan(ws, [folder], options))
    report = next(e.report for e in events if isinstance(e, ScanFinished))
    revised = [e for e in events if isinstance(e, FileRevised)]
    return {"report": report, "revised": revised, "events": events}


@pytest.mark.faces
def test_the_same_child_far_from_the_reference_is_reached_by_a_flag_in_the_check(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(FACES / "obama" / "obama2.jpg", alone / "obama2.jpg")
    home = tmp_path / "home"
    shutil.copytree(grouped_home, home)
    (by_itself,) = _check(home, alone)["report"].files
    assert by_itself.verdict == "clear"  # far from the reference, nothing else to go by

    event = tmp_path / "event"
    event.mkdir()
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "a_stage.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", event / "b_later.jpg")
    shutil.copyfile(FACES / "biden" / "biden.jpg", event / "c_other.jpg")
    checked = _check(home, event)
    files = {r.rel: r for r in checked["report"].files}
    assert files["a_stage.jpg"].verdict == "flagged"
    assert files["b_later.jpg"].verdict == "review"
    assert files["c_other.jpg"].verdict == "clear"
    (reached,) = files["b_later.jpg"].findings
    assert reached.type == "possible_opted_out_face" and reached.student_id == "1001"
    assert "the same person as a face matched to this student in a_stage.jpg" in str(reached.detail)
    assert reached.distance is not None and reached.distance > 0.30  # its own distance
    (flag,) = files["a_stage.jpg"].findings
    assert flag.face_group is not None and reached.face_group == flag.face_group
    # The file was revised once every file was in: said as an event, and in the report.
    assert [(e.result.rel, e.was) for e in checked["revised"]] == [("b_later.jpg", "clear")]
    as_json = checked["report"].as_json()
    later = next(f for f in as_json["files"] if f["path"] == "b_later.jpg")
    assert later["verdict"] == "review" and later["findings"][0]["face_group"] == flag.face_group
    assert later["findings"][0]["age_band"] == "adult"  # judged as its student is
    import jsonschema

    from photoguard.scan.report_schema import REPORT_SCHEMA

    jsonschema.validate(as_json, REPORT_SCHEMA)

    # The log holds both records of the revised file; the newer one is what decisions
    # read, and the log (with the tables it vouches for) still verifies.
    from photoguard import audit
    from photoguard.scan.decisions import decide
    from photoguard.workspace.folder import open_workspace

    with open_workspace(home) as ws:
        with ws.db.snapshot() as tx:
            rows = tx.rows("SELECT body FROM audit_log WHERE action = 'scan.file' ORDER BY seq")
        bodies = [json.loads(r["body"]) for r in rows]
        later = [b["verdict"] for b in bodies if b["path"].endswith("b_later.jpg")]
        assert later[-2:] == ["clear", "review"]
        verified = audit.verify(ws.db, ws.school, ws.home)
        assert verified.ok, verified.reason
        with pytest.raises(UserError, match=r"review|look"):
            decide(ws, event / "b_later.jpg", "approve", by="Ms Rivera")


@pytest.mark.faces
def test_scan_approve_waits_for_the_groups_and_does_not_approve_a_reached_file(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    event = tmp_path / "event"
    event.mkdir()
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "a_stage.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", event / "b_later.jpg")
    shutil.copyfile(FACES / "biden" / "biden.jpg", event / "c_other.jpg")
    home = tmp_path / "home"
    shutil.copytree(grouped_home, home)
    from photoguard.scan.run import FileDecided, FileRevised

    events = _check(home, event, approve=True)["events"]
    decided = {e.result.rel: e.decision for e in events if isinstance(e, FileDecided)}
    assert decided == {"a_stage.jpg": "block", "b_later.jpg": "pending", "c_other.jpg": "approve"}
    # Every decision comes after the revision: none was made on a verdict that changed.
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("FileRevised") < kinds.index("FileDecided")
    assert isinstance(next(e for e in events if isinstance(e, FileRevised)), FileRevised)


@pytest.mark.faces
def test_a_safe_copy_covers_a_face_its_group_made_review(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """b_later.jpg's face is far from Obama's reference, but its check found it is the same
    person as a face flagged in a_stage.jpg: its safe copy covers it, and says why."""
    from photoguard.safecopy.make import make_safe_copy
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import with_overrides

    home, event = _event(grouped_home, tmp_path)
    assert {r.rel: r.verdict for r in _check(home, event)["report"].files}["b_later.jpg"] == (
        "review"
    )
    with open_workspace(home) as opened:
        ws = opened.with_settings(
            with_overrides(opened.settings, match_distance=0.28, review_distance=0.30)
        )
        preview = make_safe_copy(ws, event / "b_later.jpg", processes=1)
        (covered,) = preview.faces
        assert covered.student_id == "1001"
        assert covered.reason.startswith("the same person as a face matched to this student in")
        assert preview.rescan.verdict == "clear"
        # A copy of the same photo that no check grouped has nothing to cover.
        alone = tmp_path / "alone"
        alone.mkdir()
        shutil.copyfile(FACES / "obama" / "obama2.jpg", alone / "other_name.jpg")
        assert make_safe_copy(ws, alone / "other_name.jpg", processes=1).faces == ()


@pytest.mark.faces
def test_a_group_reached_face_is_found_in_a_file_that_already_has_a_finding_for_the_student(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """Each face is judged, not each file: a photo with a face flagged as Obama and, beside
    it, another face that is the same person as a face flagged in another photo gets a
    review finding for that second face too (before, a file with any finding for the
    student got none, and review-by-group or a safe copy could then miss the face)."""
    from PIL import Image

    home = tmp_path / "home"
    shutil.copytree(grouped_home, home)
    event = tmp_path / "event"
    event.mkdir()
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "a_stage.jpg")
    with (
        Image.open(FACES / "obama" / "obama.jpg") as a,
        Image.open(FACES / "obama" / "obama2.jpg") as b,
    ):
        left, right = a.convert("RGB"), b.convert("RGB")
        right = right.resize((right.width * left.height // right.height, left.height))
        both = Image.new("RGB", (left.width + right.width, left.height))
        both.paste(left, (0, 0))
        both.paste(right, (left.width, 0))
        both.save(event / "b_both.jpg", quality=92)
    files = {r.rel: r for r in _check(home, event)["report"].files}
    kinds = sorted(
        (f.type, "same person" in (f.detail or "")) for f in files["b_both.jpg"].findings
    )
    assert kinds == [("opted_out_face", False), ("possible_opted_out_face", True)]


@pytest.mark.faces
def test_not_the_student_never_approves_a_face_its_group_linked_to_a_flag(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """The person answering "not Obama" for a group sees its unsure faces, not the flagged
    face they are linked to: a file with such a face is left for a decision of its own."""
    from photoguard.scan.decisions import latest_decision
    from photoguard.scan.review import check_groups, decide_group
    from photoguard.workspace.folder import open_workspace

    home, event = _event(grouped_home, tmp_path)
    _check(home, event)
    with open_workspace(home) as ws:
        checked = check_groups(ws)
        (group,) = checked.groups
        assert [Path(p).name for p in group.files] == ["b_later.jpg"]
        with pytest.raises(UserError, match="needs your reason"):
            decide_group(ws, checked, group, is_student=False, by="Ms Rivera", student_name="B")
        (left,) = decide_group(
            ws, checked, group, is_student=False, by="Ms Rivera", student_name="Barry Obama",
            reason="that is not him",
        )  # fmt: skip
        assert left.result is None and "same person as a face matched" in str(left.left)
        assert latest_decision(ws, event / "b_later.jpg") is None


@pytest.mark.faces
def test_a_row_pointed_back_at_the_record_before_the_revision_is_refused(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """Behind photoguard's back, b_later.jpg's row is set to its first record of the check
    (clear, before its group revised it): approving it is refused, not granted."""
    from photoguard.files.pathtext import stored
    from photoguard.scan.decisions import decide
    from photoguard.workspace.folder import open_workspace

    home, event = _event(grouped_home, tmp_path)
    _check(home, event)
    path = stored((event / "b_later.jpg").resolve())
    with open_workspace(home) as ws:
        with ws.db.snapshot() as tx:
            rows = tx.rows(
                "SELECT seq, body FROM audit_log WHERE action = 'scan.file' ORDER BY seq"
            )
            first = next(
                int(r["seq"])
                for r in rows
                if json.loads(r["body"])["path"] == path
                and json.loads(r["body"])["verdict"] == "clear"
            )
        with ws.db.transaction() as tx:
            tx.execute(
                "UPDATE scan_files SET verdict = 'clear', record_seq = ? WHERE path = ?",
                (first, path),
            )
        with pytest.raises(UserError, match="newer check"):
            decide(ws, event / "b_later.jpg", "approve", by="Ms Rivera")


@pytest.mark.faces
def test_a_check_that_has_not_finished_is_not_approved_from(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's first record is written as soon as it is checked, before the face groups
    of the whole check may revise it: until the check's scan.finish record is in the log
    (a check killed or stopped midway never writes one), nothing is approved from it.
    Blocking stays possible."""
    from photoguard.scan import run
    from photoguard.scan.decisions import decide
    from photoguard.workspace.folder import open_workspace

    monkeypatch.setattr(run, "COMMIT_EVERY_S", 0.0)  # each file's record committed at once
    home = tmp_path / "home"
    shutil.copytree(grouped_home, home)
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copyfile(FACES / "biden" / "biden.jpg", folder / "biden.jpg")
    with open_workspace(home) as ws:
        events = run.scan(ws, [folder], run.ScanOptions(processes=1))
        for event in events:
            if isinstance(event, run.FileChecked):
                assert event.result.verdict == "clear"
                break
        events.close()  # the check stops here, as if killed: no scan.finish
        with pytest.raises(UserError, match="has not finished"):
            decide(ws, folder / "biden.jpg", "approve", by="Ms Rivera")
        assert decide(ws, folder / "biden.jpg", "block", by="Ms Rivera").decision == "block"
        list(run.scan(ws, [folder], run.ScanOptions(processes=1)))  # checked again, whole
        assert decide(ws, folder / "biden.jpg", "approve", by="Ms Rivera").decision == "approve"


@pytest.mark.faces
def test_bytes_a_group_linked_to_a_flag_are_not_simply_approved_after_a_check_alone(
    grouped_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """b_later.jpg, checked with a_stage.jpg, is review (its group links it to Obama's
    flagged face). Checked again on its own it is clear (nothing else to go by), but the
    earlier check's word on these bytes stands: no plain approval, only an override by a
    person who looked."""
    from photoguard.scan.decisions import decide
    from photoguard.workspace.folder import open_workspace

    home, event = _event(grouped_home, tmp_path)
    _check(home, event)
    alone = _check(home, event / "b_later.jpg")
    (again,) = alone["report"].files
    assert again.verdict == "clear"
    with open_workspace(home) as ws:
        with pytest.raises(UserError, match="same person as a face matched"):
            decide(ws, event / "b_later.jpg", "approve", by="Ms Rivera")
        done = decide(ws, event / "b_later.jpg", "override", by="Ms Rivera", reason="his cousin")
        assert done.decision == "override"
