"""Review by person, not by file: one decision for every file of a face group.

A check's face groups (groups.py) tell which of its unsure faces are, by their faces,
one person. A person who knows the children can then say once, for a group, "this is
Ana" or "this is not Ana", instead of opening each photo:

* **It is the student**: every file of the group is blocked;
* **It is not the student**: every file whose only findings are this group's unsure
  faces of that student is approved (an override of the check, with the reason given);
  a file with anything else (another student, a full name, a part that could not be
  read, a face of the student outside the group) is left for a decision of its own.

Which files a group holds is written in the check's ``scan.finish`` record
(``face_groups``), so a decision by group rests on the approval log, not on a report
file anyone could edit; each file's own findings are read from its ``scan.file``
record, and each decision is recorded as any decision is (decisions.py), so every rule
of a single decision (the file unchanged since, the roster and references in force,
a reason for an override) holds for each file of the group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.files.clock import utcnow
from photoguard.files.pathtext import stored
from photoguard.scan.decisions import DecisionResult, decide, scanned
from photoguard.scan.groups import reached_by_group
from photoguard.scan.stored import ScannedFile
from photoguard.vocab import DecisionKind, FindingType, LogAction
from photoguard.workspace.folder import Workspace

if TYPE_CHECKING:
    from photoguard.references.learn import Learned


@dataclass(frozen=True)
class GroupToReview:
    """Unsure faces of one face group that may be one opted-out student."""

    group: int
    student_id: str
    #: Each file's stored path -> how many of its unsure faces of the student are in it.
    files: Mapping[str, int]
    #: The other students these faces may be (each within their own review distance):
    #: "not the student" is an answer for all of them at once ("none of them").
    also: tuple[str, ...] = ()

    @property
    def students(self) -> tuple[str, ...]:
        """Every student a "none of them" answer speaks for, nearest first."""
        return (self.student_id, *self.also)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "group": self.group,
            "student_id": self.student_id,
            "files": dict(self.files),
        }
        if self.also:
            out["also"] = list(self.also)
        return out

    @staticmethod
    def from_json(raw: Mapping[str, Any]) -> GroupToReview | None:
        group, sid, files = raw.get("group"), raw.get("student_id"), raw.get("files")
        if not isinstance(group, int) or not isinstance(sid, str) or not isinstance(files, dict):
            return None
        counts = {str(k): v for k, v in files.items() if isinstance(v, int) and v > 0}
        also = raw.get("also")
        others = tuple(str(a) for a in also) if isinstance(also, list) else ()
        return GroupToReview(group, sid, counts, others)


def groups_to_review(files: Sequence[tuple[str, Sequence[Any]]]) -> list[GroupToReview]:
    """The groups to review among a check's files: (stored path, findings) each. One per
    face group with at least one unsure face (review finding), in group order: a person
    looks at one person once, whichever students their faces may be. The group's student
    is the one its faces came nearest to; ``also`` lists the others, nearest first."""
    found: dict[int, dict[str, int]] = {}
    nearest: dict[int, dict[str, float]] = {}
    also: dict[int, dict[str, None]] = {}
    for path, findings in files:
        for f in findings:
            if (
                f.type == FindingType.POSSIBLE_OPTED_OUT_FACE
                and f.face_group is not None
                and f.student_id is not None
            ):
                per_file = found.setdefault(f.face_group, {})
                per_file[path] = per_file.get(path, 0) + 1
                near = nearest.setdefault(f.face_group, {})
                d = f.distance if f.distance is not None else float("inf")
                near[f.student_id] = min(d, near.get(f.student_id, float("inf")))
                for other in f.also_students or ():
                    also.setdefault(f.face_group, {})[other] = None
    out = []
    for g, per_file in sorted(found.items()):
        ranked = sorted(nearest[g].items(), key=lambda kv: (kv[1], kv[0]))
        first = ranked[0][0]
        others = [sid for sid, _d in ranked[1:]]
        others += [sid for sid in also.get(g, {}) if sid != first and sid not in others]
        out.append(GroupToReview(g, first, per_file, tuple(others)))
    return out


@dataclass(frozen=True)
class CheckGroups:
    scan_id: int
    groups: tuple[GroupToReview, ...]
    #: The check was stopped before every file was in.
    cancelled: bool = False

    def find(self, group: int, student_id: str | None = None) -> GroupToReview:
        """The face group to decide; with ``student_id``, only if its faces may be them."""
        matching = [
            g
            for g in self.groups
            if g.group == group and (student_id is None or student_id in g.students)
        ]
        if not matching:
            raise UserError(
                f"check {self.scan_id} has no face group {group} to review"
                + (f" that may be student {student_id}" if student_id else "")
                + " ('photoguard review' lists them)"
            )
        if len(matching) > 1:
            # A check recorded before groups were one row each lists a group per student.
            exact = [g for g in matching if g.student_id == student_id]
            if len(exact) == 1:
                return exact[0]
            ids = ", ".join(g.student_id for g in matching)
            raise UserError(
                f"face group {group} may be more than one student ({ids}): say which with --student"
            )
        return matching[0]


def check_groups(ws: Workspace, scan_id: int | None = None) -> CheckGroups:
    """The face groups to review of a finished check (the newest one if not named), as
    its ``scan.finish`` record holds them."""
    with ws.db.snapshot() as tx:
        if scan_id is None:
            found = list(
                audit.records_of(tx, ws.school, [LogAction.SCAN_FINISH], newest_first=True, limit=1)
            )
        else:
            found = list(
                audit.find_records(tx, ws.school, LogAction.SCAN_FINISH, {"scan_id": scan_id})
            )[:1]
        # Only a record that stands in its chain as it was written is acted on.
        record = audit.chained(tx, ws.school, found[0].seq) if found else None
    body = record.body_as(bodies.ScanFinish) if record is not None else None
    if body is None or body.scan_id is None:
        raise UserError(
            "no finished check to review" + (f" with number {scan_id}" if scan_id else "")
            if not found
            else f"the record of check {scan_id or ''} cannot be read from the approval log"
            " ('photoguard log verify' says why)"
        )
    groups = tuple(g for raw in body.face_groups if (g := GroupToReview.from_json(raw)) is not None)
    return CheckGroups(body.scan_id, groups, cancelled=body.cancelled)


@dataclass(frozen=True)
class GroupDecision:
    path: str
    #: The decision recorded, or None when the file was left for a decision of its own.
    result: DecisionResult | None
    #: Why it was left (None when decided).
    left: str | None = None
    #: Faces of the group in this file whose "not" answer is kept (answers.py): a later
    #: check of the same bytes does not ask about them again.
    faces_answered: int = 0


def decide_group(
    ws: Workspace,
    checked: CheckGroups,
    group: GroupToReview,
    *,
    is_student: bool,
    by: str,
    student_name: str,
    reason: str | None = None,
) -> list[GroupDecision]:
    """Record the decision a person made for a whole face group, file by file. "Not the
    student" approves files the check was unsure of: it needs a person's reason, and a
    check that was stopped early (its groups may be incomplete) takes none."""
    if not is_student and not (reason and reason.strip()):
        raise UserError("saying a face group is not the student needs your reason")
    if not is_student and checked.cancelled:
        raise UserError(
            f"check {checked.scan_id} was stopped early: its face groups may be incomplete, "
            "so no file is approved by group; check the folder again"
        )
    said = (
        f"face group {group.group} of check {checked.scan_id}: {by} says this is {student_name}"
        if is_student
        else f"face group {group.group} of check {checked.scan_id} is not {student_name} "
        f"({by} looked)"
    )
    why = f"{said}; {reason}" if reason else said
    # Kept first: the answer holds for the faces whichever of their files take it.
    answered = {} if is_student else _remember_not(ws, checked, group, by)
    out: list[GroupDecision] = []
    for path, count in sorted(group.files.items()):
        left = _why_left(ws, checked.scan_id, path, group, count, is_student)
        kept = answered.get(path, 0)
        if left is not None:
            out.append(GroupDecision(path, None, left, kept))
            continue
        kind = DecisionKind.BLOCK if is_student else DecisionKind.OVERRIDE
        try:
            out.append(GroupDecision(path, decide(ws, Path(path), kind, by, why), None, kept))
        except UserError as exc:
            out.append(GroupDecision(path, None, str(exc), kept))
    return out


def _remember_not(
    ws: Workspace, checked: CheckGroups, group: GroupToReview, by: str
) -> dict[str, int]:
    """Keep the person's "none of them" for each of the group's faces in files whose
    newest check is this one (answers.py), so that a later check of the same bytes does
    not ask again. Returns how many faces it was kept for, by file."""
    from photoguard.scan.answers import NotTheStudents
    from photoguard.scan.cache import ScanCache

    at = utcnow()
    kept: list[tuple[str, str, NotTheStudents]] = []
    for path in sorted(group.files):
        row, body = _newest_check(ws, Path(path))
        if row is None or row.scan_id != checked.scan_id or body is None or not body.sha256:
            continue
        for f in body.findings:
            box = _box_of(f)
            t = f.get("time_s")
            if (
                f.get("type") == FindingType.POSSIBLE_OPTED_OUT_FACE
                and _of_group(f, group)
                and box is not None
                and not reached_by_group(f)
            ):
                answer = NotTheStudents(
                    group.students,
                    box,
                    float(t) if isinstance(t, int | float) else None,
                    checked.scan_id,
                    group.group,
                    by,
                    at,
                )
                kept.append((path, body.sha256, answer))
    if not kept:
        return {}
    counts: dict[str, int] = {}
    cache = ScanCache(ws.home, ws.settings.cache_days)
    try:
        for path, sha256, answer in kept:
            cache.put_answer(sha256, answer.as_json())
            counts[path] = counts.get(path, 0) + 1
    finally:
        cache.close()
    return counts


def _newest_check(ws: Workspace, path: Path) -> tuple[ScannedFile | None, bodies.ScanFile | None]:
    """The file's newest check (its scan_files row) and what its scan.file record says,
    the record only if it stands in the chain as it was written (else None)."""
    row = scanned(ws, path)
    if row is None or row.record_seq is None:
        return row, None
    with ws.db.snapshot() as tx:
        record = audit.chained(tx, ws.school, row.record_seq)
    return row, record.body_as(bodies.ScanFile) if record is not None else None


def _of_group(finding: Mapping[str, Any], group: GroupToReview) -> bool:
    """An unsure face of this group (a record from before faces carried their group
    number: an unsure face of the group's nearest student)."""
    number = finding.get("face_group")
    if isinstance(number, int):
        return number == group.group
    return finding.get("student_id") == group.student_id


def _box_of(finding: Mapping[str, Any]) -> tuple[int, int, int, int] | None:
    box = finding.get("box")
    if not isinstance(box, list) or len(box) != 4:
        return None
    return (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


def learn_from_group(
    ws: Workspace,
    checked: CheckGroups,
    group: GroupToReview,
    *,
    by: str,
    student_id: str | None = None,
) -> Learned:
    """Add the clearest face of a group a person confirmed as a student (``student_id``,
    one of those the group may be; the nearest if not said): the widest among the photos
    that hold exactly one of the group's faces, as one more reference of that student
    (references/learn.py). UserError says why not."""
    from photoguard.references.learn import add_confirmed_face

    sid = student_id or group.student_id
    if sid not in group.students:
        raise UserError(f"face group {group.group} was not thought to be student {sid}")

    best: tuple[int, str, str, tuple[int, int, int, int]] | None = None
    for path, count in sorted(group.files.items()):
        row, body = _newest_check(ws, Path(path)) if count == 1 else (None, None)
        if row is None or row.scan_id != checked.scan_id or body is None:
            continue
        if body.sha256 is None or body.kind != "photo":
            continue
        unsure = [
            f
            for f in body.findings
            if f.get("type") == FindingType.POSSIBLE_OPTED_OUT_FACE
            and _of_group(f, group)
            and _box_of(f) is not None
            and f.get("time_s") is None
            and not str(f.get("detail") or "").startswith("in the photo's")
        ]
        box = _box_of(unsure[0]) if len(unsure) == 1 else None
        if box is not None and (best is None or box[2] > best[0]):
            best = (box[2], path, body.sha256, box)
    if best is None:
        raise UserError(
            f"face group {group.group} has no photo whose face can be added as a reference "
            "(only photos with one face of the group are used)"
        )
    _width, path, sha256, box = best
    return add_confirmed_face(
        ws,
        student_id=sid,
        path=Path(path),
        sha256=sha256,
        box=box,
        scan_id=checked.scan_id,
        group=group.group,
        by=by,
    )


@dataclass(frozen=True)
class ReachedFace:
    """A face a flag in its group made review: a safe copy must cover it too."""

    student_id: str
    box: tuple[int, int, int, int]
    time_s: float | None
    distance: float | None
    detail: str


def reached_faces(ws: Workspace, path: Path, sha256: str) -> list[ReachedFace]:
    """The faces of the file's newest check that a face group made review (none when
    that check saw other bytes), read from its ``scan.file`` record."""
    row, body = _newest_check(ws, path)
    if row is None or row.sha256 != sha256 or body is None:
        return []
    out = []
    for f in body.findings:
        box = _box_of(f)
        if reached_by_group(f) and box is not None:
            t = f.get("time_s")
            d = f.get("distance")
            out.append(
                ReachedFace(
                    str(f.get("student_id")),
                    box,
                    float(t) if isinstance(t, int | float) else None,
                    float(d) if isinstance(d, int | float) else None,
                    str(f.get("detail")),
                )
            )
    return out


def _why_left(
    ws: Workspace, scan_id: int, path: str, group: GroupToReview, count: int, is_student: bool
) -> str | None:
    """Why this file of the group cannot take the group's decision (None: it can).

    "Not the student" speaks for every student the group's faces may be (``students``):
    a file takes it only when its findings are all unsure faces of those students, every
    one of them in this group, none linked to a flagged face."""
    if is_student:
        return None  # blocking is always allowed, whatever else the file holds
    row, body = _newest_check(ws, Path(path))
    if row is None or row.scan_id != scan_id:
        return "it was checked again after this check: review the newer check"
    if row.record_seq is None:
        return "its check has no record to read its findings from"
    if body is None or stored(Path(path)) != body.path:
        return "its check's record could not be read"
    denied = set(group.students)
    # Faces already answered (answers.py) were told, not found: they stop nothing.
    findings = [f for f in body.findings if f.get("type") != FindingType.ANSWERED_FACE]
    others = [
        f
        for f in findings
        if not (
            f.get("type") == FindingType.POSSIBLE_OPTED_OUT_FACE
            and f.get("student_id") in denied
            and set(f.get("also_students") or ()) <= denied
        )
    ]
    if others:
        return "it holds other findings: decide it on its own"
    if any(reached_by_group(f) for f in findings):
        # Its face is the same person as a face flagged as this student elsewhere in the
        # check, which this answer was not given on: a person looks at the file itself.
        return (
            "a face in it is the same person as a face matched to this student elsewhere "
            "in the check: decide it on its own"
        )
    unsure = len(findings)
    if unsure != count:
        return (
            f"it holds {unsure} unsure face(s), {count} of them in this group: decide it on its own"
        )
    return None
