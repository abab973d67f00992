"""The words the check page shows after a check, read without Qt (ui/pages/check/words.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from photoguard.scan.report import ScanReport
from ui.pages.check.words import after_check, eta_text, finished_heading, skipped_text

ROOT = Path(__file__).resolve().parents[1]


def empty_report(cancelled: bool = False) -> ScanReport:
    return ScanReport(None, None, {}, (), (), (), cancelled=cancelled)


def test_the_words_import_no_qt() -> None:
    code = (
        "import sys, ui.pages.check.words; print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_nothing_checked_is_a_warning_with_the_command_lines_words() -> None:
    kind, text = after_check(empty_report())
    assert kind == "warning"
    assert text.startswith("Checked 0 file(s): 0 flagged")
    assert "no photo or video was checked" in text


def test_a_cancelled_check_says_the_files_not_reached_must_not_be_posted() -> None:
    kind, text = after_check(empty_report(cancelled=True))
    assert kind == "warning"
    assert text.startswith("The check was cancelled: 0 file(s) were checked;")
    assert "must not be posted. Checked 0 file(s)" in text
    assert finished_heading(empty_report(cancelled=True), "trip") == "Cancelled: trip · 0 file(s)"
    assert finished_heading(empty_report(), "trip") == "trip · 0 file(s)"


def test_small_words() -> None:
    assert eta_text(None) == ""
    assert eta_text(42.4) == "about 42 s left"
    assert eta_text(125) == "about 2:05 left"
    assert skipped_text(1) == "1 file skipped (not photos or videos)"
    assert skipped_text(3) == "3 files skipped (not photos or videos)"


def test_a_check_for_young_children_says_matching_is_unreliable_for_them() -> None:
    from dataclasses import replace

    from photoguard.roster.model import Student

    ana = Student("2001", "Lopez", "Ana", grade="1", opted_out=True)
    young = replace(empty_report(), young_students=(ana,))
    _kind, text = after_check(young)
    assert "1 opted-out student(s) are under about 9. Automatic face matching is unreliable" in text
    assert "The 0 face(s) it was unsure of are listed above" in text
    assert "under about 9" not in after_check(empty_report())[1]
