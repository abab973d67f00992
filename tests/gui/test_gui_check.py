"""The teacher's and the yearbook's job: drop photos, see the verdicts, decide, in the app.

Real scans on the real fixture photos (worker processes started from the
app's scan thread), on a private copy of the enrolled data folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gui.guitools import drop_paths, idle, wait_for_check
from photoguard.audit.view import LogFilter, read_records
from ui.models.results import RESULT_ROLE, VERDICT_ROLE

pytestmark = [pytest.mark.gui, pytest.mark.faces]


def photo_folder(tmp_path: Path, fixtures_dir: Path) -> Path:
    """kit_rose.jpg (Kit is opted out), biden.jpg (clear), a damaged JPEG, a text file."""
    folder = tmp_path / "field day"
    folder.mkdir()
    faces = fixtures_dir / "faces"
    shutil.copyfile(faces / "groups" / "kit_rose.jpg", folder / "kit_rose.jpg")
    shutil.copyfile(faces / "biden" / "biden.jpg", folder / "biden.jpg")
    (folder / "damaged.jpg").write_bytes((faces / "biden" / "biden2.jpg").read_bytes()[:3000])
    (folder / "notes.txt").write_text("bring sunscreen", "utf-8")
    return folder


def verdicts(window) -> dict[str, str]:
    model = window.check.model
    return {
        model.index(r, 0).data(Qt.ItemDataRole.DisplayRole): model.index(r, 0).data(VERDICT_ROLE)
        for r in range(model.rowCount())
    }


def select(window, name: str) -> None:
    proxy = window.check.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole) == name:
            window.check.select_row(row)
            return
    raise AssertionError(f"{name} is not in the grid")


def checked_window(qtbot, make_window, home: Path, folder: Path, user: str):
    """A window on ``home`` that has checked ``folder`` (its damaged JPEG removed first)."""
    (folder / "damaged.jpg").unlink()
    window = make_window(home, user=user)
    idle(qtbot, window)
    window.start_check([folder])
    wait_for_check(qtbot, window)
    idle(qtbot, window)
    return window


def test_drop_a_folder_and_see_a_badge_per_file(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    folder = photo_folder(tmp_path, fixtures_dir)
    window = make_window(copy_home)
    idle(qtbot, window)
    check = window.check
    assert check.drop.isEnabled()
    drop_paths(check.drop, [folder])
    assert check.job is not None  # the check runs on its own thread
    assert check.stack.currentIndex() == 1 and check.progress_row.isVisible()
    wait_for_check(qtbot, window)
    assert verdicts(window) == {
        "kit_rose.jpg": "flagged",
        "biden.jpg": "clear",
        "damaged.jpg": "error",
    }
    buttons = check.filter_buttons
    assert [buttons[k].text() for k in ("all", "flagged", "review", "error", "clear")] == [
        "All (3)",
        "Flagged (1)",
        "Review (0)",
        "Not checked (1)",
        "Clear (1)",
    ]
    assert check.skipped_label.text() == "1 file skipped (not photos or videos)"
    assert "1 flagged" in check.message.text()
    assert "Nemo Nobody" in check.message.text()  # the coverage gap is said again
    # Flagged first in the grid; the filter shows one verdict at a time.
    assert check.proxy.index(0, 0).data(VERDICT_ROLE) == "flagged"
    buttons["clear"].click()
    assert check.proxy.rowCount() == 1
    assert check.proxy.index(0, 0).data(Qt.ItemDataRole.DisplayRole) == "biden.jpg"
    buttons["all"].click()
    # The flagged photo large, with Kit's face boxed and named.
    select(window, "kit_rose.jpg")
    qtbot.waitUntil(lambda: check.detail.image.has_image(), timeout=10_000)
    (box,) = check.detail.image.boxes
    assert box.verdict == "flagged"
    assert box.label.startswith("Kit Harington · 0.")
    assert "Face of opted-out Kit Harington (1003)" in check.detail.found.text()
    assert not check.detail.approve.isEnabled()  # a flagged file is never simply approved
    assert check.detail.with_reason.isEnabled()
    # The window's own record of the check, to run it again.
    assert check.recent.count() == 1
    assert "field day" in check.recent.item(0).text()
    assert "1 flagged, 1 not checked, 1 clear" in check.recent.item(0).text()
    # ... which runs again from the home page.
    check.new_check()
    assert check.stack.currentIndex() == 0
    check.recent.list.itemActivated.emit(check.recent.item(0))
    assert check.job is not None
    wait_for_check(qtbot, window)
    assert check.model.rowCount() == 3


def test_approve_block_and_override_are_written_to_the_approval_log(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    folder = photo_folder(tmp_path, fixtures_dir)
    window = checked_window(qtbot, make_window, copy_home, folder, "Ms. Tan (yearbook)")
    check = window.check
    detail = check.detail

    # Approve the clear photo with its keyboard shortcut.
    select(window, "biden.jpg")
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts act in the active window only
    qtbot.waitUntil(lambda: detail.approve.isEnabled())
    check.grid.setFocus()
    qtbot.keyClick(check.grid, Qt.Key.Key_A)
    # The shortcut may be delivered a moment later: wait for what it does.
    qtbot.waitUntil(lambda: check.model.decision(str(folder / "biden.jpg")) is not None)
    idle(qtbot, window)
    assert check.message.kind == "success", check.message.text()
    assert "approve recorded by Ms. Tan (yearbook)" in check.message.text()
    assert check.model.decision(str(folder / "biden.jpg")) == "approve"

    # A flagged photo: approving it needs a reason; the core's sentence is shown.
    select(window, "kit_rose.jpg")
    detail.with_reason.click()
    assert detail.reason_box.isVisible()
    detail.reason_ok.click()
    idle(qtbot, window)
    assert check.message.kind == "error"
    assert check.message.text() == "Approving kit_rose.jpg as an override needs a reason."
    select(window, "kit_rose.jpg")
    detail.with_reason.click()
    qtbot.keyClicks(detail.reason_edit, "Kit is in the background; cropped out before posting")
    qtbot.keyClick(detail.reason_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: check.model.decision(str(folder / "kit_rose.jpg")) == "override")
    idle(qtbot, window)
    assert check.message.kind == "success", check.message.text()

    # Block it after all: decisions are appended, never replaced.
    select(window, "kit_rose.jpg")
    detail.block.click()
    idle(qtbot, window)
    assert check.model.decision(str(folder / "kit_rose.jpg")) == "block"

    records = read_records(window.session.ws, LogFilter(action="decision"))
    got = [(r.action, Path(r.body["path"]).name, r.body.get("reason"), r.actor) for r in records]
    assert got == [
        ("decision.approve", "biden.jpg", None, "Ms. Tan (yearbook)"),
        (
            "decision.override",
            "kit_rose.jpg",
            "Kit is in the background; cropped out before posting",
            "Ms. Tan (yearbook)",
        ),
        ("decision.block", "kit_rose.jpg", None, "Ms. Tan (yearbook)"),
    ]
    assert all(r.body["sha256"] for r in records)
    # The log page shows them too.
    window.show_page("log")
    idle(qtbot, window)
    actions = [window.log.proxy.index(r, 3).data() for r in range(window.log.proxy.rowCount())]
    assert actions[:3] == ["decision.block", "decision.override", "decision.approve"]

    # Re-opening the check (its entry under recent checks) shows what was decided: the
    # newest decision per file, for these very bytes under this roster.
    window.show_page("check")
    check.new_check()
    idle(qtbot, window)
    assert check.recent.count() >= 1
    with qtbot.waitSignal(check.decisions_loaded, timeout=120_000) as loaded:
        check.recent._activated(check.recent.item(0))
    assert sorted(Path(k).name for k in loaded.args[0]) == ["biden.jpg", "kit_rose.jpg"]
    assert check.model.decision(str(folder / "biden.jpg")) == "approve"
    assert check.model.decision(str(folder / "kit_rose.jpg")) == "block"
    note = check.model.decision_note(str(folder / "biden.jpg"))
    assert note.startswith("before this check, by Ms. Tan (yearbook)")


def test_cancel_a_running_check(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    folder = tmp_path / "assembly"
    folder.mkdir()
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama4.jpg", "obama-1080p.jpg"):
        shutil.copyfile(fixtures_dir / "faces" / "obama" / name, folder / name)
    window = make_window(copy_home)
    idle(qtbot, window)
    check = window.check
    window.start_check([folder])
    job = check.job
    assert job is not None
    with qtbot.waitSignal(job.started, timeout=60_000):
        pass
    assert check.cancel_button.isEnabled()
    qtbot.mouseClick(check.cancel_button, Qt.MouseButton.LeftButton)
    assert not check.cancel_button.isEnabled()
    wait_for_check(qtbot, window)
    report = check.report
    assert report is not None and report.cancelled
    assert len(report.files) < 5
    assert check.message.kind == "warning"
    assert "The check was cancelled" in check.message.text()
    assert "must not be posted" in check.message.text()
    assert check.heading.text().startswith("Cancelled: ")
    (finish,) = read_records(window.session.ws, LogFilter(action="scan.finish"))
    assert finish.body["cancelled"] is True
    # Nothing not checked can be approved: files not reached are not in the grid.
    assert all(
        check.model.index(r, 0).data(RESULT_ROLE).path.name in {f.path.name for f in report.files}
        for r in range(check.model.rowCount())
    )
    assert check.new_button.isEnabled()


def test_photoguard_gui_opens_the_window_and_checks_the_folder_named(
    qapp, copy_home: Path, tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`photoguard --home DIR gui FOLDER`, end to end: the real command, window and check.

    The application's own event loop is replaced by a local one: once QApplication.exec()
    has returned through quit(), Qt runs no further event loop in this process, and the
    other GUI tests need theirs.
    """
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()
    monkeypatch.setattr(QApplication, "exec", lambda *_: loop.exec())
    monkeypatch.setattr(QApplication, "quit", lambda *_: loop.quit())

    from photoguard.cli.main import main as cli_main
    from ui.main_window import MainWindow

    folder = photo_folder(tmp_path, fixtures_dir)
    seen: dict[str, object] = {}

    def watch() -> None:
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible() and w.session.ws.home == copy_home
        ]
        if windows and windows[0].check.report is not None and windows[0].check.job is None:
            window = windows[0]
            seen["home"] = window.session.ws.home
            seen["verdicts"] = verdicts(window)
            window.session.tasks.wait()
            window.close()
        else:
            QTimer.singleShot(100, watch)

    QTimer.singleShot(100, watch)
    status = cli_main(["--home", str(copy_home), "gui", str(folder)])
    assert status == 0
    assert seen["home"] == copy_home
    assert seen["verdicts"] == {
        "kit_rose.jpg": "flagged",
        "biden.jpg": "clear",
        "damaged.jpg": "error",
    }


def test_make_a_safe_copy_of_a_flagged_photo_then_save_it(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    """Instead of only blocking kit_rose.jpg, the teacher gets a copy with Kit's face covered,
    sees it beside the original, and saves it where they post from; the log records it."""
    import hashlib

    from photoguard.safecopy import ACTION

    folder = photo_folder(tmp_path, fixtures_dir)
    original = (folder / "kit_rose.jpg").read_bytes()
    window = checked_window(qtbot, make_window, copy_home, folder, "Ms. Tan")
    check = window.check
    select(window, "biden.jpg")
    assert not check.detail.copy_button.isEnabled()  # clear: nothing to cover
    select(window, "kit_rose.jpg")
    assert check.detail.copy_button.isEnabled()

    # Cancelled at once: nothing made, and the page says so.
    with qtbot.waitSignal(check.copy_ready, timeout=120_000) as stopped:
        check.detail.copy_button.click()
        assert check.progress_row.isVisible()
        check.cancel()
    assert stopped.args[0] is None
    assert (
        check.message.text()
        == "No safe copy was made: the safe copy was cancelled; nothing was saved."
    )
    assert not check.progress_row.isVisible()

    select(window, "kit_rose.jpg")
    stages: list[str] = []
    check.copy_stage.changed.connect(stages.append)
    with qtbot.waitSignal(check.copy_ready, timeout=120_000) as ready:
        check.detail.copy_button.click()
    dialog = ready.args[0]
    assert dialog is not None, check.message.text()
    assert dialog.isVisible()
    assert stages[0] == "checking the original" and "covering faces" in stages
    assert not check.progress_row.isVisible()
    assert dialog.what.text().startswith("1 face(s) covered")
    assert "checked again on its own: clear" in dialog.what.text()
    temporary = dialog.preview.path

    # The original's folder is refused (a copy never sits beside what must not be posted).
    assert dialog.save_to(folder) is None
    assert "original" in dialog.message.text().lower() or "folder" in dialog.message.text()
    assert dialog.isVisible()

    out = tmp_path / "to post"
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_to(out)
    copy = saved.args[0].path
    assert copy.parent == out and copy.is_file()
    assert not temporary.exists()  # the temporary copy is gone once the dialog closed
    assert (folder / "kit_rose.jpg").read_bytes() == original
    assert "Saved the safe copy as" in check.message.text()
    logged = read_records(window.session.ws, LogFilter(action=ACTION))
    assert len(logged) == 1 and logged[0].actor == "Ms. Tan"
    assert logged[0].body["copy_sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert logged[0].body["faces_covered"] == 1

    # Made again and discarded: nothing written, nothing logged.
    select(window, "kit_rose.jpg")
    with qtbot.waitSignal(check.copy_ready, timeout=120_000) as again:
        check.detail.copy_button.click()
    second = again.args[0]
    temporary = second.preview.path
    second.reject()
    qtbot.waitUntil(lambda: check.copy_dialog is None)
    assert not temporary.exists()
    assert len(read_records(window.session.ws, LogFilter(action=ACTION))) == 1
    assert sorted(p.name for p in out.iterdir()) == [copy.name]
