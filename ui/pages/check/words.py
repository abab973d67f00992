"""The words the check page shows: after a check, on each decision, while it runs.

Pure Python (no Qt import): the page only puts these sentences in its message bar,
heading and progress row, and tests read them without a window.
"""

from __future__ import annotations

import html
from typing import Literal

from photoguard.scan.decisions import DecisionResult
from photoguard.scan.report import ScanReport, outcome_line, summary_lines, young_children_note
from ui.policy import POLICY_3D1, POLICY_3D3
from ui.state import gap_sentence

#: How the message bar shows a sentence.
Kind = Literal["success", "warning"]


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    return f"about {s // 60}:{s % 60:02d} left" if s >= 60 else f"about {s} s left"


def why_text() -> str:
    """The first-run panel: what the app is for, in the policy's words."""
    return (
        "<h3>Why check before posting?</h3>"
        f"<p>Policy 3.d.1: <i>“{html.escape(POLICY_3D1)}”</i></p>"
        f"<p>Policy 3.d.3: <i>“{html.escape(POLICY_3D3)}”</i></p>"
        "<p>photoguard looks for both, in photos and videos, before you share them. It helps; "
        "you decide, and each decision is kept in the approval log (policy section 4: public "
        "records). More under Help ▸ Why photoguard.</p>"
    )


def minute(at: str) -> str:
    """A log timestamp to the minute: "2026-05-01 09:30"."""
    return at.replace("T", " ")[:16]


def decision_note(got: DecisionResult) -> str:
    """How a recorded decision is described on its file: who, when, which log record, why."""
    why = f": {got.reason}" if got.reason else ""
    return f"by {got.by} at {minute(got.at)} UTC (log record {got.record_seq}){why}"


def after_check(report: ScanReport) -> tuple[Kind, str]:
    """The message shown when a check ends: the same decision and words as the command
    line (report.outcome_line), with any coverage gap said again."""
    first = summary_lines(report)[0]
    if report.cancelled:
        return "warning", (
            f"The check was cancelled: {len(report.files)} file(s) were checked; the files "
            "not reached were not checked and must not be posted. " + first
        )
    gaps = " " + gap_sentence(report.coverage_gaps) if report.coverage_gaps else ""
    if report.young_students:
        gaps += " " + young_children_note(report).removeprefix("Note: ")
    if not report.all_clear:
        return "warning", f"{first} {outcome_line(report)}{gaps}"
    if gaps:
        return "warning", first + gaps
    return "success", f"{first} {outcome_line(report)}"


def finished_heading(report: ScanReport, label: str) -> str:
    """The results' heading once a check ends."""
    cancelled = "Cancelled: " if report.cancelled else ""
    return f"{cancelled}{label} · {len(report.files)} file(s)"


def skipped_text(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''} skipped (not photos or videos)"
