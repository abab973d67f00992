"""The opt-out roster: students, versions, and what changed between two imports.

Policy 3.d.1: staff shall not share photos or videos of students whose parents
opted out through the "Privacy Law" form in the Aspen Parent Portal. The main
office exports that list from Aspen; :func:`photoguard.roster.validate.read_roster`
reads the export, this module holds the result and compares it with the roster in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from photoguard.vocab import AgeSource


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
    #: The student's age, as roster/ages.py reads it from the file: the year of
    #: graduation of the youngest class their age allows (None: no usable age, so the
    #: youngest band), and the column it came from. A birth date is never kept.
    age_class_of: int | None = None
    age_source: AgeSource = AgeSource.UNKNOWN

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

    @property
    def opted_out_without_age(self) -> int:
        """Opted-out students the file gives no usable age: matched as the youngest band."""
        return sum(1 for s in self.opted_out if s.age_class_of is None)


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


# ---------------------------------------------------------------------- mass changes
# An import that would change most of the roster at once is far more often a wrong
# file than a real change: an export filtered to one grade or homeroom (most students
# "left"), or one whose opt-out column came out blank (every opt-out "lifted"). Either
# deletes reference faces and lets photos of opted-out children through. Such an
# import is refused unless a person confirms it (``roster import --allow-mass-change``;
# the app asks, with the counts). The first import of a school is never one: there is
# nothing to lose. How the numbers were chosen:
#
# * Real changes come a few students at a time: a weekly or monthly export differs by a
#   handful of arrivals, departures and changed forms (benchmarks/roster_gen.churn: 20
#   of 1,500 leave). Even the year's end, when the oldest grade leaves, removes a sixth
#   (K-5) to a quarter (9-12) of a school. Half is twice that, and a one-grade export
#   of any school with three grades or more removes at least two thirds.
# * Below MASS_CHANGE_MIN_STUDENTS students a share says little (2 of 3 is "most"), and
#   the preview names every student who is removed or opted back in (up to 10 are listed
#   by name): a person reads the whole change. The rule that every opt-out is gone has
#   no minimum: it is what a blank opt-out column looks like on a roster of any size.
# * Opt-outs are counted apart from students: they are a few percent of a school, so a
#   file that loses most of them (a column read wrongly, a form reset) can remove few
#   students. MASS_OPT_OUT_LOSS_MIN keeps one or two families changing their form in a
#   small school (1 of 2 opt-outs) from asking every time.

#: Refuse when at least this share of the students in force are not in the file ...
MASS_REMOVAL_SHARE = 0.5
#: ... on a roster in force of at least this many students.
MASS_CHANGE_MIN_STUDENTS = 10
#: Refuse when at least this share of the opted-out students in force would no longer be
#: opted out (opted back in, or not in the file) ...
MASS_OPT_OUT_LOSS_SHARE = 0.5
#: ... and that is at least this many students.
MASS_OPT_OUT_LOSS_MIN = 3


@dataclass(frozen=True)
class MassChange:
    """Why an import changes too much to be applied without a person confirming it."""

    #: Students in the roster in force, and how many of them are not in the file.
    students: int
    removed: int
    #: Opted-out students in force, and how many of them would not be opted out any more.
    opted_out: int
    opted_back_in: int
    opted_out_removed: int
    #: Opted-out students in the file.
    opted_out_after: int
    #: Which rules it breaks: "removes_most", "ends_most_opt_outs", "ends_every_opt_out".
    rules: tuple[str, ...]

    @property
    def opt_outs_lost(self) -> int:
        return self.opted_back_in + self.opted_out_removed


def mass_change(
    before: Iterable[Student], after: Iterable[Student], diff: RosterDiff
) -> MassChange | None:
    """The mass change ``diff`` (from ``before`` to ``after``) is, or None if it is not one.

    ``before`` empty (a first import) is never a mass change.
    """
    old = {s.student_id: s for s in before}
    if not old:
        return None
    opted_out = {sid for sid, s in old.items() if s.opted_out}
    removed_out = len(opted_out & set(diff.removed))
    back_in = len(opted_out & set(diff.opted_back_in))
    after_out = sum(1 for s in after if s.opted_out)
    lost = removed_out + back_in
    rules = []
    if len(old) >= MASS_CHANGE_MIN_STUDENTS and len(diff.removed) >= MASS_REMOVAL_SHARE * len(old):
        rules.append("removes_most")
    if opted_out and after_out == 0:
        rules.append("ends_every_opt_out")
    elif lost >= MASS_OPT_OUT_LOSS_MIN and lost >= MASS_OPT_OUT_LOSS_SHARE * len(opted_out):
        rules.append("ends_most_opt_outs")
    if not rules:
        return None
    return MassChange(
        students=len(old),
        removed=len(diff.removed),
        opted_out=len(opted_out),
        opted_back_in=back_in,
        opted_out_removed=removed_out,
        opted_out_after=after_out,
        rules=tuple(rules),
    )
