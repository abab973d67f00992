"""The approval log page (verify, export, summary), settings, the caption box, the command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gui.guitools import idle
from photoguard.cli.main import main as cli_main
from photoguard.roster.importing import apply_import, preview_import
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.gui

ROSTER = (
    "Student ID,Last Name,First Name,Preferred Name,Privacy Law Opt-Out\n"
    "1001,O'Brien,Liam,,Y\n"
    "1002,Martínez,Zoë,,N\n"
    "1003,Harington,Christopher,Kit,Y\n"
)


@pytest.fixture
def roster_home(home: Path, tmp_path: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, "utf-8")
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, roster), "office")
    return home


def test_verify_and_export_the_log(qtbot, make_window, roster_home: Path, tmp_path: Path) -> None:
    window = make_window(roster_home)
    window.show_page("log")
    page = window.log
    idle(qtbot, window)
    assert page.model.rowCount() == 1
    assert "roster 1:" in page.body.toPlainText() or "roster.import" in page.body.toPlainText()
    with qtbot.waitSignal(page.verified, timeout=10_000) as verified:
        page.verify_button.click()
    assert verified.args[0].ok
    assert page.message.kind == "success"
    assert page.message.text().startswith("The approval log is intact: 1 records verified")
    target = tmp_path / "log.csv"
    with qtbot.waitSignal(page.exported, timeout=10_000):
        page.export(target)
    rows = list(csv.reader(target.read_text("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["seq", "at", "actor", "action"]
    assert [r[3] for r in rows[1:]] == ["roster.import"]
    # Filters: no decisions yet; the search looks in every column.
    page.action.setCurrentIndex(page.action.findText("Decisions"))
    idle(qtbot, window)
    assert page.model.rowCount() == 0
    page.action.setCurrentIndex(0)
    idle(qtbot, window)
    page.search.setText("office roster.csv")
    assert page.proxy.rowCount() == 1
    page.search.setText("nobody")
    assert page.count.text() == "0 of 1 records shown"


def test_summary_report_for_the_superintendent(qtbot, make_window, roster_home: Path) -> None:
    window = make_window(roster_home)
    window.show_page("log")
    idle(qtbot, window)
    window.log.summary_button.click()
    dialog = window.log.summary_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.made, timeout=10_000) as made:
        dialog.make.click()
    summary = made.args[0]
    assert summary.verification.ok
    assert len(summary.roster_imports) == 1
    assert "Photo consent checks" in dialog.html
    assert "2.a.3" in dialog.view.toPlainText()
    assert dialog.save_html.isEnabled() and dialog.save_csv.isEnabled()


def test_settings_are_validated_and_saved(qtbot, make_window, roster_home: Path) -> None:
    window = make_window(roster_home)
    window.show_page("settings")
    page = window.settings
    page.match.setValue(0.7)
    page.review.setValue(0.65)
    page.save.click()
    assert page.message.kind == "error"
    assert page.message.text().startswith("Distances must satisfy 0 < match distance")
    assert not (roster_home / "settings.json").exists()
    page.match.setValue(0.58)
    page.review.setValue(0.66)
    page.fps.setValue(2.0)
    page.user.setText("  Mr.  Okafor ")
    page.save.click()
    assert page.message.kind == "success", page.message.text()
    saved = json.loads((roster_home / "settings.json").read_text("utf-8"))
    assert (saved["match_distance"], saved["review_distance"], saved["frames_per_second"]) == (
        0.58,
        0.66,
        2.0,
    )
    assert window.session.ws.settings.match_distance == 0.58  # used from now on
    assert window.session.user_name == "Mr. Okafor"
    page.defaults.click()
    assert page.match.value() == pytest.approx(0.6)


def test_caption_box_marks_full_names_and_suggests_first_names(
    qtbot, make_window, roster_home: Path
) -> None:
    window = make_window(roster_home)
    idle(qtbot, window)
    caption = window.check.caption
    assert caption.isVisible()
    caption.set_text("Great work at the science fair, Liam O’Brien and zoe martinez!")
    assert [m.student_id for m in caption.matches] == ["1001", "1002"]
    assert "Full name of Liam O'Brien, Zoë Martínez" in caption.result.text()
    assert caption.suggestion == "Great work at the science fair, Liam O. and zoe M.!"
    assert caption.copy.isEnabled()
    caption.set_text("Great work, Liam and Kit!")
    assert caption.matches == []
    assert caption.result.text() == "No student's full name found in this text."


def test_photoguard_gui_is_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli_main(["gui", "--help"])
    assert exit_.value.code == 0
    assert "Open the photoguard app" in capsys.readouterr().out


def test_photoguard_gui_refuses_a_missing_path(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    status = cli_main(["--home", str(home), "gui", str(home / "nope")])
    assert status == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_window_remembers_its_size(qtbot, make_window, home: Path) -> None:
    first = make_window(home)
    first.resize(780, 540)  # the offscreen screen is 800 x 600
    first.close()  # closing saves the window's state
    second = make_window(home)
    second.restore_state()
    assert (second.width(), second.height()) == (780, 540)


def test_the_photoguard_gui_launcher_opens_the_data_folder_named(
    qapp, roster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``photoguard-gui`` entry point (ui.app:main) with --home, up to the window."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import main
    from ui.main_window import MainWindow

    loop = QEventLoop()  # not QApplication.exec(): see the end-to-end test of 'photoguard gui'
    monkeypatch.setattr(QApplication, "exec", lambda *_: loop.exec())
    monkeypatch.setattr(QApplication, "quit", lambda *_: loop.quit())
    seen: list[str] = []

    def watch() -> None:
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible() and w.session.ws.home == roster_home
        ]
        if windows and windows[0].check.state is not None:
            seen.append(windows[0].windowTitle())
            windows[0].session.tasks.wait()
            windows[0].close()
        else:
            QTimer.singleShot(50, watch)

    QTimer.singleShot(50, watch)
    assert main(["--home", str(roster_home)]) == 0
    assert seen == ["photoguard — default"]


@pytest.mark.faces
def test_settings_show_the_biometric_data_kept_and_clear_the_scan_cache(
    qtbot, make_window, copy_home: Path, fixtures_dir: Path
) -> None:
    from photoguard.scan.cache import CACHE_FILE
    from photoguard.scan.run import scan

    with open_workspace(copy_home) as ws:
        list(scan(ws, [fixtures_dir / "faces" / "obama" / "obama.jpg"]))
    assert (copy_home / CACHE_FILE).exists()
    window = make_window(copy_home)
    window.show_page("settings")
    page = window.settings
    idle(qtbot, window)
    text = page.biometric.text()
    assert text.startswith("3 reference face(s) of 3 opted-out student(s), sealed")
    assert "Scan cache: 1 file(s), 1 of them with face encodings" in text

    with qtbot.waitSignal(page.inventory_loaded, timeout=30_000) as reloaded:
        page.clear_cache_button.click()
    assert reloaded.args[0].cache_entries == 0
    assert page.message.text() == "Cleared the scan cache (1 file(s)) and destroyed its key."
    assert not (copy_home / CACHE_FILE).exists()
    assert "Scan cache: 0 file(s)" in page.biometric.text()
