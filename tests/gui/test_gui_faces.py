"""Reference faces in the app: enroll picture day, see who is missing and what was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from faceworld import write_picture_day, write_roster
from PySide6.QtCore import Qt

from gui.guitools import drop_paths, idle
from photoguard.log_view import LogFilter, read_records
from photoguard.roster_import import apply_import, preview_import
from photoguard.workspace import open_workspace
from ui.models.references import COL_FACES, COL_STATUS, MISSING_ROLE, STUDENT_ID_ROLE

pytestmark = [pytest.mark.gui, pytest.mark.faces]


def rows(page) -> dict[str, tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    model = page.model
    return {
        model.index(r, 0).data(STUDENT_ID_ROLE): (
            model.index(r, COL_FACES).data(Qt.ItemDataRole.DisplayRole),
            model.index(r, COL_STATUS).data(Qt.ItemDataRole.DisplayRole),
            model.index(r, 0).data(MISSING_ROLE),
        )
        for r in range(model.rowCount())
    }


def test_enroll_picture_day_then_see_missing_and_refused_photos(  # type: ignore[no-untyped-def]
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
