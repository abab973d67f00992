"""Enrolling reference faces of opted-out students, and reading them back for a scan.

Accepted sources, as a school actually has them:

* a picture-day delivery from the portrait vendor: a folder with a PSPA
  ``index.txt`` (see pspa.py). Rows are matched to roster students by ID when a
  column holds roster IDs, otherwise by last + first name with grade to break
  ties; rows that match nobody, or more than one student, are listed, never guessed;
* a folder of photos named by student ID (``100231.jpg``), as Aspen's
  student-photo export delivers them;
* one student's photos, named on the command line.

Only opted-out students are enrolled: nobody else's face is ever encoded
(data minimisation). Each reference photo must be readable and show exactly one
face at least ``REFERENCE_MIN_FACE_PX`` wide. Enrolling the same photo twice
adds nothing. The whole batch is stored in one transaction.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.faces.match import Reference, ReferenceSet
from photoguard.faces.model import MODEL_LABEL
from photoguard.files.clock import utcnow
from photoguard.files.hashing import sha256_file
from photoguard.files.pathtext import display, relative
from photoguard.media.walk import Found, walk
from photoguard.references import stored as ref_store
from photoguard.references.pspa import IndexRow, folder_parts, path_problem, read_index
from photoguard.references.vault import SealError, Vault
from photoguard.roster import stored as roster_store
from photoguard.roster.ages import band_of
from photoguard.roster.model import Student
from photoguard.scan.analysis import (
    AnalysisOptions,
    ReferenceAnalysis,
    ReferenceTask,
    run_reference_task,
)
from photoguard.scan.failure import WorkerFailure
from photoguard.scan.workers import WorkerPool
from photoguard.vocab import YOUNGEST_BAND, LogAction
from photoguard.workspace.folder import Workspace
from photoguard.workspace.settings import REFERENCE_MIN_FACE_PX

ENCODING_KIND = "face-encoding"
THUMBNAIL_KIND = "face-thumbnail"
INDEX_NAMES = ("index.txt",)


@dataclass(frozen=True)
class Candidate:
    student: Student
    photo: Path
    #: How the photo is named to a person (relative to the folder given).
    label: str
    #: The folder (resolved) the photo must still be inside when it is read: a plan is
    #: shown before it is enrolled, and a link could be put in its place meanwhile.
    within: Path | None = None


@dataclass(frozen=True)
class Unmatched:
    """An index row or photo that could not be tied to exactly one roster student."""

    label: str
    reason: str


@dataclass(frozen=True)
class Rejected:
    student_id: str
    label: str
    reason: str


@dataclass(frozen=True)
class Plan:
    candidates: tuple[Candidate, ...]
    unmatched: tuple[Unmatched, ...] = ()
    #: Photos of students who are not opted out: never read (their faces are not stored).
    not_opted_out: int = 0
    source: str = ""


@dataclass(frozen=True)
class EnrollResult:
    plan: Plan
    #: student ID -> references added now
    added: dict[str, int] = field(default_factory=dict)
    already_enrolled: int = 0
    rejected: tuple[Rejected, ...] = ()
    coverage_gaps: tuple[Student, ...] = ()


@dataclass(frozen=True)
class EnrollStatus:
    student: Student
    references: int
    newest: str | None
    stale: bool


# -------------------------------------------------------------------------- planning


def _norm_name(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", folded.casefold())


def _norm_grade(text: str) -> str:
    g = text.strip().casefold()
    return g.lstrip("0") or g


def _roster(ws: Workspace) -> list[Student]:
    with ws.db.snapshot() as tx:
        return roster_store.roster_in_force(tx, ws.school)[1]


def plan_folder(ws: Workspace, folder: Path) -> Plan:
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder")
    index = next(
        (p for p in sorted(folder.iterdir()) if p.name.casefold() in INDEX_NAMES and p.is_file()),
        None,
    )
    students = _roster(ws)
    if index is not None:
        return _plan_pspa(folder, index, students)
    return _plan_id_named(folder, students)


def _plan_id_named(folder: Path, students: list[Student]) -> Plan:
    by_id = {s.student_id: s for s in students}
    candidates: list[Candidate] = []
    unmatched: list[Unmatched] = []
    not_opted = 0
    for item in walk([folder]):
        if not isinstance(item, Found) or item.kind != "photo":
            continue
        sid = item.path.stem.strip()
        student = by_id.get(sid) or by_id.get(re.sub(r"[_\- ]\d+$", "", sid))
        if student is None:
            unmatched.append(Unmatched(item.rel, f"no roster student has the ID {display(sid)!r}"))
        elif not student.opted_out:
            not_opted += 1
        else:
            candidates.append(Candidate(student, item.path, item.rel))
    if not candidates and not unmatched and not not_opted:
        raise UserError(f"{folder} has no photos named by student ID and no index.txt")
    return Plan(tuple(candidates), tuple(unmatched), not_opted, display(folder))


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every link on the way followed, is inside ``root`` (resolved)."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop, an unreadable folder on the way
        return False


def _find_image(folder: Path, row: IndexRow, files: dict[str, list[Path]]) -> Path | str:
    """The photo a row names, inside ``folder``; or why there is none to read.

    Never a file outside the delivery folder: rows whose paths leave it are refused
    from their text (pspa.path_problem), and a photo reached through a link that
    leads outside is refused before it is opened.
    """
    problem = path_problem(row)
    if problem:
        return f"{problem}: not read (only photos inside the delivery folder are)"
    root = folder.resolve()
    named = folder.joinpath(*folder_parts(row), row.image_file)
    candidates = [named, folder / row.image_file]
    found = files.get(row.image_file.casefold(), [])
    if len(found) == 1:  # a wrong folder: the one file of that name, if there is one
        candidates.append(found[0])
    for candidate in candidates:
        if row.image_file and candidate.is_file():
            if not _inside(candidate, root):  # never another photo in its place: a guess
                return (
                    f"{relative(candidate, folder)} is a link to a file outside the delivery "
                    "folder: not read (only photos inside the delivery folder are)"
                )
            return candidate
    return "the image file is not in the folder"


def _plan_pspa(folder: Path, index_path: Path, students: list[Student]) -> Plan:
    index = read_index(index_path)
    ids = {s.student_id: s for s in students}
    # A column holds roster IDs when most of its values are roster IDs.
    id_column = None
    width = max(len(r.cells) for r in index.rows)
    for col in range(width):
        values = [r.cells[col] for r in index.rows if col < len(r.cells) and r.cells[col]]
        if values and sum(v in ids for v in values) >= max(1, len(values) // 2):
            id_column = col
            break
    if id_column is None and not index.names_known:
        raise UserError(
            f"{index_path.name}: no column holds roster student IDs and the name columns "
            "cannot be told apart (add a header row: Image File Name, Last Name, First Name, Grade)"
        )
    by_name: dict[str, list[Student]] = defaultdict(list)
    for s in students:
        for first in {s.first_name, s.preferred_name} - {""}:
            key = _norm_name(s.last_name) + "|" + _norm_name(first)
            if s not in by_name[key]:
                by_name[key].append(s)
    files: dict[str, list[Path]] = defaultdict(list)
    for p in folder.rglob("*"):
        if p.is_file():
            files[p.name.casefold()].append(p)

    candidates: list[Candidate] = []
    unmatched: list[Unmatched] = []
    not_opted = 0
    for row in index.rows:
        label = f"{index_path.name} line {row.line} ({display(row.image_file)})"
        student: Student | None = None
        if id_column is not None and id_column < len(row.cells) and row.cells[id_column] in ids:
            student = ids[row.cells[id_column]]
        elif id_column is not None and not index.names_known:
            unmatched.append(Unmatched(label, "its ID is not on the roster"))
            continue
        else:
            matches = by_name.get(_norm_name(row.last_name) + "|" + _norm_name(row.first_name), [])
            if len(matches) > 1 and row.grade:
                matches = [m for m in matches if _norm_grade(m.grade) == _norm_grade(row.grade)]
            if not matches:
                who = f"{row.first_name} {row.last_name}".strip()
                unmatched.append(Unmatched(label, f"no roster student named {who!r}"))
                continue
            if len(matches) > 1:
                unmatched.append(
                    Unmatched(
                        label,
                        "more than one roster student matches: "
                        + ", ".join(m.student_id for m in matches),
                    )
                )
                continue
            student = matches[0]
        if not student.opted_out:
            not_opted += 1
            continue
        image = _find_image(folder, row, files)
        if isinstance(image, str):
            unmatched.append(Unmatched(label, image))
            continue
        candidates.append(Candidate(student, image, relative(image, folder), folder.resolve()))
    return Plan(tuple(candidates), tuple(unmatched), not_opted, display(folder))


def plan_student(ws: Workspace, student_id: str, images: Sequence[Path]) -> Plan:
    students = {s.student_id: s for s in _roster(ws)}
    student = students.get(student_id)
    if student is None:
        raise UserError(f"no student with ID {student_id!r} on the roster in force")
    if not student.opted_out:
        raise UserError(
            f"{student.display_name} ({student_id}) is not opted out: photoguard stores reference "
            "faces of opted-out students only"
        )
    if not images:
        raise UserError("name at least one photo of the student")
    for image in images:
        if not image.is_file():
            raise UserError(f"{image} is not a file")
    return Plan(
        tuple(Candidate(student, p, display(p.name)) for p in images),
        source=f"{len(images)} photo(s) for {student_id}",
    )


# ------------------------------------------------------------------------- enrolling


def enroll(
    ws: Workspace,
    plan: Plan,
    by: str,
    *,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EnrollResult:
    """Encode and store the plan's reference photos (one transaction)."""
    if not ws.settings.faces:
        raise UserError("faces-off mode is on: reference faces are not enrolled")
    # A missing master key is said now, not after minutes of analysing photos.
    Vault(ws.db, ws.home, ws.school).check_key()
    with ws.db.snapshot() as tx:
        existing = {(r.student_id, r.source_sha256) for r in ref_store.references(tx, ws.school)}
    todo: list[tuple[Candidate, str]] = []
    already = 0
    rejected: list[Rejected] = []
    for c in plan.candidates:
        if c.within is not None and not _inside(c.photo, c.within):
            rejected.append(
                Rejected(
                    c.student.student_id,
                    c.label,
                    "it now leads outside the delivery folder (a link): not read",
                )
            )
            continue
        try:
            digest = sha256_file(c.photo)
        except OSError as exc:
            rejected.append(Rejected(c.student.student_id, c.label, f"unreadable ({exc.strerror})"))
            continue
        if (c.student.student_id, digest) in existing or any(
            t[0].student.student_id == c.student.student_id and t[1] == digest for t in todo
        ):
            already += 1
        else:
            todo.append((c, digest))

    options = AnalysisOptions(
        min_face_px=ws.settings.min_face_px,
        frames_per_second=ws.settings.frames_per_second,
        encode=True,
    )
    analysed: dict[int, ReferenceAnalysis | WorkerFailure] = {}
    if todo:
        with WorkerPool(run_reference_task, processes=min(processes or 99, len(todo))) as pool:
            tasks = ((i, (ReferenceTask(c.photo, options),)) for i, (c, _) in enumerate(todo))
            for done, (key, result) in enumerate(pool.run(tasks), start=1):
                analysed[key] = result
                if progress:
                    progress(done, len(todo))

    accepted: list[tuple[Candidate, str, ReferenceAnalysis]] = []
    for i, (c, digest) in enumerate(todo):
        result = analysed.get(i, WorkerFailure("not checked"))
        reason = _gate(result)
        if reason:
            rejected.append(Rejected(c.student.student_id, c.label, reason))
        else:
            assert isinstance(result, ReferenceAnalysis)
            accepted.append((c, digest, result))

    added: dict[str, int] = defaultdict(int)
    vault = Vault(ws.db, ws.home, ws.school)
    records: list[audit.Record] = []
    with ws.db.transaction() as tx:
        current = {s.student_id: s for s in roster_store.current_students(tx, ws.school)}
        for c, digest, result in accepted:
            now = current.get(c.student.student_id)
            if now is None or not now.opted_out:  # the roster changed meanwhile
                rejected.append(Rejected(c.student.student_id, c.label, "no longer opted out"))
                continue
            face = result.faces[0]
            assert face.encoding is not None
            sealed = vault.seal(
                tx, c.student.student_id, ENCODING_KIND, face.encoding.astype("<f4").tobytes()
            )
            thumb = (
                vault.seal(tx, c.student.student_id, THUMBNAIL_KIND, result.thumbnail)
                if result.thumbnail
                else None
            )
            stored = ref_store.StoredReference(
                id=0,
                student_id=c.student.student_id,
                source_sha256=digest,
                source_name=c.label,
                box=json.dumps(face.box.as_list()),
                face_px=face.box.width,
                model=MODEL_LABEL,
                created_at=utcnow(),
                sealed_encoding=sealed,
                sealed_thumbnail=thumb,
            )
            if ref_store.insert_reference(tx, ws.school, stored):
                added[c.student.student_id] += 1
            else:
                already += 1
        for sid, n in sorted(added.items()):
            records.append(
                audit.append(
                    tx,
                    ws.school,
                    by,
                    LogAction.ENROLL_ADD,
                    bodies.EnrollAdd(
                        student_id=sid, references_added=n, source=plan.source
                    ).to_json_dict(),
                )
            )
    audit.write_head(ws.home, ws.school, *records)
    return EnrollResult(
        plan=plan,
        added=dict(added),
        already_enrolled=already,
        rejected=tuple(rejected),
        coverage_gaps=tuple(coverage_gaps(ws)),
    )


def _gate(result: ReferenceAnalysis | WorkerFailure) -> str | None:
    """Why a reference photo is refused, or None if it is good."""
    if isinstance(result, WorkerFailure):
        return result.reason
    if result.error:
        return result.error
    if not result.faces:
        # In plain words, with what to do: the office can always add another photo.
        return (
            "no face could be found in this photo; choose another in which the student "
            "faces the camera (a picture-day portrait is best)"
        )
    if len(result.faces) > 1:
        return f"{len(result.faces)} faces found; a reference photo must show exactly one"
    width = result.faces[0].box.width
    if width < REFERENCE_MIN_FACE_PX:
        return f"the face is {width} px wide; at least {REFERENCE_MIN_FACE_PX} px is needed"
    return None


# ---------------------------------------------------------------------- reading back


def status(ws: Workspace) -> list[EnrollStatus]:
    """Every opted-out student with how many references they have."""
    cutoff = datetime.now(UTC) - timedelta(days=ws.settings.reference_max_age_days)
    with ws.db.snapshot() as tx:
        students = [s for s in roster_store.current_students(tx, ws.school) if s.opted_out]
        refs = ref_store.references(tx, ws.school)
    count: dict[str, int] = defaultdict(int)
    newest: dict[str, str] = {}
    for r in refs:
        count[r.student_id] += 1
        newest[r.student_id] = max(newest.get(r.student_id, ""), r.created_at)
    out = []
    for s in sorted(students, key=lambda s: s.sort_key):
        n = newest.get(s.student_id)
        stale = n is not None and datetime.fromisoformat(n) < cutoff
        out.append(EnrollStatus(s, count[s.student_id], n, stale))
    return out


def coverage_gaps(ws: Workspace) -> list[Student]:
    """Opted-out students with no reference face: a scan cannot recognise them."""
    return [st.student for st in status(ws) if st.references == 0]


def load_reference_set(
    ws: Workspace, today: date | None = None, students: Sequence[Student] | None = None
) -> ReferenceSet:
    """Decrypt every reference of every currently opted-out student, each student with
    the distances of their age band on ``today`` (the check's date; roster/ages.py).
    ``students``: judge by this roster instead of the one in force (an import's preview)."""
    vault = Vault(ws.db, ws.home, ws.school)
    refs: list[Reference] = []
    day = today or date.today()
    with ws.db.snapshot() as tx:
        roster = roster_store.current_students(tx, ws.school) if students is None else students
        opted = {
            s.student_id: ws.settings.distances_for(band_of(s.age_class_of, day))
            for s in roster
            if s.opted_out
        }
        for r in ref_store.references(tx, ws.school):
            if r.student_id not in opted:
                continue
            try:
                raw = vault.open(tx, r.student_id, ENCODING_KIND, r.sealed_encoding)
            except SealError as exc:
                raise UserError(
                    f"the reference faces of student {r.student_id} cannot be unlocked ({exc}); "
                    "re-enroll them"
                ) from exc
            refs.append(Reference(r.student_id, np.frombuffer(raw, dtype="<f4").astype(np.float64)))
    return ReferenceSet(refs, opted, ws.settings.distances_for(YOUNGEST_BAND))


def reference_thumbnails(ws: Workspace, student_id: str) -> list[bytes]:
    vault = Vault(ws.db, ws.home, ws.school)
    out: list[bytes] = []
    with ws.db.snapshot() as tx:
        for r in ref_store.references(tx, ws.school, student_id):
            if r.sealed_thumbnail:
                out.append(vault.open(tx, student_id, THUMBNAIL_KIND, r.sealed_thumbnail))
    return out
