"""Living consent in the app: an import that opts a child out (or adds a student whose full
name an approved photo carries) says so in its preview, withdraws those approvals, shows a
banner on every page, and lists them, where a person records that one was taken down. The
real window, real photos through the real models, real records in the approval log."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gui.guitools import drop_paths, idle, wait_for_check

pytestmark = [pytest.mark.gui, pytest.mark.faces]

ROSTER_WITH_WEI = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "1001,Obama,Barry,,5,101,Y\r\n"
    "1002,Biden,Joseph,,5,101,N\r\n"
    "1003,Harington,Christopher,Kit,4,102,Yes\r\n"
    "1004,Leslie,Roseanne,,4,102,\r\n"
    "1005,Lacamoire,Alexander,,3,103,No\r\n"
    "1006,Miranda,Lin-Manuel,,3,103,X\r\n"
    "1007,Nobody,Nemo,,3,103,Y\r\n"
    "1008,Smith,John,,5,101,N\r\n"
    "1009,Chen,Wei,,2,104,N\r\n"
)


def test_an_import_withdraws_approvals_says_so_everywhere_and_records_a_takedown(
    qtbot, make_window, copy_home: Path, tmp_path: Path, fixtures_dir: Path, monkeypatch
) -> None:
    from photoguard.scan.decisions import decide, latest_decision
    from photoguard.vocab import DecisionKind
    from ui.dialogs.withdrawn import WithdrawnDialog
    from ui.widgets.recent_checks import OUT_OF_DATE

    fair = tmp_path / "fair"
    fair.mkdir()
    photo = fair / "Wei Chen at the fair.png"
    shutil.copyfile(fixtures_dir / "faces" / "alex_lacamoire" / "alex2.png", photo)
    roster = tmp_path / "december.csv"
    roster.write_bytes(ROSTER_WITH_WEI.encode())

    window = make_window(copy_home, user="Office")
    idle(qtbot, window)
    drop_paths(window.check.drop, [fair])  # checked in the app: a recent check
    wait_for_check(qtbot, window)
    decide(window.session.ws, photo, DecisionKind.APPROVE, "Ms. Rivera")
    assert OUT_OF_DATE not in window.check.recent.item(0).text()
    page = window.roster
    window.show_page("roster")
    idle(qtbot, window)
    assert not window.banner.isVisible()
    with qtbot.waitSignal(page.preview_opened, timeout=30_000) as opened:
        drop_paths(page.drop, [roster])
    preview = opened.args[0]
    said = [bar.text() for bar in preview.warnings]
    assert (
        "Importing it withdraws the approval of 1 photo(s) that show Wei Chen: they may "
        "already be posted." in said
    )
    with qtbot.waitSignal(window.session.approvals_rechecked, timeout=30_000):
        preview.import_button.click()
    idle(qtbot, window)
    assert window.banner.isVisible()
    assert window.banner.text().startswith("1 approved photo(s) now show Wei Chen")
    decided = latest_decision(window.session.ws, photo)
    assert decided is not None and not decided.lets_through
    window.show_page("check")
    assert window.banner.isVisible()  # above every page
    window.grab().save(str(tmp_path / "banner.png"))
    # The recent check was made against the earlier roster; run again, the photo says why
    # its approval no longer holds.
    recent = window.check.recent.item(0)
    assert OUT_OF_DATE in recent.text()
    window.check.recent.list.itemActivated.emit(recent)
    wait_for_check(qtbot, window)
    idle(qtbot, window)
    window.check.select_row(0)
    said = window.check.detail.decided.text()
    window.grab().save(str(tmp_path / "rechecked.png"))
    assert "Approved by Ms. Rivera on " in said
    assert "withdrawn on " in said and "Wei Chen newly on the roster; decide it again" in said

    window.banner_button.click()
    dialog = window.withdrawn_dialog
    assert isinstance(dialog, WithdrawnDialog)
    assert dialog.table.topLevelItemCount() == 1
    row = dialog.table.topLevelItem(0)
    assert row.text(0) == "Wei Chen at the fair.png" and row.text(2) == "Wei Chen"
    assert row.text(1).startswith("by Ms. Rivera on ") and row.text(5) == "still withdrawn"
    assert row.text(3) == "newly on the roster"
    assert not row.icon(0).isNull()  # the photo is still here: its thumbnail
    assert not dialog.take_down.isEnabled()
    dialog.table.setCurrentItem(row)
    assert dialog.take_down.isEnabled()
    dialog.grab().save(str(tmp_path / "withdrawn.png"))
    monkeypatch.setattr(dialog, "ask_where", lambda _row: "class blog")
    dialog.take_down.click()
    assert dialog.outcome.text() == "Recorded: Wei Chen at the fair.png taken down from class blog."
    assert dialog.table.topLevelItem(0).text(5) == "taken down from class blog"
    dialog.close()
