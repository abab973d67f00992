"""References that learn: a face a person confirmed as an opted-out student in a check
becomes one more reference of that student.

Children change fast, and a picture-day photo is months old by the spring fair: a face
of the child from this year's events, confirmed by a person who knows them ("It's
Ana" in Faces to look at, ``photoguard review --is --add-reference``), is a better
reference than any. It is stored as every reference is (sealed with the student's key,
the minimum kept: the 128 numbers and a small thumbnail), names the check and face group
it came from, is logged as an enrollment, and goes with the student's other references
(when the student is no longer opted out, or purged).

Only a face that can be found again exactly is added: the file must hold the bytes the
check saw (SHA-256), be a photo, and the face found again where the check found it.
Adding a reference changes what a check looked for, so decisions on earlier checks that
are not blocks are refused until the files are checked again (decisions.py); a person
confirms faces after deciding a check's groups, then checks again (a rescan from the
cache takes seconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.faces.detect import overlap
from photoguard.faces.model import MODEL_LABEL
from photoguard.files.clock import utcnow
from photoguard.files.hashing import sha256_file
from photoguard.files.pathtext import display
from photoguard.media import MediaError, photo_frames
from photoguard.references import stored as ref_store
from photoguard.references.enroll import ENCODING_KIND, THUMBNAIL_KIND
from photoguard.references.vault import Vault
from photoguard.roster import stored as roster_store
from photoguard.scan.analysis import face_thumbnail, search_any_orientation
from photoguard.vocab import LogAction
from photoguard.workspace.folder import Workspace
from photoguard.workspace.settings import REFERENCE_MIN_FACE_PX

#: The face found again must overlap the check's box this much (intersection over union).
SAME_BOX_IOU = 0.5


@dataclass(frozen=True)
class Learned:
    student_id: str
    source: str
    record_seq: int


def add_confirmed_face(
    ws: Workspace,
    *,
    student_id: str,
    path: Path,
    sha256: str,
    box: tuple[int, int, int, int],
    scan_id: int,
    group: int,
    by: str,
) -> Learned:
    """Add the face at ``box`` of the photo at ``path`` (the bytes ``sha256``, as check
    ``scan_id`` saw them) as a reference of ``student_id``. UserError says why not."""
    name = display(path.name)
    if sha256_file(path, regular_only=True) != sha256:
        raise UserError(f"{name} changed since it was checked: its face was not added")
    try:
        frame = next(iter(photo_frames(path, ws.settings.min_face_px)), None)
        if frame is None:
            raise UserError(f"{name} holds no picture: its face was not added")
        faces = search_any_orientation(frame, True)
    except MediaError as exc:
        raise UserError(f"{name} cannot be read again ({exc}): its face was not added") from exc
    scored = [(overlap(f.box.as_tuple(), box), f) for f in faces if f.encoding is not None]
    best = max(scored, key=lambda s: s[0], default=None)
    if best is None or best[0] < SAME_BOX_IOU:
        raise UserError(f"the face in {name} was not found again where the check found it")
    face = best[1]
    if face.box.width < REFERENCE_MIN_FACE_PX:
        raise UserError(
            f"the face in {name} is {face.box.width} px wide; a reference needs "
            f"{REFERENCE_MIN_FACE_PX} px"
        )
    assert face.encoding is not None
    # The minimum: which check and group (the record's actor says who confirmed it). No
    # file name: event photos are often named after the children in them.
    source = f"check {scan_id}, face group {group} (a face a person confirmed)"
    vault = Vault(ws.db, ws.home, ws.school)
    with ws.db.transaction() as tx:
        student = next(
            (s for s in roster_store.current_students(tx, ws.school) if s.student_id == student_id),
            None,
        )
        if student is None or not student.opted_out:
            raise UserError(f"student {student_id} is not opted out: no face was added")
        thumbnail = face_thumbnail(frame, face.box)
        added = ref_store.insert_reference(
            tx,
            ws.school,
            ref_store.StoredReference(
                id=0,
                student_id=student_id,
                source_sha256=sha256,
                source_name=source,
                box=json.dumps(face.box.as_list()),
                face_px=face.box.width,
                model=MODEL_LABEL,
                created_at=utcnow(),
                sealed_encoding=vault.seal(
                    tx, student_id, ENCODING_KIND, face.encoding.astype("<f4").tobytes()
                ),
                sealed_thumbnail=vault.seal(tx, student_id, THUMBNAIL_KIND, thumbnail),
            ),
        )
        if not added:
            raise UserError(f"the face in {name} is already one of this student's references")
        record = audit.append(
            tx,
            ws.school,
            by,
            LogAction.ENROLL_ADD,
            bodies.EnrollAdd(
                student_id=student_id, references_added=1, source=source
            ).to_json_dict(),
        )
    audit.write_head(ws.home, ws.school, record)
    return Learned(student_id, source, record.seq)
