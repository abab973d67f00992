"""What the pages show about the data folder, read in one go off the UI thread."""

from __future__ import annotations

from dataclasses import dataclass

from photoguard.references.enroll import EnrollStatus, status
from photoguard.roster import stored as roster_store
from photoguard.roster.model import RosterVersion, Student
from photoguard.workspace.folder import Workspace


@dataclass(frozen=True)
class DataState:
    version: RosterVersion | None
    students: tuple[Student, ...]
    #: Every opted-out student with their reference faces.
    references: tuple[EnrollStatus, ...]
    #: Every roster version imported, oldest first.
    history: tuple[RosterVersion, ...] = ()

    @property
    def opted_out(self) -> int:
        return len(self.references)

    @property
    def with_faces(self) -> int:
        return sum(1 for r in self.references if r.references > 0)

    @property
    def gaps(self) -> tuple[Student, ...]:
        """Opted-out students with no reference face: a check cannot recognise them."""
        return tuple(r.student for r in self.references if r.references == 0)

    @property
    def names(self) -> dict[str, str]:
        return {s.student_id: s.display_name for s in self.students}

    @property
    def faces(self) -> dict[str, int]:
        return {r.student.student_id: r.references for r in self.references}


def load_state(ws: Workspace) -> DataState:
    with ws.db.snapshot() as tx:
        version = roster_store.current_version(tx, ws.school)
        students = roster_store.current_students(tx, ws.school)
        history = roster_store.history(tx, ws.school)
    return DataState(version, tuple(students), tuple(status(ws)), tuple(history))


def gap_sentence(gaps: tuple[Student, ...], limit: int = 6) -> str:
    names = ", ".join(f"{s.display_name} ({s.student_id})" for s in gaps[:limit])
    more = f" and {len(gaps) - limit} more" if len(gaps) > limit else ""
    n = len(gaps)
    return (
        f"{n} opted-out student{'s have' if n != 1 else ' has'} no reference face, so a check "
        f"cannot recognise them in photos: {names}{more}."
    )
