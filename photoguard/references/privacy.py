"""Children's biometric data: deleting it on request, and knowing what is kept and how old.

Face encodings are biometric data (FERPA; "facial templates" in the 2025 COPPA
rule; retention-and-destruction rules in state biometric privacy laws). What
photoguard keeps, and where:

* reference faces (an encoding and a ~96 px face crop per reference photo) of
  opted-out students only, in the database, sealed with a data key per student
  (vault.py); the reference photos themselves are never copied;
* the scan cache (cache.py): what was found in each scanned file, including the
  encodings of whoever is in the photos, sealed with the cache key, for
  ``cache_days``.

Deleting happens three ways: a roster import deletes the references of students
who left or opted back in (roster_import.py); :func:`purge_student` deletes one
student's on request; :func:`purge_all` deletes everyone's (face recognition no
longer allowed, or the master key is lost). A purge deletes the student's data
key and references, rotates the master key in the same transaction, destroys the
old master key after the commit, clears the scan cache (it may hold the
student's face from scanned photos) and destroys the cache key. The approval log
records that it happened (``purge``: student ID and reason; ``enroll.remove``),
never what was deleted.

References older than ``settings.reference_max_age_days`` (365) are *stale*:
children's faces change, so the app asks for this year's picture-day photos.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.references.enroll import EnrollStatus, status
from photoguard.references.vault import KeyStatus, Vault
from photoguard.roster import stored as roster_store
from photoguard.scan.cache import cache_contents, clear_cache
from photoguard.vocab import LogAction
from photoguard.workspace.folder import Workspace

#: The reason logged when none is given.
DEFAULT_REASON = "deletion requested"
MAX_REASON = 500


@dataclass(frozen=True)
class PurgeResult:
    #: The students whose biometric data was asked to be deleted.
    student_ids: tuple[str, ...]
    #: Those of them that had reference faces (and a data key) stored.
    had_data: tuple[str, ...]
    references_deleted: int
    #: Files the scan cache held (all deleted with the cache and its key).
    cache_entries_cleared: int
    #: The master key replaced by the rotation (None when nothing was stored).
    retired_key_id: str | None
    #: False when the key store still holds the retired master key (see ``reason``).
    retired_key_destroyed: bool
    #: Purged students still opted out: scans can no longer recognise their faces.
    still_opted_out: tuple[str, ...]
    #: Sequence numbers of the approval-log records appended.
    record_seqs: tuple[int, ...]
    #: One plain sentence: what was done.
    reason: str


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        return DEFAULT_REASON
    if len(text) > MAX_REASON:
        raise UserError(f"the reason is {len(text)} characters long; keep it under {MAX_REASON}")
    return text


def _known_ids(ws: Workspace, wanted: set[str]) -> set[str]:
    """The IDs among ``wanted`` that any roster version of this school ever held."""
    with ws.db.snapshot() as tx:
        rows = tx.rows(
            "SELECT DISTINCT student_id FROM roster_students WHERE school = ?", (ws.school,)
        )
    return {str(r["student_id"]) for r in rows} & wanted


def purge_student(
    ws: Workspace, student_id: str, by: str, reason: str | None = None
) -> PurgeResult:
    """Delete one student's biometric data, and log that it happened (not what it was).

    A student with nothing stored is still logged (the request was honoured);
    an ID no roster ever held and with nothing stored is refused as a likely typo.
    """
    sid = student_id.strip()
    if not sid:
        raise UserError("name the student to purge with --student ID")
    with ws.db.snapshot() as tx:
        stored = ref_store.wrapped_key(tx, ws.school, sid) is not None
    if not stored and not _known_ids(ws, {sid}):
        raise UserError(
            f"no roster ever held a student with ID {sid!r} and nothing is stored for that ID"
        )
    return _purge(ws, [sid], by, _clean_reason(reason))


def purge_all(ws: Workspace, by: str, reason: str | None = None) -> PurgeResult:
    """Delete every reference face of this school (and clear the scan cache).

    For a school where face recognition is no longer allowed, or when the master
    key is lost (nothing sealed under it can be opened again): this works
    without the master key as long as no other school's keys share it.
    """
    with ws.db.snapshot() as tx:
        ids = sorted(ref_store.all_wrapped_keys(tx, ws.school))
    return _purge(ws, ids, by, _clean_reason(reason), everyone=True)


def _purge(
    ws: Workspace, ids: list[str], by: str, reason: str, everyone: bool = False
) -> PurgeResult:
    if not by.strip():
        raise UserError("say who is purging (--by NAME)")
    vault = Vault(ws.db, ws.home, ws.school)
    vault.destroy_retired()  # one left over from an interrupted deletion goes first
    records: list[audit.Record] = []
    with ws.db.transaction() as tx:
        counts = ref_store.reference_counts(tx, ws.school)
        version = roster_store.current_version(tx, ws.school)
        opted = {s.student_id for s in roster_store.current_students(tx, ws.school) if s.opted_out}
        forgotten, retired = vault.forget(tx, ids)
        if everyone and retired is None:
            # Nothing left to delete, but a lost master key must not block enrolling
            # again: replace it (no data key needs it any more).
            retired = vault.rotate(tx)
        for sid in ids:
            records.append(
                audit.append(
                    tx,
                    ws.school,
                    by,
                    LogAction.PURGE,
                    bodies.Purge(student_id=sid, reason=reason).to_json_dict(),
                )
            )
        if forgotten:
            records.append(
                audit.append(
                    tx,
                    ws.school,
                    by,
                    LogAction.ENROLL_REMOVE,
                    bodies.EnrollRemove(
                        student_ids=tuple(sorted(forgotten)),
                        reasons={sid: "purged" for sid in sorted(forgotten)},
                        roster_version=version.label if version else None,
                    ).to_json_dict(),
                )
            )
    audit.write_head(ws.home, ws.school, *records)
    destroyed = vault.destroy_retired() if retired else True
    cleared = clear_cache(ws.home)
    deleted = sum(counts.get(sid, 0) for sid in forgotten)
    if len(ids) == 1:
        what = (
            f"deleted {deleted} reference face(s) of student {ids[0]} and their key"
            if forgotten
            else f"nothing was stored for student {ids[0]}; the request is logged"
        )
    else:
        what = f"deleted {deleted} reference face(s) of {len(forgotten)} student(s) and their keys"
    if retired:
        what += (
            "; the master key was replaced and the old one destroyed"
            if destroyed
            else f"; the old master key {retired} could NOT be destroyed (the key store still "
            "holds it): run 'photoguard keys status' to try again"
        )
    return PurgeResult(
        student_ids=tuple(ids),
        had_data=tuple(sorted(forgotten)),
        references_deleted=deleted,
        cache_entries_cleared=cleared,
        retired_key_id=retired,
        retired_key_destroyed=destroyed,
        still_opted_out=tuple(sid for sid in ids if sid in opted),
        record_seqs=tuple(r.seq for r in records),
        reason=what,
    )


# ------------------------------------------------------------------ what is kept


def stale_students(ws: Workspace) -> list[EnrollStatus]:
    """Opted-out students whose newest reference face is older than the set age."""
    return [s for s in status(ws) if s.stale]


@dataclass(frozen=True)
class Inventory:
    """What biometric data this data folder and database hold, and what to do about it."""

    faces: bool
    students_with_references: int
    references: int
    stale: tuple[EnrollStatus, ...]
    #: Students with references who are not opted out on the roster in force (or not on
    #: it at all): nothing should keep them; purge them.
    not_opted_out: tuple[str, ...]
    cache_entries: int
    #: Of those, files whose cached faces include encodings (scanned with faces on).
    cache_entries_with_encodings: int
    keys: KeyStatus
    max_age_days: int
    #: Plain sentences: what a person should do (empty when all is well).
    notices: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "faces": self.faces,
            "students_with_references": self.students_with_references,
            "references": self.references,
            "reference_max_age_days": self.max_age_days,
            "stale": [
                {
                    "student_id": s.student.student_id,
                    "name": s.student.display_name,
                    "newest": s.newest,
                }
                for s in self.stale
            ],
            "not_opted_out": list(self.not_opted_out),
            "cache_entries": self.cache_entries,
            "cache_entries_with_encodings": self.cache_entries_with_encodings,
            "key_store": self.keys.store,
            "master_key_id": self.keys.master_key_id,
            "master_key_present": self.keys.master_present,
            "retired_key_id": self.keys.retired_key_id,
            "rotated_at": self.keys.rotated_at,
            "notices": list(self.notices),
        }


def inventory(ws: Workspace) -> Inventory:
    """What is stored. Destroys a retired master key left by an interrupted deletion."""
    vault = Vault(ws.db, ws.home, ws.school)
    vault.destroy_retired()
    keys = vault.status()
    with ws.db.snapshot() as tx:
        counts = ref_store.reference_counts(tx, ws.school)
        opted = {s.student_id for s in roster_store.current_students(tx, ws.school) if s.opted_out}
    stale = tuple(stale_students(ws))
    cached, cached_encoded = cache_contents(ws.home)
    strays = tuple(sorted(sid for sid in counts if sid not in opted))
    notices: list[str] = []
    if keys.master_key_id and not keys.master_present:
        notices.append(
            keys.reason + "; restore it, or delete every reference face with "
            "'photoguard purge --all' and enroll again"
        )
    if keys.retired_key_id:
        notices.append(
            f"the replaced master key {keys.retired_key_id} could not be destroyed: remove it "
            f"from the {keys.store} key store"
        )
    if not ws.settings.faces and counts:
        notices.append(
            f"faces-off mode is on but {len(counts)} student(s)' reference faces are still "
            "stored: if face recognition is not allowed here, delete them with "
            "'photoguard purge --all'"
        )
    if not ws.settings.faces and cached_encoded:
        notices.append(
            f"faces-off mode is on but the scan cache holds face encodings of {cached_encoded} "
            "file(s) scanned with face recognition on: clear it with 'photoguard cache clear'"
        )
    if stale:
        notices.append(
            f"{len(stale)} opted-out student(s) have reference faces older than "
            f"{ws.settings.reference_max_age_days} days: enroll this year's picture-day photos"
        )
    if strays:
        notices.append(
            f"{len(strays)} student(s) with reference faces are not opted out on the roster in "
            f"force ({', '.join(strays[:5])}): purge them with 'photoguard purge --student ID'"
        )
    return Inventory(
        faces=ws.settings.faces,
        students_with_references=len(counts),
        references=sum(counts.values()),
        stale=stale,
        not_opted_out=strays,
        cache_entries=cached,
        cache_entries_with_encodings=cached_encoded,
        keys=keys,
        max_age_days=ws.settings.reference_max_age_days,
        notices=tuple(notices),
    )
