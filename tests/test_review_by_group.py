"""Review by person (scan/review.py, ``photoguard review``): one decision for every file of
a face group, read from the approval log. A real check of real photos through the real
models, then real decisions in the log."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import FACES

from photoguard.errors import UserError
from photoguard.scan.report import FileResult
from photoguard.scan.report_schema import FINDING

pytestmark = pytest.mark.faces


@pytest.fixture(scope="module")
def checked_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Obama (1001, an adult here) has a partial-face crop as his only reference. Checked
    with flag 0.20 / review 0.40, obama.jpg (0.22 from it) and obama2.jpg (0.38) are both
    unsure faces of him, 0.35 apart: one face group. A copy of obama.jpg whose file name
    is his full name is in the group too, with a full-name finding besides."""
    from faceworld import partial_face_school

    from photoguard.scan.run import ScanOptions, scan
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import with_overrides

    base = tmp_path_factory.mktemp("review")
    home = partial_face_school(base / "home", base / "roster.csv")
    event = base / "event"
    event.mkdir()
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "a_stage.jpg")
    shutil.copyfile(FACES / "obama" / "obama2.jpg", event / "b_later.jpg")
    shutil.copyfile(FACES / "obama" / "obama.jpg", event / "Barry Obama at the fair.jpg")
    shutil.copyfile(FACES / "biden" / "biden.jpg", event / "d_other.jpg")
    with open_workspace(home) as ws:
        unsure = ws.with_settings(
            with_overrides(ws.settings, match_distance=0.20, review_distance=0.40)
        )
        list(scan(unsure, [event], ScanOptions(processes=1)))
    return home, event


def _copy(checked_home: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    home, event = checked_home
    shutil.copytree(home, tmp_path / "home")
    return tmp_path / "home", event


def test_the_check_lists_the_group_and_its_files_from_the_log(
    checked_home: tuple[Path, Path],
) -> None:
    from photoguard.files.pathtext import stored
    from photoguard.scan.review import check_groups
    from photoguard.workspace.folder import open_workspace

    home, event = checked_home
    with open_workspace(home) as ws:
        checked = check_groups(ws)
    (group,) = checked.groups
    assert group.student_id == "1001"
    names = {"a_stage.jpg", "b_later.jpg", "Barry Obama at the fair.jpg"}
    assert group.files == {stored((event / n).resolve()): 1 for n in names}


def test_not_the_student_approves_the_files_that_hold_only_the_groups_faces(
    checked_home: tuple[Path, Path], tmp_path: Path
) -> None:
    from photoguard import audit
    from photoguard.scan.decisions import latest_decision
    from photoguard.scan.review import check_groups, decide_group
    from photoguard.workspace.folder import open_workspace

    home, event = _copy(checked_home, tmp_path)
    with open_workspace(home) as ws:
        checked = check_groups(ws)
        (group,) = checked.groups
        done = decide_group(
            ws, checked, group, is_student=False, by="Ms Rivera", student_name="Barry Obama",
            reason="I teach him; that is his cousin",
        )  # fmt: skip
        by_name = {Path(d.path).name: d for d in done}
        assert by_name["a_stage.jpg"].result is not None
        assert by_name["a_stage.jpg"].result.decision == "override"
        assert by_name["b_later.jpg"].result is not None
        left = by_name["Barry Obama at the fair.jpg"]
        assert left.result is None and left.left == "it holds other findings: decide it on its own"
        latest = latest_decision(ws, event / "b_later.jpg")
        assert latest is not None and latest.decision == "override"
        assert "face group" in (latest.reason or "") and "is not Barry Obama" in (
            latest.reason or ""
        )
        assert latest_decision(ws, event / "Barry Obama at the fair.jpg") is None
        assert latest_decision(ws, event / "d_other.jpg") is None  # not in the group
        assert audit.verify(ws.db, ws.school, ws.home).ok


def test_the_student_blocks_every_file_of_the_group(
    checked_home: tuple[Path, Path], tmp_path: Path
) -> None:
    from photoguard.scan.decisions import latest_decision
    from photoguard.scan.review import check_groups, decide_group
    from photoguard.workspace.folder import open_workspace

    home, event = _copy(checked_home, tmp_path)
    with open_workspace(home) as ws:
        checked = check_groups(ws)
        (group,) = checked.groups
        done = decide_group(
            ws, checked, group, is_student=True, by="Ms Rivera", student_name="Barry Obama"
        )
        assert [d.result.decision if d.result else d.left for d in done] == ["block"] * 3
        decided = latest_decision(ws, event / "Barry Obama at the fair.jpg")
        assert decided is not None and decided.decision == "block"


def test_the_command_lists_decides_and_refuses_without_a_reason(
    checked_home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from photoguard.cli.main import main
    from photoguard.scan.review import check_groups
    from photoguard.workspace.folder import open_workspace

    home, _event = _copy(checked_home, tmp_path)
    assert main(["--home", str(home), "review"]) == 0
    out = capsys.readouterr().out
    assert "1 face group to look at" in out
    assert "may be Barry Obama (1001), 3 faces in 3 files" in out
    with open_workspace(home) as ws:
        (group,) = check_groups(ws).groups
    number = str(group.group)
    assert main(["--home", str(home), "review", "--group", number, "--not"]) == 2
    assert "give your --reason" in capsys.readouterr().err
    assert main(["--home", str(home), "review", "--group", "99", "--is"]) == 2
    assert "has no face group 99" in capsys.readouterr().err
    # Decided with a reason: two approved, one left (exit 1: not every file was decided).
    argv = ["--home", str(home), "review", "--group", number, "--not", "--by", "Ms Rivera"]
    assert main([*argv, "--reason", "not him"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("override") for line in lines) == 2
    assert any(line.startswith("left") and "Barry Obama at the fair" in line for line in lines)
    assert "Your answer is kept for 3 faces for 30 days" in "\n".join(lines)


def test_a_check_with_nothing_unsure_has_no_group_and_says_so(
    checked_home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from photoguard.cli.main import main
    from photoguard.scan.review import check_groups
    from photoguard.scan.run import ScanOptions, scan
    from photoguard.workspace.folder import open_workspace

    home, _event = _copy(checked_home, tmp_path)
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copyfile(FACES / "biden" / "biden.jpg", plain / "biden.jpg")
    with open_workspace(home) as ws:
        list(scan(ws, [plain], ScanOptions(processes=1)))
        assert check_groups(ws).groups == ()
        with pytest.raises(UserError, match="no finished check to review with number 999"):
            check_groups(ws, 999)
    assert main(["--home", str(home), "review"]) == 0
    assert "has no unsure faces to review" in capsys.readouterr().out


def test_a_confirmed_face_becomes_a_reference_and_the_next_check_is_sure(
    checked_home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "It's Barry", with --add-reference: the group's clearest face (a photo holding one
    face of his) is added to his references, logged as an enrollment naming the check and
    the group; the next check of the same photos is sure of the photo it came from."""
    from photoguard import audit
    from photoguard.audit import bodies
    from photoguard.cli.main import main
    from photoguard.references.enroll import status
    from photoguard.scan.review import check_groups
    from photoguard.scan.run import ScanFinished, ScanOptions, scan
    from photoguard.vocab import LogAction
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import with_overrides

    home, event = _copy(checked_home, tmp_path)
    with open_workspace(home) as ws:
        (group,) = check_groups(ws).groups
        (before,) = [e.references for e in status(ws) if e.student.student_id == "1001"]
    argv = ["--home", str(home), "review", "--group", str(group.group), "--is", "--by", "Ms Rivera"]
    assert main([*argv, "--add-reference"]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith("block") for line in out.splitlines()) == 3
    assert "Added one more reference of 1001 (check" in out
    with open_workspace(home) as ws:
        (after,) = [e.references for e in status(ws) if e.student.student_id == "1001"]
        assert after == before + 1
        with ws.db.snapshot() as tx:
            (added,) = [
                r.body_as(bodies.EnrollAdd)
                for r in audit.records_of(tx, ws.school, [LogAction.ENROLL_ADD])
                if "face group" in str(r.body.get("source"))
            ]
        assert added is not None and added.references_added == 1
        assert f"face group {group.group} (a face a person confirmed)" in str(added.source)
        assert audit.verify(ws.db, ws.school, ws.home).ok
        again = ws.with_settings(
            with_overrides(ws.settings, match_distance=0.20, review_distance=0.40)
        )
        events = list(scan(again, [event], ScanOptions(processes=1)))
    report = next(e.report for e in events if isinstance(e, ScanFinished))
    verdicts = {r.rel: r.verdict for r in report.files}
    assert verdicts["b_later.jpg"] == "flagged"  # its own face (the widest) is a reference now
    assert verdicts["a_stage.jpg"] == "review"
    # Only a face a person confirmed is added.
    assert main([*argv[:-3], "--not", "--reason", "x", "--add-reference"]) == 2
    assert "--add-reference goes with --is" in capsys.readouterr().err


def test_a_group_names_every_student_its_faces_may_be() -> None:
    """Unsure faces of one group near Ana and also near Ben and Cy: one group to review for
    Ana, naming Ben and Cy too, so that "none of them" speaks for all three; the log's
    form of it reads back the same."""
    from photoguard.scan.review import GroupToReview, groups_to_review
    from photoguard.scan.verdict import Finding

    unsure = "possible_opted_out_face"
    files = [
        ("/e/a.jpg", [Finding(unsure, student_id="A", face_group=3, also_students=("B",))]),
        ("/e/b.jpg", [Finding(unsure, student_id="A", face_group=3, also_students=("C", "B"))]),
        ("/e/c.jpg", [Finding("opted_out_face", student_id="A", face_group=3)]),
    ]
    (group,) = groups_to_review(files)
    assert group.students == ("A", "B", "C")
    assert group.files == {"/e/a.jpg": 1, "/e/b.jpg": 1}
    assert GroupToReview.from_json(group.as_json()) == group
    assert "also" not in GroupToReview(1, "A", {"/x": 1}).as_json()  # as before when alone


def test_one_row_per_face_group_whichever_students_its_faces_came_nearest_to() -> None:
    """A person looks at one person once: a group whose faces came nearest to different
    students is one group to review, for the nearest of all, naming the others."""
    from photoguard.scan.review import CheckGroups, groups_to_review
    from photoguard.scan.verdict import Finding

    unsure = "possible_opted_out_face"
    files = [
        ("/e/a.jpg", [Finding(unsure, student_id="A", distance=0.52, face_group=4)]),
        ("/e/b.jpg", [Finding(unsure, student_id="B", distance=0.47, face_group=4)]),
        ("/e/c.jpg", [Finding(unsure, student_id="A", distance=0.50, face_group=5)]),
    ]
    four, five = groups_to_review(files)
    assert (four.group, four.students, four.files) == (
        4,
        ("B", "A"),
        {"/e/a.jpg": 1, "/e/b.jpg": 1},
    )
    assert (five.group, five.students) == (5, ("A",))
    checked = CheckGroups(9, (four, five))
    assert checked.find(4) == checked.find(4, "A") == checked.find(4, "B") == four
    with pytest.raises(UserError, match="no face group 5 to review that may be student B"):
        checked.find(5, "B")


def _check_again(home: Path, event: Path, flag: float = 0.20) -> dict[str, FileResult]:
    from photoguard.scan.run import ScanFinished, ScanOptions, scan
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import with_overrides

    with open_workspace(home) as ws:
        again = ws.with_settings(
            with_overrides(ws.settings, match_distance=flag, review_distance=0.40)
        )
        events = list(scan(again, [event], ScanOptions(processes=1)))
    report = next(e.report for e in events if isinstance(e, ScanFinished))
    return {r.rel: r for r in report.files}


def test_not_the_student_is_remembered_for_those_faces_while_the_cache_keeps_them(
    checked_home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Not Barry" for the group: checking the same photos again does not ask about
    those faces again (they are told as answered, and the photos holding nothing else
    are clear), until the cache is cleared; the answer is kept sealed, never in the
    clear, and a face the check is now sure of is flagged whatever was answered."""
    from photoguard.cli.main import main
    from photoguard.scan.cache import CACHE_FILE
    from photoguard.scan.review import check_groups, decide_group
    from photoguard.workspace.folder import open_workspace

    home, event = _copy(checked_home, tmp_path)
    with open_workspace(home) as ws:
        checked = check_groups(ws)
        (group,) = checked.groups
        decide_group(
            ws, checked, group, is_student=False, by="Ms Rivera", student_name="Barry Obama",
            reason="I teach him; that is his cousin",
        )  # fmt: skip
    kept = (home / CACHE_FILE).read_bytes()
    assert b"Rivera" not in kept and b"1001" not in kept  # sealed

    files = _check_again(home, event)
    for name in ("a_stage.jpg", "b_later.jpg"):
        result = files[name]
        assert result.verdict == "clear", name
        (face,) = result.findings
        assert face.type == "answered_face" and face.student_id == "1001"
        jsonschema.validate(face.as_json(), FINDING)  # the report's form of it
        said = face.detail or ""
        assert said.startswith("Ms Rivera said on ")
        assert "that this face is not Barry Obama (face group" in said
    named = files["Barry Obama at the fair.jpg"]
    assert named.verdict == "flagged"
    assert {f.type for f in named.findings} == {"full_name", "answered_face"}
    assert files["d_other.jpg"].verdict == "clear"
    with open_workspace(home) as ws:
        assert check_groups(ws).groups == ()  # nothing to ask again

    # Sure of obama.jpg's face (0.22 within 0.30): flagged, the answer notwithstanding;
    # obama2.jpg's face is the same person (0.35 apart): review again, through the group.
    files = _check_again(home, event, flag=0.30)
    assert files["a_stage.jpg"].verdict == "flagged"
    later = files["b_later.jpg"]
    assert later.verdict == "review"
    assert "possible_opted_out_face" in {f.type for f in later.findings}

    # The cache cleared, the answers go with it: asked again.
    assert main(["--home", str(home), "cache", "clear"]) == 0
    capsys.readouterr()
    files = _check_again(home, event)
    assert files["a_stage.jpg"].verdict == "review"


def test_an_answer_speaks_only_for_the_face_and_the_students_it_was_given_for() -> None:
    from photoguard.scan.answers import NotTheStudents
    from photoguard.scan.verdict import Finding

    answer = NotTheStudents(("A", "B"), (100, 100, 80, 80), None, 3, 2, "Ms Rivera", "2026-12-04")
    assert NotTheStudents.from_json(answer.as_json()) == answer
    unsure = Finding("possible_opted_out_face", student_id="A", box=(104, 98, 80, 82))
    assert answer.covers(unsure)
    assert answer.covers(Finding(**{**unsure.__dict__, "also_students": ("B",)}))
    # A student it was not said for (newly opted out, say): asked again.
    assert not answer.covers(Finding(**{**unsure.__dict__, "also_students": ("C",)}))
    assert not answer.covers(Finding(**{**unsure.__dict__, "student_id": "C"}))
    # Another face, a sure face, a face at a time in a video: not this answer's.
    assert not answer.covers(Finding(**{**unsure.__dict__, "box": (300, 100, 80, 80)}))
    assert not answer.covers(Finding(**{**unsure.__dict__, "type": "opted_out_face"}))
    assert not answer.covers(Finding(**{**unsure.__dict__, "time_s": 1.5}))
    assert NotTheStudents.from_json({**answer.as_json(), "box": [1, 2]}) is None
