"""The app asks, with the counts, before a roster import that changes most of the roster."""

from __future__ import annotations

from pathlib import Path

import pytest
from faceworld import write_roster
from PySide6.QtCore import Qt
from test_failclosed_inputs import assert_unchanged, state
from test_roster_mass_change import BLANK_OPT_OUTS

from gui.guitools import idle
from photoguard.references import stored as ref_store
from photoguard.roster import stored as roster_store
from photoguard.workspace.folder import Workspace

pytestmark = [pytest.mark.gui, pytest.mark.faces, pytest.mark.sqlite_only]


def in_force(ws: Workspace) -> tuple[int | None, dict[str, int]]:
    with ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
        faces = ref_store.reference_counts(tx, ws.school)
    return (version.id if version else None), faces


def test_a_blank_opt_out_column_is_imported_only_when_confirmed(
    qtbot, make_window, copy_home: Path, tmp_path: Path
) -> None:
    """The enrolled fixture school (reference faces of three opted-out students) and an
    export whose opt-out column is blank: the preview warns, Import asks with the counts,
    Cancel changes nothing byte for byte, Import anyway imports it."""
    blank = write_roster(tmp_path / "aspen export.csv", BLANK_OPT_OUTS)
    window = make_window(copy_home)
    page = window.roster
    ws = window.session.ws
    idle(qtbot, window)
    assert in_force(ws) == (1, {"1001": 1, "1003": 1, "1006": 1})
    before = state(copy_home)

    def ask() -> object:
        with qtbot.waitSignal(page.preview_opened, timeout=10_000) as opened:
            page.import_file(blank)
        dialog = opened.args[0]
        assert (
            dialog.warnings[0]
            .text()
            .startswith("No student is opted out in this file (4 are in roster version 1")
        )
        assert dialog.import_button.text() == "&Import roster…"
        with qtbot.waitSignal(page.mass_change_asked, timeout=10_000) as asked:
            dialog.import_button.click()
        return asked.args[0]

    question = ask()
    assert question.isVisible()
    assert question.text.text().startswith(
        "This file would end all 4 opt-outs and delete the reference faces of 3 students."
    )
    assert question.cancel_button.isDefault()
    qtbot.keyClick(question, Qt.Key.Key_Return)  # Enter is Cancel: it never lifts opt-outs
    assert not question.isVisible()
    idle(qtbot, window)
    assert page.message.text() == "The roster was not imported."
    assert in_force(ws) == (1, {"1001": 1, "1003": 1, "1006": 1})
    assert_unchanged(before, state(copy_home))

    question = ask()
    with qtbot.waitSignal(page.imported, timeout=10_000) as imported:
        question.import_button.click()
    idle(qtbot, window)
    assert imported.args[0].version.id == 2
    assert sorted(imported.args[0].references_deleted) == ["1001", "1003", "1006"]
    assert in_force(ws) == (2, {})
    assert "Roster version 2 is now in force: 8 students, 0 opted out." in page.message.text()
