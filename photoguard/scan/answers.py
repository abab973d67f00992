"""What a person already said about faces: "not Ana" is not asked again.

When a person looks at a face group and says it is none of the students its faces may be
(review.py), the answer is kept for each of the group's faces: the file's SHA-256, the
face's box (and time, in a video), the students it is not, the check and face group it
was given on, who gave it and when. A later check of the same bytes that is again unsure
of that face, for those same students only, tells it as an *answered* face instead of
asking again: the person's answer, not the model, is what clears it.

What is kept, and for how long, follows the scan cache (cache.py): sealed with the cache
key in the cache file, in the data folder on this machine, deleted with the cache's
entries after ``settings.cache_days`` and by ``photoguard cache clear``. Nothing of the
face itself (no encoding) is kept: the answer is about these faces in these bytes, and
never becomes a reference of anyone.

An answer never clears more than it said:

* a face the check is *sure* of (within a student's flag distance) is never answered
  away, nor one the face groups of the check link to a flagged face (groups.py);
* a face that may now also be another student (newly opted out, or newly enrolled) is
  asked about again, as are faces whose box moved (a changed detector).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from photoguard.faces.detect import overlap
from photoguard.scan.groups import reached_by_group
from photoguard.scan.verdict import Assessment, Finding, with_findings
from photoguard.vocab import FindingType

#: The same face: boxes of one face from one pipeline agree to the pixel; a re-fitted
#: detector moves them a few pixels. Half the union still overlapping is the same face
#: (the learned-reference check uses the same bar: references/learn.py).
SAME_FACE_OVERLAP = 0.5
#: Times in a video agree to the millisecond for the same sample.
SAME_TIME_S = 0.001


@dataclass(frozen=True)
class NotTheStudents:
    """A person's answer about one face: it is none of ``students``."""

    students: tuple[str, ...]
    box: tuple[int, int, int, int]
    time_s: float | None
    scan_id: int
    group: int
    by: str
    at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "students": list(self.students),
            "box": list(self.box),
            "time_s": self.time_s,
            "scan_id": self.scan_id,
            "group": self.group,
            "by": self.by,
            "at": self.at,
        }

    @staticmethod
    def from_json(raw: Mapping[str, Any]) -> NotTheStudents | None:
        students, box, t = raw.get("students"), raw.get("box"), raw.get("time_s")
        scan_id, group, by, at = raw.get("scan_id"), raw.get("group"), raw.get("by"), raw.get("at")
        if not (
            isinstance(students, list)
            and students
            and all(isinstance(s, str) for s in students)
            and isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, int) for v in box)
            and (t is None or isinstance(t, int | float))
            and isinstance(scan_id, int)
            and isinstance(group, int)
            and isinstance(by, str)
            and isinstance(at, str)
        ):
            return None
        return NotTheStudents(
            tuple(students),
            (box[0], box[1], box[2], box[3]),
            float(t) if t is not None else None,
            scan_id,
            group,
            by,
            at,
        )

    def covers(self, finding: Finding) -> bool:
        """Whether this answer speaks for ``finding``: an unsure face, here, of only
        students the person said it is not."""
        if finding.type != FindingType.POSSIBLE_OPTED_OUT_FACE or finding.box is None:
            return False
        if reached_by_group({"detail": finding.detail}):
            return False
        if (finding.time_s is None) != (self.time_s is None):
            return False
        if (
            finding.time_s is not None
            and self.time_s is not None
            and abs(finding.time_s - self.time_s) > SAME_TIME_S
        ):
            return False
        said = set(self.students)
        if finding.student_id not in said or not set(finding.also_students or ()) <= said:
            return False
        return overlap(finding.box, self.box) >= SAME_FACE_OVERLAP


def answered(
    assessment: Assessment,
    answers: Iterable[NotTheStudents],
    names: Mapping[str, str] | None = None,
) -> Assessment:
    """``assessment`` with each unsure face an answer covers told as answered (its
    verdict and reason decided again); unchanged when none is covered. ``names``: each
    student's name by id, for the words."""
    kept = list(answers)
    if not kept:
        return assessment
    changed = False
    findings: list[Finding] = []
    for f in assessment.findings:
        answer = next((a for a in kept if a.covers(f)), None)
        if answer is None:
            findings.append(f)
            continue
        changed = True
        findings.append(
            replace(
                f,
                type=FindingType.ANSWERED_FACE,
                detail=_said(answer, names or {}) + (f"; {f.detail}" if f.detail else ""),
            )
        )
    return with_findings(assessment, tuple(findings)) if changed else assessment


def _said(answer: NotTheStudents, names: Mapping[str, str]) -> str:
    day = answer.at[:10]
    who = " or ".join(names.get(s, f"student {s}") for s in answer.students)
    return (
        f"{answer.by} said on {day} that this face is not {who} "
        f"(face group {answer.group} of check {answer.scan_id})"
    )


def from_kept(raw: Sequence[Mapping[str, Any]]) -> list[NotTheStudents]:
    """The answers the cache kept for a file (a malformed one is ignored: asked again)."""
    return [a for r in raw if (a := NotTheStudents.from_json(r)) is not None]
