"""Importing a roster: preview the change, then apply it in one transaction.

The preview is what the main office sees before anything takes effect (the
command line prints it; the app shows it in a dialog). Applying stores a new
roster version, deletes the reference faces of students who left or opted back
in, and appends the approval-log records, all in one transaction: if any part
fails, the previous roster stays in force, whole.

Deleting reference faces goes through the vault (vault.py): the students' data
keys are deleted and the master key is rotated in that same transaction, and the
old master key is destroyed once it has committed, so a copy of the database
made before the import cannot yield those students' encodings either.

An import that changes most of the roster at once (a one-grade export, a blank
opt-out column: roster.py's ``mass_change`` says exactly what counts) is refused
unless the caller says a person confirmed it (``allow_mass_change``): the command
line needs ``--allow-mass-change``, the app asks with the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.references import stored as ref_store
from photoguard.references.vault import Vault
from photoguard.roster import stored as roster_store
from photoguard.roster.model import (
    MassChange,
    Roster,
    RosterDiff,
    RosterVersion,
    Student,
    diff_rosters,
    mass_change,
)
from photoguard.roster.validate import read_roster
from photoguard.vocab import LogAction
from photoguard.workspace.folder import Workspace

#: The command-line option that lets a mass change through (roster.py says what one is).
ALLOW_MASS_CHANGE = "--allow-mass-change"


class MassChangeRefused(UserError):
    """An import that would change most of the roster, not confirmed by a person."""


def _students(n: int) -> str:
    return f"{n} student{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class ImportPreview:
    roster: Roster
    diff: RosterDiff
    #: The version in force when the preview was made (None: first import).
    base: RosterVersion | None
    #: Students as they were, for naming the removed ones.
    before: Mapping[str, Student]
    #: student ID -> reference faces stored when the preview was made.
    references: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def _after(self) -> dict[str, Student]:
        return self.roster.by_id()

    @cached_property
    def mass_change(self) -> MassChange | None:
        """Set when this import changes too much to apply unconfirmed (see roster.py)."""
        if self.base is None:
            return None
        return mass_change(self.before.values(), self.roster.students, self.diff)

    @property
    def references_lost(self) -> int:
        """Students whose reference faces this import deletes."""
        return sum(1 for sid in self.diff.loses_references if self.references.get(sid))

    def mass_change_counts(self) -> str:
        """What the mass change does, in counts: "remove 30 of the 40 students and ..."."""
        m = self.mass_change
        if m is None:
            return ""
        parts = []
        if "removes_most" in m.rules:
            parts.append(f"remove {m.removed} of the {m.students} students")
        if "ends_every_opt_out" in m.rules:
            parts.append(
                "end the only opt-out" if m.opted_out == 1 else f"end all {m.opted_out} opt-outs"
            )
        if "ends_most_opt_outs" in m.rules:
            parts.append(f"end {m.opt_outs_lost} of the {m.opted_out} opt-outs")
        if self.references_lost:
            parts.append(f"delete the reference faces of {_students(self.references_lost)}")
        return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]

    def _mass_change_warning(self, m: MassChange, version: int) -> str:
        parts = []
        if "removes_most" in m.rules:
            parts.append(
                f"{m.removed} of the {m.students} students in roster version {version} are not "
                "in this file"
            )
        if "ends_every_opt_out" in m.rules:
            parts.append(
                f"no student is opted out in this file ({m.opted_out} "
                f"{'is' if m.opted_out == 1 else 'are'} in roster version {version}: is the "
                "opt-out column blank?)"
            )
        if "ends_most_opt_outs" in m.rules:
            how = [
                f"{n} {what}"
                for n, what in ((m.opted_back_in, "opted back in"), (m.opted_out_removed, "gone"))
                if n
            ]
            parts.append(
                f"{m.opt_outs_lost} of the {m.opted_out} opted-out students in roster version "
                f"{version} would no longer be opted out ({', '.join(how)})"
            )
        faces = (
            f"the reference faces of {_students(self.references_lost)} are deleted"
            if self.references_lost
            else "their reference faces are deleted"
        )
        return (
            "; ".join(parts)
            + ": check that the export covers the whole school and that its opt-out column is "
            f"filled in ({faces} when it is imported)"
        )

    def name_of(self, student_id: str) -> str:
        s = self._after.get(student_id) or self.before.get(student_id)
        return s.display_name if s else student_id

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a person should check before applying. A mass change comes first, and is
        only applied once confirmed (``apply_import(..., allow_mass_change=True)``)."""
        out = []
        if self.mass_change is not None and self.base is not None:
            out.append(self._mass_change_warning(self.mass_change, self.base.id))
        if self.base is not None and self.base.source_sha256 == self.roster.source_sha256:
            out.append(
                f"this file is the same as the one imported as roster version {self.base.id}"
            )
        return tuple(out)


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    version: RosterVersion
    #: Students whose reference faces were deleted with this import.
    references_deleted: tuple[str, ...]


def preview_import(
    ws: Workspace,
    path: Path,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    today: date | None = None,
) -> ImportPreview:
    """What importing ``path`` would change. ``today`` (default: the date) places the
    file's grades in a school year (roster/ages.py)."""
    roster = read_roster(path, columns, sheet, today)
    with ws.db.snapshot() as tx:
        base = roster_store.current_version(tx, ws.school)
        before = roster_store.students(tx, base.id) if base else []
        references = ref_store.reference_counts(tx, ws.school) if base else {}
    _refuse_lost_zeros([s.student_id for s in before], [s.student_id for s in roster.students])
    return ImportPreview(
        roster=roster,
        diff=diff_rosters(before, roster.students),
        base=base,
        before={s.student_id: s for s in before},
        references=references,
    )


def _refuse_lost_zeros(before: list[str], after: list[str]) -> None:
    """Refuse IDs that lost their leading zeros (a spreadsheet read "000123" as 123).

    Imported as they are, every such student would look removed and re-added, and
    the reference faces of the opted-out ones would be deleted.
    """
    old, new = set(before), set(after)
    stripped = {sid.lstrip("0"): sid for sid in old - new if sid.startswith("0")}
    lost = sorted((stripped[sid], sid) for sid in new - old if sid in stripped)
    if lost:
        was, now = lost[0]
        raise UserError(
            f"{len(lost)} student {'ID has' if len(lost) == 1 else 'IDs have'} lost leading "
            f"zeros ({was} in the roster in force is {now} in this file): format the ID column "
            "as text in the spreadsheet, or export the roster from Aspen as CSV"
        )


def apply_import(
    ws: Workspace, preview: ImportPreview, by: str, *, allow_mass_change: bool = False
) -> ImportResult:
    """Make the previewed roster the one in force.

    A mass change (``preview.mass_change``) is refused with :class:`MassChangeRefused`,
    before anything is written, unless ``allow_mass_change``: a person confirmed it.
    """
    if preview.mass_change is not None and not allow_mass_change:
        raise MassChangeRefused(
            f"{display(preview.roster.source_name)} was not imported: it would "
            f"{preview.mass_change_counts()}, as a partial export or a blank opt-out column "
            f"would; nothing was changed (if the file is right, import it with "
            f"{ALLOW_MASS_CHANGE})"
        )
    vault = Vault(ws.db, ws.home, ws.school)
    with ws.db.transaction() as tx:
        current = roster_store.current_version(tx, ws.school)
        if (current.id if current else None) != (preview.base.id if preview.base else None):
            raise UserError(
                "the roster changed since this preview was made; preview the file again"
            )
        version = roster_store.insert_version(tx, ws.school, preview.roster, preview.diff, by)
        deleted, retired = vault.forget(tx, preview.diff.loses_references)
        record = audit.append(
            tx,
            ws.school,
            by,
            LogAction.ROSTER_IMPORT,
            bodies.RosterImport(
                roster_version=version.label,
                source_name=preview.roster.source_name,
                source_sha256=preview.roster.source_sha256,
                students=version.students,
                opted_out=version.opted_out,
                # Seals the version's rows: scans refuse a roster changed behind our back.
                students_sha256=roster_store.students_digest(preview.roster.students),
                diff=preview.diff.counts,
            ).to_json_dict(),
        )
        if deleted:
            reasons = {
                sid: ("left the roster" if sid in preview.diff.removed else "opted back in")
                for sid in deleted
            }
            record = audit.append(
                tx,
                ws.school,
                by,
                LogAction.ENROLL_REMOVE,
                bodies.EnrollRemove(
                    student_ids=tuple(sorted(deleted)),
                    reasons=reasons,
                    roster_version=version.label,
                ).to_json_dict(),
            )
    audit.write_head(ws.home, ws.school, record)
    if retired:
        # Not destroyed now (a crash, a locked keyring): the vault still names it and
        # the next deletion, or 'photoguard keys status', destroys it.
        vault.destroy_retired()
    return ImportResult(preview=preview, version=version, references_deleted=tuple(deleted))
