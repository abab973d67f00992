"""Faces to look at (ui/dialogs/faces_to_look_at.py): after a check, one row per person the
check was unsure of, decided once for all their photos. A real check in the real window,
real decisions in the approval log."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from gui.guitools import drop_paths, idle, wait_for_check

pytestmark = [pytest.mark.gui, pytest.mark.faces]


def unsure_school(tmp_path: Path, faces: Path) -> tuple[Path, Path]:
    """Obama (1001, an adult here) has a partial-face crop as his only reference; the data
    folder flags within 0.20 and reviews within 0.40, so obama.jpg (0.22 from it) and
    obama2.jpg (0.38) are unsure faces of him, 0.35 apart: one person. A copy of obama.jpg
    named with his full name holds a full-name finding too."""

    from faceworld import partial_face_school

    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import save_settings

    home = partial_face_school(tmp_path / "home", tmp_path / "r.csv")
    with open_workspace(home) as ws:
        save_settings(home, replace(ws.settings, match_distance=0.20, review_distance=0.40))
    event = tmp_path / "spring fair"
    event.mkdir()
    shutil.copyfile(faces / "obama" / "obama.jpg", event / "a_stage.jpg")
    shutil.copyfile(faces / "obama" / "obama2.jpg", event / "b_later.jpg")
    shutil.copyfile(faces / "obama" / "obama.jpg", event / "Barry Obama at the fair.jpg")
    shutil.copyfile(faces / "biden" / "biden.jpg", event / "d_other.jpg")
    return home, event


def test_one_answer_decides_every_photo_of_the_person(
    qtbot, make_window, tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from photoguard.scan.decisions import latest_decision
    from ui.dialogs.faces_to_look_at import FacesToLookAt

    home, event = unsure_school(tmp_path, fixtures_dir / "faces")
    window = make_window(home, user="Ms. Rivera")
    idle(qtbot, window)
    check = window.check
    assert not check.faces_button.isEnabled()
    drop_paths(check.drop, [event])
    wait_for_check(qtbot, window)
    assert check.faces_button.isEnabled()
    assert check.faces_button.text() == "Faces to &look at (1)…"
    check.faces_button.click()
    dialog = check.faces_dialog
    assert isinstance(dialog, FacesToLookAt)
    (row,) = dialog.row_widgets
    assert row.title() == "May be Barry Obama? 3 faces in 3 photos"
    assert row.yes.text() == "It's Barry" and row.no.text() == "Not Barry"
    # The reference photo and the faces are shown, the faces loaded off the UI thread.
    qtbot.waitUntil(lambda: row.faces_note.text() != "loading the faces…", timeout=30_000)
    shown = [row.faces.itemAt(i).widget() for i in range(row.faces.count())]
    assert sum(isinstance(w, QLabel) and not w.pixmap().isNull() for w in shown) == 3
    dialog.grab().save(str(tmp_path / "faces-to-look-at.png"))

    # A reason too short records nothing (N answers the first row not yet answered).
    monkeypatch.setattr(dialog, "ask_reason", lambda _row: "no")
    qtbot.keyClick(dialog, Qt.Key.Key_N)
    assert row.outcome.text().startswith("Nothing recorded")
    assert latest_decision(window.session.ws, event / "b_later.jpg") is None
    # A real reason: the two photos that hold only his unsure faces are approved; the
    # one named with his full name is left, and says why.
    monkeypatch.setattr(dialog, "ask_reason", lambda _row: "that is his cousin; I teach both")
    row.no.click()
    assert row.outcome.text() == (
        "Approved 2 photos. Left Barry Obama at the fair.jpg: it holds other findings: "
        "decide it on its own. A check of the same photos will not ask about these faces again."
    )
    assert not row.yes.isEnabled() and not row.no.isEnabled()
    for name in ("a_stage.jpg", "b_later.jpg"):
        decided = latest_decision(window.session.ws, event / name)
        assert decided is not None and decided.decision == "override"
        assert decided.by == "Ms. Rivera" and "that is his cousin" in (decided.reason or "")
    assert latest_decision(window.session.ws, event / "Barry Obama at the fair.jpg") is None
    dialog.close()


def test_its_them_blocks_and_adds_a_face_as_a_reference_when_the_window_closes(
    qtbot, make_window, tmp_path: Path, fixtures_dir: Path
) -> None:
    from photoguard.references.enroll import status
    from photoguard.scan.decisions import latest_decision

    home, event = unsure_school(tmp_path, fixtures_dir / "faces")
    window = make_window(home, user="Ms. Rivera")
    idle(qtbot, window)
    check = window.check
    drop_paths(check.drop, [event])
    wait_for_check(qtbot, window)
    check.faces_button.click()
    dialog = check.faces_dialog
    (row,) = dialog.row_widgets
    assert row.learn.isChecked()  # this year's face is the best reference: on by default
    qtbot.keyClick(dialog, Qt.Key.Key_I)
    assert row.outcome.text() == "Blocked 3 photos."
    for name in ("a_stage.jpg", "b_later.jpg", "Barry Obama at the fair.jpg"):
        decided = latest_decision(window.session.ws, event / name)
        assert decided is not None and decided.decision == "block"

    def references() -> int:
        (n,) = [e.references for e in status(window.session.ws) if e.student.student_id == "1001"]
        return n

    assert references() == 1  # not before the window closes
    dialog.close()
    assert references() == 2
    assert "Added one of the faces of this check to Barry Obama's reference photos" in (
        check.message.text()
    )


def test_a_row_that_may_be_several_students_lets_the_person_say_which(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row per person: when the faces may be Ana or Ben, "It's Ana" answers for the
    nearest, and "It's one of the others…" asks which of the rest it is."""
    from PySide6.QtWidgets import QInputDialog

    from photoguard.scan.review import GroupToReview
    from ui.dialogs.faces_to_look_at import GroupFaces, GroupRow

    group = GroupToReview(4, "A", {"/e/a.jpg": 1, "/e/b.jpg": 1}, ("B", "C"))
    row = GroupRow(GroupFaces(group, "Ana Diaz", (), ("Ben Ode", "Cy Park")), [])
    qtbot.addWidget(row)
    said: list[tuple[bool, str]] = []
    row.answered.connect(lambda _w, is_student, sid: said.append((is_student, sid)))
    assert row.title() == "May be Ana Diaz (or Ben Ode, Cy Park)? 2 faces in 2 photos"
    assert row.yes.text() == "It's Ana" and row.no.text() == "None of them"
    assert row.other is not None
    asked: list[list[str]] = []

    def choose(_parent, _title, _label, names, *_args):
        asked.append(list(names))
        return "Cy Park", True

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    row.other.click()
    row.yes.click()
    assert asked == [["Ben Ode", "Cy Park"]]
    assert said == [(True, "C"), (True, "A")]
