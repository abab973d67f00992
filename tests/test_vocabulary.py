"""Every member of the vocabulary has a label in every place that shows it."""

from __future__ import annotations

import pytest

from photoguard.audit import chain as audit
from photoguard.audit.summary import DECISIONS as SUMMARY_DECISIONS
from photoguard.audit.summary import VERDICTS as SUMMARY_VERDICTS
from photoguard.audit.summary_files import DECISION_LABELS, FINDING_LABELS, VERDICT_LABELS
from photoguard.audit.view import describe
from photoguard.cli.captions import finding
from photoguard.roster.names import NameMatch
from photoguard.scan import report
from photoguard.scan.decisions import DECISIONS, PERMISSIVE, decision_for_verdict
from photoguard.scan.report_schema import REPORT_SCHEMA
from photoguard.scan.verdict import VERDICTS
from photoguard.vocab import DecisionKind, FindingType, LogAction, VerdictKind


def _record(action: str, body: dict[str, object]) -> audit.Record:
    return audit.Record("school", 1, "2026-05-01T09:30:00+00:00", "me", action, body, "0", "1")


@pytest.mark.parametrize("kind", list(FindingType))
def test_summary_has_a_label_for_every_finding_type(kind: FindingType) -> None:
    assert FINDING_LABELS.get(kind.value)


@pytest.mark.parametrize("verdict", list(VerdictKind))
def test_summary_has_a_label_for_every_verdict(verdict: VerdictKind) -> None:
    assert VERDICT_LABELS.get(verdict.value)


@pytest.mark.parametrize("decision", list(DecisionKind))
def test_summary_has_a_label_for_every_decision(decision: DecisionKind) -> None:
    assert DECISION_LABELS.get(decision.value)


def test_summary_counts_every_verdict_and_decision_once() -> None:
    assert sorted(SUMMARY_VERDICTS) == sorted(VerdictKind)
    assert sorted(SUMMARY_DECISIONS) == sorted(DecisionKind)


@pytest.mark.parametrize("action", list(LogAction))
def test_log_view_describes_every_action_in_words(action: LogAction) -> None:
    assert not describe(_record(action.value, {})).startswith("{")


def test_log_view_hides_faces_off_findings() -> None:
    body = {
        "scan_id": 3,
        "path": "/photos/a.jpg",
        "verdict": "review",
        "findings": [{"type": "face_not_matched", "box": [1, 2, 3, 4]}],
    }
    assert describe(_record("scan.file", body)) == "scan 3: a.jpg review"


def test_summary_says_faces_off_findings_in_words() -> None:
    assert FINDING_LABELS["face_not_matched"] == "faces not matching any opted-out student"


def test_report_schema_knows_every_verdict_and_finding_type() -> None:
    text = repr(REPORT_SCHEMA)
    for member in [*VerdictKind, *FindingType]:
        assert repr(member.value) in text


# ---------------------------------------------------------------- the scan's report text


@pytest.mark.parametrize("verdict", list(VerdictKind))
def test_report_counts_every_verdict_in_words(verdict: VerdictKind) -> None:
    assert verdict in VERDICTS
    assert report.COUNT_WORDS.get(verdict.value)


@pytest.mark.parametrize("verdict", [v for v in VerdictKind if v is not VerdictKind.CLEAR])
def test_report_lists_every_verdict_that_is_not_clear(verdict: VerdictKind) -> None:
    assert report.LISTED.get(verdict.value)


def test_report_does_not_list_clear_files() -> None:
    assert VerdictKind.CLEAR.value not in report.LISTED


@pytest.mark.parametrize("kind", list(FindingType))
def test_report_says_every_finding_type_in_words(kind: FindingType) -> None:
    assert report.FINDING_WORDS.get(kind.value)


# ---------------------------------------------------------------------------- decisions


@pytest.mark.parametrize("decision", list(DecisionKind))
def test_every_decision_can_be_recorded(decision: DecisionKind) -> None:
    assert decision.value in DECISIONS


@pytest.mark.parametrize("verdict", list(VerdictKind))
def test_scan_approve_records_a_known_decision_for_every_verdict(verdict: VerdictKind) -> None:
    decided = decision_for_verdict(verdict.value)
    assert decided in DECISIONS
    assert (decided in PERMISSIVE) == (verdict is VerdictKind.CLEAR)


def test_check_caption_writes_findings_as_the_report_does() -> None:
    got = finding(NameMatch("s1", 0, 7, "Ann Lee"), "Ann Lee", None)
    assert got["type"] == FindingType.FULL_NAME.value
    assert report.FINDING_WORDS[got["type"]]


# ------------------------------------------------------------------------------- the app


@pytest.mark.parametrize("verdict", list(VerdictKind))
def test_app_has_a_label_for_every_verdict(verdict: VerdictKind) -> None:
    pytest.importorskip("PySide6")
    from ui.verdicts import STYLES, VERDICT_ORDER

    assert verdict in VERDICT_ORDER
    assert STYLES[verdict.value].label
    assert STYLES[verdict.value].meaning


@pytest.mark.parametrize("decision", list(DecisionKind))
def test_app_has_a_label_for_every_decision(decision: DecisionKind) -> None:
    pytest.importorskip("PySide6")
    from ui.models.results import CHIP_LABELS, DECISION_LABELS

    assert DECISION_LABELS.get(decision.value)
    assert CHIP_LABELS.get(decision.value)


@pytest.mark.parametrize("kind", list(FindingType))
def test_app_says_every_finding_type_in_words(kind: FindingType) -> None:
    from ui.findings import FINDING_LINES, SUMMARY_WORDS

    assert FINDING_LINES.get(kind.value)
    assert SUMMARY_WORDS.get(kind.value)


# -------------------------------------------------------------------------- the log view


@pytest.mark.parametrize("verdict", list(VerdictKind))
def test_log_view_says_every_verdict(verdict: VerdictKind) -> None:
    body = {"scan_id": 3, "path": "/photos/a.jpg", "verdict": verdict.value}
    assert describe(_record(LogAction.SCAN_FILE.value, body)).endswith(f" {verdict.value}")


@pytest.mark.parametrize("decision", list(DecisionKind))
def test_log_view_says_every_decision(decision: DecisionKind) -> None:
    action = LogAction(f"decision.{decision.value}")  # every decision is a log action
    line = describe(_record(action.value, {"path": "/photos/a.jpg", "verdict": "clear"}))
    assert line.startswith(f"{decision.value} a.jpg")
