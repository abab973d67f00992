"""The Qt item models, tested without any widget: rows, text, roles, filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from photoguard.references.enroll import EnrollStatus
from photoguard.roster.importing import apply_import, preview_import
from photoguard.roster.model import Student
from photoguard.scan.report import FileResult
from photoguard.scan.verdict import Assessment, Finding
from photoguard.workspace.folder import Workspace
from ui.models import log as log_model
from ui.models import references as ref_model
from ui.models import results as res
from ui.models import roster as roster_model

pytestmark = pytest.mark.gui

DISPLAY = Qt.ItemDataRole.DisplayRole

STUDENTS = [
    Student("1001", "Obama", "Barry", grade="5", homeroom="101", opted_out=True),
    Student("1002", "Biden", "Joseph", grade="5", homeroom="101"),
    Student("1003", "Harington", "Christopher", preferred_name="Kit", grade="4", opted_out=True),
    Student("1004", "Leslie", "Roseanne", grade="4"),
]
NAMES = {s.student_id: s.display_name for s in STUDENTS}


def result(name: str, verdict: str, *findings: Finding, kind: str = "photo") -> FileResult:
    return FileResult(
        path=Path("/photos") / name,
        rel=name,
        sha256="ab" * 32,
        kind=kind,
        assessment=Assessment(verdict=verdict, findings=findings, reason=f"{verdict} because"),
    )


FLAGGED = result(
    "kit_rose.jpg",
    "flagged",
    Finding("opted_out_face", student_id="1003", distance=0.34, box=(10, 20, 30, 40)),
)
VIDEO = result(
    "concert.mp4",
    "flagged",
    Finding("opted_out_face", student_id="1001", distance=0.42, box=(1, 2, 3, 4), time_s=0.2),
    Finding("opted_out_face", student_id="1001", distance=0.51, box=(1, 2, 3, 4), time_s=3.3),
    Finding("opted_out_face", student_id="1001", distance=0.47, box=(1, 2, 3, 4), time_s=3.5),
    kind="video",
)
REVIEW = result(
    "group.jpg",
    "review",
    Finding("possible_opted_out_face", student_id="1001", distance=0.62, box=(1, 1, 9, 9)),
)
ERROR = result("damaged.jpg", "error", Finding("error", detail="the file is truncated"))
CLEAR = result("biden.jpg", "clear")
#: A file name with a right-to-left override: "gpj.exe" reads as "exe.jpg".
TRICKY = result("photo\u202egpj.exe", "clear")


def test_results_model_lists_each_file_with_its_verdict_and_findings(qapp) -> None:
    model = res.ResultsModel()
    model.set_names(NAMES)
    for r in (FLAGGED, VIDEO, REVIEW, ERROR, CLEAR):
        model.add(r)
    assert model.rowCount() == 5
    assert model.columnCount() == len(res.HEADERS)
    assert model.headerData(res.COL_VERDICT, Qt.Orientation.Horizontal) == "Verdict"
    row = model.row_of("/photos/kit_rose.jpg")
    assert row is not None
    assert model.data(model.index(row, res.COL_NAME), DISPLAY) == "kit_rose.jpg"
    assert model.data(model.index(row, res.COL_VERDICT), DISPLAY) == "Flagged"
    assert model.data(model.index(row, res.COL_FOUND), DISPLAY) == "Kit Harington"
    assert model.data(model.index(row, 0), res.VERDICT_ROLE) == "flagged"
    assert model.data(model.index(row, 0), res.RESULT_ROLE) is FLAGGED
    video = model.row_of("/photos/concert.mp4")
    assert video is not None
    assert model.data(model.index(video, res.COL_FOUND), DISPLAY) == (
        "Barry Obama at 0.2 s, 3.3-3.5 s"
    )
    spoken = model.data(model.index(row, 0), Qt.ItemDataRole.AccessibleTextRole)
    assert "Flagged: do not share" in spoken and "Kit Harington" in spoken
    assert model.counts() == {"flagged": 2, "review": 1, "error": 1, "clear": 1}


def test_results_model_shows_hidden_characters_in_file_names(qapp) -> None:
    model = res.ResultsModel()
    model.add(TRICKY)
    shown = model.data(model.index(0, res.COL_NAME), DISPLAY)
    assert "\u202e" not in shown
    assert shown == "photo[U+202E]gpj.exe"


def test_a_file_checked_again_replaces_its_row_and_forgets_the_old_decision(qapp) -> None:
    model = res.ResultsModel()
    model.add(CLEAR)
    model.set_decision("/photos/biden.jpg", "approve")
    assert model.data(model.index(0, res.COL_DECISION), DISPLAY) == "Approved"
    model.add(result("biden.jpg", "flagged"))
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0), res.VERDICT_ROLE) == "flagged"
    assert model.decision("/photos/biden.jpg") is None


def test_verdict_filter_shows_the_chosen_verdicts_most_urgent_first(qapp) -> None:
    model = res.ResultsModel()
    for r in (CLEAR, ERROR, REVIEW, FLAGGED, VIDEO):
        model.add(r)
    proxy = res.VerdictFilter()
    proxy.setSourceModel(model)
    order = [proxy.index(i, 0).data(res.VERDICT_ROLE) for i in range(proxy.rowCount())]
    assert order == ["flagged", "flagged", "review", "error", "clear"]
    names = [proxy.index(i, 0).data(DISPLAY) for i in range(2)]
    assert names == ["concert.mp4", "kit_rose.jpg"]
    proxy.set_verdicts(["review", "error"])
    assert proxy.rowCount() == 2
    assert {proxy.index(i, 0).data(res.VERDICT_ROLE) for i in range(2)} == {"review", "error"}
    proxy.set_verdicts(None)
    assert proxy.rowCount() == 5


def test_roster_model_search_and_opted_out_filter(qapp) -> None:
    model = roster_model.RosterModel()
    model.set_students(STUDENTS, {"1001": 2, "1003": 0})
    assert model.rowCount() == 4
    # Sorted by last name: Biden, Harington, Leslie, Obama.
    assert model.data(model.index(0, roster_model.COL_NAME), DISPLAY) == "Biden, Joseph"
    kit = model.index(1, roster_model.COL_NAME)
    assert kit.data(DISPLAY) == "Harington, Christopher (Kit)"
    assert model.index(1, roster_model.COL_FACES).data(DISPLAY) == "! Missing"
    assert model.index(1, 0).data(roster_model.GAP_ROLE) is True
    assert model.index(3, roster_model.COL_FACES).data(DISPLAY) == "2"
    assert model.index(0, roster_model.COL_FACES).data(DISPLAY) == ""  # not opted out
    assert [s.student_id for s in model.gaps] == ["1003"]

    proxy = roster_model.RosterFilter()
    proxy.setSourceModel(model)
    proxy.set_search("kit")
    assert proxy.rowCount() == 1
    proxy.set_search("  OBAMA  barry ")
    assert proxy.rowCount() == 1
    proxy.set_search("1004")
    assert proxy.index(0, roster_model.COL_NAME).data(DISPLAY) == "Leslie, Roseanne"
    proxy.set_search("")
    proxy.set_opted_out_only(True)
    assert sorted(proxy.index(i, 0).data(DISPLAY) for i in range(proxy.rowCount())) == [
        "1001",
        "1003",
    ]


def test_references_model_says_missing_for_students_without_a_face(qapp) -> None:
    model = ref_model.ReferencesModel()
    model.set_status(
        [
            EnrollStatus(STUDENTS[0], 1, "2026-05-01T09:00:00+00:00", False),
            EnrollStatus(STUDENTS[2], 0, None, False),
        ]
    )
    assert model.rowCount() == 2
    assert model.index(0, ref_model.COL_FACES).data(DISPLAY) == "1"
    assert model.index(0, ref_model.COL_ADDED).data(DISPLAY) == "2026-05-01"
    assert model.index(1, ref_model.COL_FACES).data(DISPLAY) == "Missing"
    assert model.index(1, ref_model.COL_STATUS).data(DISPLAY) == "! Missing"
    assert model.index(1, 0).data(ref_model.MISSING_ROLE) is True
    assert isinstance(model.index(1, 0).data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert "cannot recognise" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert [m.student.student_id for m in model.missing] == ["1003"]


def test_log_model_reads_real_records(qapp, ws: Workspace, tmp_path: Path) -> None:
    from photoguard.audit.view import read_records

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student ID,Last Name,First Name,Photo Opt Out\n1001,Obama,Barry,Y\n1002,Biden,Joe,N\n",
        "utf-8",
    )
    apply_import(ws, preview_import(ws, roster), "office")
    model = log_model.LogModel()
    model.set_records(read_records(ws))
    assert model.rowCount() == 1
    assert model.index(0, log_model.COL_ACTION).data(DISPLAY) == "roster.import"
    assert model.index(0, log_model.COL_WHO).data(DISPLAY) == "office"
    assert "2 students, 1 opted out" in model.index(0, log_model.COL_WHAT).data(DISPLAY)
    proxy = log_model.LogSearch()
    proxy.setSourceModel(model)
    proxy.set_search("roster.csv office")
    assert proxy.rowCount() == 1
    proxy.set_search("decision")
    assert proxy.rowCount() == 0
