"""Reference faces in the app: enroll picture day, see who is missing and what was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from faceworld import write_picture_day, write_roster
from PySide6.QtCore import Qt

from gui.guitools import drop_paths, idle
from photoguard.audit.view import LogFilter, read_records
from photoguard.roster.importing import apply_import, preview_import
from photoguard.workspace.folder import open_workspace
from ui.models.references import COL_FACES, COL_STATUS, MISSING_ROLE, STUDENT_ID_ROLE

pytestmark = [pytest.mark.gui, pytest.mark.faces]


def rows(page) -> dict[str, tuple[str, str, bool]]:
    model = page.model
    return {
        model.index(r, 0).data(STUDENT_ID_ROLE): (
            model.index(r, COL_FACES).data(Qt.ItemDataRole.DisplayRole),
            model.index(r, COL_STATUS).data(Qt.ItemDataRole.DisplayRole),
            model.index(r, 0).data(MISSING_ROLE),
        )
        for r in range(model.rowCount())
    }


def test_enroll_picture_day_then_see_missing_and_refused_photos(
    qtbot, make_window, home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    with open_workspace(home) as ws:
        roster = write_roster(tmp_path / "roster.csv")
        apply_import(ws, preview_import(ws, roster), "office")
    picture_day = write_picture_day(tmp_path / "picture day", fixtures_dir / "faces")
    window = make_window(home)
    window.show_page("faces")
    page = window.faces
    idle(qtbot, window)
    assert page.stack.currentIndex() == 1
    assert {sid: r[2] for sid, r in rows(page).items()} == {
        "1001": True,
        "1003": True,
        "1006": True,
        "1007": True,
    }
    assert "4 opted-out students have no reference face" in page.message.text()

    with qtbot.waitSignal(page.enrolled, timeout=120_000) as enrolled:
        drop_paths(page.drop, [picture_day])
    result = enrolled.args[0]
    idle(qtbot, window)
    assert sorted(result.added) == ["1001", "1003", "1006"]
    assert rows(page)["1001"] == ("1", "Ready", False)
    assert rows(page)["1007"] == ("Missing", "! Missing", True)
    assert "Nemo Nobody (1007)" in page.message.text()
    # Picture day listed Jane Doe, who is not on the roster: listed, never guessed.
    unmatched = [page.unmatched.item(i).text() for i in range(page.unmatched.count())]
    assert unmatched == ["index.txt line 7 (0099.jpg): no roster student named 'Jane Doe'"]
    # Each enrolled student's thumbnail, decrypted off the UI thread.
    ids = [page.model.index(r, 0).data(STUDENT_ID_ROLE) for r in range(page.model.rowCount())]
    obama = ids.index("1001")
    page.table.selectRow(obama)
    qtbot.waitUntil(lambda: page.thumbs.count() == 1, timeout=10_000)
    assert "1 reference face(s)" in page.missing.text()

    # A photo named by ID that shows two faces is refused, with the reason.
    by_id = tmp_path / "by id"
    by_id.mkdir()
    shutil.copyfile(fixtures_dir / "faces" / "groups" / "kit_rose.jpg", by_id / "1007.jpg")
    with qtbot.waitSignal(page.enrolled, timeout=120_000):
        page.enroll_folder(by_id)
    idle(qtbot, window)
    refused = [page.rejected.item(i).text() for i in range(page.rejected.count())]
    assert refused == ["1007.jpg (1007): 2 faces found; a reference photo must show exactly one"]
    assert page.side.currentIndex() == 1  # the refusals are shown, not hidden
    assert rows(page)["1007"][2] is True
    added = read_records(window.session.ws, LogFilter(action="enroll.add"))
    assert sorted(r.body["student_id"] for r in added) == ["1001", "1003", "1006"]
    assert {r.actor for r in added} == {"Ms. Tan"}
    # The check page no longer shows the first-run guide, only a line about Nemo.
    assert not window.check.guide.isVisibleTo(window.check)
    assert window.check.gap_bar.text().startswith("1 opted-out student has no reference face")


def _choose(page, student_id: str) -> None:
    ids = [page.model.index(r, 0).data(STUDENT_ID_ROLE) for r in range(page.model.rowCount())]
    page.table.selectRow(ids.index(student_id))


def test_delete_a_students_reference_faces_after_asking(
    qtbot, make_window, copy_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office deletes one student's faces from the app (a parent's request): asked first,
    a cancel deletes nothing, and the log records who and why."""
    from PySide6.QtWidgets import QDialog

    from photoguard.references import stored as ref_store
    from ui.dialogs.purge import PurgeDialog

    window = make_window(copy_home, user="Mr. Office")
    window.show_page("faces")
    page = window.faces
    idle(qtbot, window)
    _choose(page, "1003")
    assert rows(page)["1003"][2] is False
    qtbot.waitUntil(page.delete_button.isEnabled, timeout=10_000)

    shown: list[str] = []

    def answer(reply: QDialog.DialogCode, reason: str):
        def exec_(dialog: PurgeDialog) -> int:
            shown.append(dialog.findChildren(type(page.missing))[0].text())
            dialog.reason_edit.setText(reason)
            return reply.value

        return exec_

    # Cancel: nothing happens.
    monkeypatch.setattr(PurgeDialog, "exec", answer(QDialog.DialogCode.Rejected, "no"))
    page.delete_button.click()
    idle(qtbot, window)
    assert "Kit Harington (1003)" in shown[0] and "stays opted out" in shown[0]
    assert rows(page)["1003"][2] is False
    assert read_records(window.session.ws, LogFilter(action="purge")) == []

    # Delete, with a reason.
    monkeypatch.setattr(
        PurgeDialog, "exec", answer(QDialog.DialogCode.Accepted, "parent's request of 12 May")
    )
    with qtbot.waitSignal(page.purged, timeout=60_000) as purged:
        page.delete_button.click()
    idle(qtbot, window)
    assert purged.args[0].had_data == ("1003",)
    assert rows(page)["1003"][2] is True  # now missing, listed as a gap
    assert rows(page)["1001"][2] is False  # nobody else touched
    assert "Deleted 1 reference face(s) of student 1003" in page.message.text()
    assert not page.delete_button.isEnabled()  # nothing left to delete for 1003
    logged = read_records(window.session.ws, LogFilter(action="purge"))
    assert [(r.actor, r.body) for r in logged] == [
        ("Mr. Office", {"student_id": "1003", "reason": "parent's request of 12 May"})
    ]
    with window.session.ws.db.snapshot() as tx:
        assert ref_store.wrapped_key(tx, window.session.ws.school, "1003") is None
        assert ref_store.wrapped_key(tx, window.session.ws.school, "1001") is not None
