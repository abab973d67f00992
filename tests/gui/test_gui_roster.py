"""The main office's job: import the opt-out roster through the preview, in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.guitools import drop_paths, idle
from photoguard.audit.view import LogFilter, read_records
from photoguard.roster import stored as roster_store
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.gui

ROSTER = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "1001,Obama,Barry,,5,101,Y\r\n"
    "1002,Biden,Joseph,,5,101,N\r\n"
    "1003,Harington,Christopher,Kit,4,102,Yes\r\n"
    "1004,Leslie,Roseanne,,4,102,\r\n"
    "1007,Nobody,Nemo,,3,103,Y\r\n"
)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def current_version(home: Path) -> int | None:
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        v = roster_store.current_version(tx, ws.school)
    return v.id if v else None


def test_first_run_is_a_guide_not_empty_tables(qtbot, make_window, home: Path) -> None:
    window = make_window(home)
    idle(qtbot, window)
    check = window.check
    assert check.guide.isVisible()
    assert not check.guide.roster.done
    assert "Import the roster" in check.guide.roster.button.text()
    assert not check.drop.isEnabled()  # nothing can be checked without a roster
    assert check.why.isVisible() and "3.d.1" in check.why.text()
    check.guide.roster.button.click()
    assert window.current_page() == "roster"
    assert window.roster.stack.currentIndex() == 0  # the import guide
    assert "Drop the roster file" in window.roster.drop.title.text()
    window.show_page("faces")
    assert window.faces.stack.currentIndex() == 0


def test_import_a_roster_through_the_preview(
    qtbot, make_window, home: Path, tmp_path: Path
) -> None:
    roster = write(tmp_path / "aspen export.csv", ROSTER)
    window = make_window(home)
    page = window.roster
    window.show_page("roster")
    idle(qtbot, window)
    with qtbot.waitSignal(page.preview_opened, timeout=10_000) as opened:
        drop_paths(page.drop, [roster])
    dialog = opened.args[0]
    assert "5 students, 3 opted out" in dialog.summary.text()
    assert "first roster" in dialog.summary.text()
    newly = [dialog.lists["newly_opted_out"].item(i).text() for i in range(3)]
    assert newly == ["Barry Obama (1001)", "Kit Harington (1003)", "Nemo Nobody (1007)"]
    assert current_version(home) is None  # nothing changes before Import
    with qtbot.waitSignal(page.imported, timeout=10_000):
        dialog.import_button.click()
    idle(qtbot, window)
    assert current_version(home) == 1
    assert page.stack.currentIndex() == 1
    assert page.model.rowCount() == 5
    assert "3 opted-out students have no reference face" in page.gaps.text()
    page.opted_only.setChecked(True)
    assert page.proxy.rowCount() == 3
    page.search.setText("kit")
    assert page.proxy.rowCount() == 1
    assert page.count.text() == "1 of 5 students"
    records = read_records(window.session.ws, LogFilter(action="roster.import"))
    assert [(r.actor, r.body["source_name"]) for r in records] == [("Ms. Tan", "aspen export.csv")]
    # The check page's guide now asks for reference faces next.
    assert window.check.guide.isVisibleTo(window.check)
    assert window.check.guide.roster.done and not window.check.guide.faces.done


def test_a_new_roster_shows_what_changes_and_cancel_keeps_the_old_one(
    qtbot, make_window, home: Path, tmp_path: Path
) -> None:
    window = make_window(home)
    page = window.roster
    idle(qtbot, window)
    with qtbot.waitSignal(page.preview_opened, timeout=10_000) as opened:
        page.import_file(write(tmp_path / "v1.csv", ROSTER))
    with qtbot.waitSignal(page.imported, timeout=10_000):
        opened.args[0].accept()
    idle(qtbot, window)
    # Nemo left, Kit opted back in, a new opted-out student arrived.
    v2 = ROSTER.replace("1007,Nobody,Nemo,,3,103,Y\r\n", "1009,Newton,Isaac,,2,104,Y\r\n")
    v2 = v2.replace("Kit,4,102,Yes", "Kit,4,102,No")
    with qtbot.waitSignal(page.preview_opened, timeout=10_000) as opened:
        page.import_file(write(tmp_path / "v2.csv", v2))
    dialog = opened.args[0]
    assert dialog.lists["removed"].item(0).text() == "Nemo Nobody (1007)"
    assert dialog.lists["opted_back_in"].item(0).text() == "Kit Harington (1003)"
    assert dialog.lists["added"].item(0).text() == "Isaac Newton (1009)"
    assert "1 added, 1 removed, 1 newly opted out, 1 opted back in" in dialog.summary.text()
    dialog.reject()
    assert "not imported" in page.message.text()
    assert current_version(home) == 1
    window.show_page("roster")  # a hidden page reloads when it is shown
    idle(qtbot, window)
    assert page.history.text() == "This is the first roster imported here."
    assert page.model.rowCount() == 5


def test_unrecognised_headers_open_the_column_mapping(
    qtbot, make_window, home: Path, tmp_path: Path
) -> None:
    odd = write(
        tmp_path / "export.csv",
        "Pupil,Surname,Given,Photo OK?\r\n1001,Obama,Barry,N\r\n1002,Biden,Joseph,Y\r\n",
    )
    window = make_window(home)
    page = window.roster
    idle(qtbot, window)
    with qtbot.waitSignal(page.mapping_opened, timeout=10_000) as opened:
        page.import_file(odd)
    mapping = opened.args[0]
    assert "student ID" in mapping.problem.text()
    assert not mapping.ok.isEnabled()  # nothing chosen yet for the ID or the flag
    mapping.set_role("id", "Pupil")
    mapping.set_role("last", "Surname")
    mapping.set_role("first", "Given")
    mapping.set_role("release", "Photo OK?")
    assert mapping.ok.isEnabled(), mapping.status.text()
    with qtbot.waitSignal(page.preview_opened, timeout=10_000) as previewed:
        mapping.accept()
    dialog = previewed.args[0]
    # "Photo OK?" = N means no release: Barry is opted out, Joseph is not.
    assert "2 students, 1 opted out" in dialog.summary.text()
    assert dialog.lists["newly_opted_out"].item(0).text() == "Barry Obama (1001)"


def test_a_file_that_is_not_a_roster_is_refused_in_one_sentence(
    qtbot, make_window, home: Path, tmp_path: Path
) -> None:
    bogus = tmp_path / "roster.csv"
    bogus.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    window = make_window(home)
    page = window.roster
    idle(qtbot, window)
    page.import_file(bogus)
    idle(qtbot, window)
    assert page.message.kind == "error"
    assert page.message.text() == (
        "roster.csv was not imported: the file is not a table: it is a PNG image."
    )
    assert page.dialog is None and page.mapping is None
