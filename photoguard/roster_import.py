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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from photoguard import audit
from photoguard.errors import UserError
from photoguard.roster import Roster, RosterDiff, RosterVersion, Student, diff_rosters
from photoguard.roster_file import read_roster
from photoguard.store import rosters as roster_store
from photoguard.vault import Vault
from photoguard.workspace import Workspace

#: Warn when an import drops at least this share of the roster in force (and at least
#: MASS_REMOVAL_MIN students): an export filtered to one grade or homeroom looks like this.
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MIN = 10


@dataclass(frozen=True)
class ImportPreview:
    roster: Roster
    diff: RosterDiff
    #: The version in force when the preview was made (None: first import).
    base: RosterVersion | None
    #: Students as they were, for naming the removed ones.
    before: Mapping[str, Student]

    @cached_property
    def _after(self) -> dict[str, Student]:
        return self.roster.by_id()

    def name_of(self, student_id: str) -> str:
        s = self._after.get(student_id) or self.before.get(student_id)
        return s.display_name if s else student_id

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a person should check before applying (the import is still allowed)."""
        out = []
        removed = len(self.diff.removed)
        if (
            self.base is not None
            and removed >= MASS_REMOVAL_MIN
            and removed >= MASS_REMOVAL_SHARE * len(self.before)
        ):
            out.append(
                f"{removed} of the {len(self.before)} students in roster version {self.base.id} "
                "are not in this file: check that the export covers the whole school (their "
                "reference faces are deleted when it is imported)"
            )
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
) -> ImportPreview:
    roster = read_roster(path, columns, sheet)
    with ws.db.snapshot() as tx:
        base = roster_store.current_version(tx, ws.school)
        before = roster_store.students(tx, base.id) if base else []
    _refuse_lost_zeros([s.student_id for s in before], [s.student_id for s in roster.students])
    return ImportPreview(
        roster=roster,
        diff=diff_rosters(before, roster.students),
        base=base,
        before={s.student_id: s for s in before},
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


def apply_import(ws: Workspace, preview: ImportPreview, by: str) -> ImportResult:
    """Make the previewed roster the one in force."""
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
            "roster.import",
            {
                "roster_version": version.label,
                "source_name": preview.roster.source_name,
                "source_sha256": preview.roster.source_sha256,
                "students": version.students,
                "opted_out": version.opted_out,
                # Seals the version's rows: scans refuse a roster changed behind our back.
                roster_store.DIGEST_FIELD: roster_store.students_digest(preview.roster.students),
                "diff": preview.diff.counts,
            },
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
                "enroll.remove",
                {
                    "student_ids": sorted(deleted),
                    "reasons": reasons,
                    "roster_version": version.label,
                },
            )
    audit.write_head(ws.home, ws.school, record)
    if retired:
        # Not destroyed now (a crash, a locked keyring): the vault still names it and
        # the next deletion, or 'photoguard keys status', destroys it.
        vault.destroy_retired()
    return ImportResult(preview=preview, version=version, references_deleted=tuple(deleted))
