"""The opt-out roster: students, versions, and what changed between two imports.

Policy 3.d.1: staff shall not share photos or videos of students whose parents
opted out through the "Privacy Law" form in the Aspen Parent Portal. The main
office exports that list from Aspen; :mod:`photoguard.roster_file` reads the
export, this module holds the result and compares it with the roster in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Student:
    student_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    preferred_name: str = ""
    grade: str = ""
    homeroom: str = ""
    yog: str = ""
    opted_out: bool = False

    @property
    def display_name(self) -> str:
        """How the app and reports name a student to staff: "First Last"."""
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.last_name.casefold(), self.first_name.casefold(), self.student_id)


@dataclass(frozen=True)
class Roster:
    """A roster as read from one export file (not yet stored)."""

    students: tuple[Student, ...]
    #: role -> the header it was read from, e.g. {"id": "Student ID", "optout": "Photo Opt Out"}
    columns: Mapping[str, str]
    source_name: str
    source_sha256: str
    #: Things a person should know about the file that did not stop the import.
    notes: tuple[str, ...] = ()

    @property
    def opted_out(self) -> tuple[Student, ...]:
        return tuple(s for s in self.students if s.opted_out)

    def by_id(self) -> dict[str, Student]:
        return {s.student_id: s for s in self.students}


@dataclass(frozen=True)
class RosterDiff:
    """What an import changes, by student ID.

    ``newly_opted_out`` counts every student who is opted out now and was not
    before, new students included: each of them needs a reference face.
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    newly_opted_out: tuple[str, ...] = ()
    opted_back_in: tuple[str, ...] = ()
    renamed: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "newly_opted_out": len(self.newly_opted_out),
            "opted_back_in": len(self.opted_back_in),
        }

    @property
    def loses_references(self) -> tuple[str, ...]:
        """Students whose reference faces must go: they left, or opted back in."""
        return tuple(sorted(set(self.removed) | set(self.opted_back_in)))


@dataclass(frozen=True)
class RosterVersion:
    """A stored import."""

    id: int
    school: str
    imported_at: str
    imported_by: str
    source_name: str
    source_sha256: str
    students: int
    opted_out: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How reports name this version: its number and the start of the file's hash."""
        return f"{self.id}:{self.source_sha256[:12]}"


def diff_rosters(before: Iterable[Student], after: Iterable[Student]) -> RosterDiff:
    old = {s.student_id: s for s in before}
    new = {s.student_id: s for s in after}
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    both = old.keys() & new.keys()
    newly = sorted(
        sid for sid, s in new.items() if s.opted_out and (sid not in old or not old[sid].opted_out)
    )
    back_in = sorted(sid for sid in both if old[sid].opted_out and not new[sid].opted_out)
    renamed = sorted(
        sid
        for sid in both
        if (old[sid].last_name, old[sid].first_name, old[sid].preferred_name)
        != (new[sid].last_name, new[sid].first_name, new[sid].preferred_name)
    )
    unchanged = sum(1 for sid in both if old[sid] == new[sid])
    return RosterDiff(
        added=tuple(added),
        removed=tuple(removed),
        newly_opted_out=tuple(newly),
        opted_back_in=tuple(back_in),
        renamed=tuple(renamed),
        unchanged=unchanged,
    )
