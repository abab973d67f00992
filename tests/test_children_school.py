"""The children's-school bench (benchmarks/children_school.py) judges a report against
who is really in each photo: its arithmetic, on a made-up school and report."""

from __future__ import annotations

from pathlib import Path

from benchmarks.children_school import School, Student, _grade, judge, roster_csv


def _school() -> School:
    students = (
        Student("2001", "001", Path("001A05.JPG"), 5, True),
        Student("2002", "002", Path("002A08.JPG"), 8, False),
        Student("2003", "003", Path("003A11.JPG"), 11, True),
    )
    events = {
        "event_001.jpg": frozenset({"2001"}),
        "event_002.jpg": frozenset({"2002"}),
        "event_003.jpg": frozenset({"2003"}),
        "group_01.jpg": frozenset({"2001", "2002", "2003"}),
    }
    return School(students, events)


def _face(kind: str, sid: str, group: int, detail: str | None = None) -> dict[str, object]:
    out: dict[str, object] = {"type": kind, "student_id": sid, "face_group": group}
    if detail:
        out["detail"] = detail
    return out


def test_the_report_is_judged_against_who_is_in_each_photo() -> None:
    report = {
        "files": [
            {
                "path": "event_001.jpg",
                "verdict": "flagged",
                "findings": [_face("opted_out_face", "2001", 1)],
            },
            # Nobody opted out in it, yet flagged as 2003: a wrong flag.
            {
                "path": "event_002.jpg",
                "verdict": "flagged",
                "findings": [_face("opted_out_face", "2003", 2)],
            },
            # 2003 is in it and nothing was found: a miss.
            {"path": "event_003.jpg", "verdict": "clear", "findings": []},
            {
                "path": "group_01.jpg",
                "verdict": "review",
                "findings": [
                    _face("possible_opted_out_face", "2001", 1, "the same person as a face in x"),
                    _face("possible_opted_out_face", "2003", 3),
                    _face("possible_opted_out_face", "2003", 3),
                ],
            },
        ]
    }
    o = judge(_school(), report)
    assert (o.files, o.appearances, o.caught_flag, o.caught_review) == (4, 4, 1, 2)
    assert o.missed == ["event_003.jpg: 2003"]
    assert (o.without, o.without_clear, o.without_flagged) == (1, 0, 1)
    assert o.flagged_wrongly == 1
    assert o.review_decisions == 2  # face groups 1 and 3: one decision each
    assert o.groups_reached == 1


def test_the_roster_gives_each_student_the_grade_of_their_picture_day_age() -> None:
    assert [_grade(a) for a in (5, 6, 11, 18)] == ["K", "1", "6", "12"]
    lines = roster_csv(_school()).splitlines()
    assert lines[0] == "Student ID,Last Name,First Name,Grade,Privacy Law Opt-Out"
    assert lines[1:] == [
        "2001,Pupil001,Kid001,K,Y",
        "2002,Pupil002,Kid002,3,N",
        "2003,Pupil003,Kid003,6,Y",
    ]
