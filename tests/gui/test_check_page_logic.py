"""The check page's own logic, fast: no dlib, no threads (tasks run inline by SyncTaskRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gui.fakes import SyncTaskRunner
from photoguard.scan.decisions import earlier_decisions
from photoguard.scan.report import ScanReport
from photoguard.workspace.folder import open_workspace
from ui.pages.check import CheckPage
from ui.session import Session

pytestmark = [pytest.mark.gui]


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path) -> Iterator[CheckPage]:
    ws = open_workspace(tmp_path / "home")
    session = Session(ws)
    session.tasks = SyncTaskRunner(session)
    made = CheckPage(session)
    qtbot.addWidget(made)
    yield made
    made.shutdown()
    ws.close()


def test_a_cancelled_check_is_said_and_earlier_decisions_are_looked_up(page: CheckPage) -> None:
    tasks = page.session.tasks
    assert isinstance(tasks, SyncTaskRunner)
    found: list[object] = []
    page.decisions_loaded.connect(found.append)
    page.paths = [Path("trip")]
    page._finished(ScanReport(None, None, {}, (), (), (), cancelled=True))
    assert page.message.kind == "warning"
    assert page.message.text().startswith("The check was cancelled: 0 file(s) were checked;")
    assert page.heading.text() == "Cancelled: trip · 0 file(s)"
    assert tasks.calls[-1] is earlier_decisions and found == [{}]


def test_cancel_with_nothing_running_changes_nothing(page: CheckPage) -> None:
    page.cancel_button.setEnabled(True)
    page.progress_text.setText("Checked 1 of 2")
    page.cancel()
    assert page.cancel_button.isEnabled()
    assert page.progress_text.text() == "Checked 1 of 2"


def test_cancel_is_routed_to_the_workflow_that_runs(page: CheckPage) -> None:
    """A safe copy being made is stopped by Cancel (its own token); no check is touched."""
    page.copies.running = True  # as while make_safe_copy runs on the task runner
    page.progress_row.busy("Safe copy: covering faces…")
    page.cancel()
    assert page.copies._cancel.cancelled
    assert not page.cancel_button.isEnabled()
    assert page.progress_text.text() == "Safe copy: covering faces… · stopping…"
    assert page.job is None
    assert not page.copies.cancel()  # asked twice: nothing more to stop
    assert not page.scans.cancel()


def test_no_new_check_starts_while_a_safe_copy_is_made(page: CheckPage, tmp_path: Path) -> None:
    """Starting a check during a safe copy would clear the grid the copy reports into."""
    folder = tmp_path / "trip"
    folder.mkdir()
    page.copies.running = True  # as while make_safe_copy runs on the task runner
    page.start_check([folder])
    assert page.message.kind == "warning"
    assert page.message.text().startswith("A safe copy is being made")
    assert page.job is None and page.paths == []
