"""Stored reference faces and the per-student keys that seal them.

Rows here are sealed (see :mod:`photoguard.keys`); this module moves bytes and
never sees an encoding in the clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from photoguard.store.engine import Tx


@dataclass(frozen=True)
class StoredReference:
    id: int
    student_id: str
    source_sha256: str
    source_name: str
    box: str
    face_px: int
    model: str
    created_at: str
    sealed_encoding: bytes
    sealed_thumbnail: bytes | None


def forget_students(tx: Tx, school: str, student_ids: Iterable[str]) -> list[str]:
    """Delete the keys (and by cascade every reference) of these students.

    Returns the IDs that had anything stored. Without its key, no copy of a
    student's sealed encodings can be opened again.
    """
    forgotten = []
    for sid in student_ids:
        tx.execute("DELETE FROM face_references WHERE school = ? AND student_id = ?", (school, sid))
        if tx.execute(
            "DELETE FROM student_keys WHERE school = ? AND student_id = ?", (school, sid)
        ):
            forgotten.append(sid)
    return forgotten


def wrapped_key(tx: Tx, school: str, student_id: str) -> bytes | None:
    row = tx.row(
        "SELECT wrapped_key FROM student_keys WHERE school = ? AND student_id = ?",
        (school, student_id),
    )
    return bytes(row["wrapped_key"]) if row else None


def store_key(tx: Tx, school: str, student_id: str, wrapped: bytes, created_at: str) -> None:
    tx.execute(
        "INSERT INTO student_keys (school, student_id, wrapped_key, created_at) "
        "VALUES (?, ?, ?, ?)",
        (school, student_id, wrapped, created_at),
    )


def all_wrapped_keys(tx: Tx, school: str) -> dict[str, bytes]:
    rows = tx.rows("SELECT student_id, wrapped_key FROM student_keys WHERE school = ?", (school,))
    return {r["student_id"]: bytes(r["wrapped_key"]) for r in rows}


def insert_reference(tx: Tx, school: str, ref: StoredReference) -> bool:
    """Store one reference; False if this photo is already a reference for the student."""
    return bool(
        tx.execute(
            "INSERT INTO face_references (school, student_id, source_sha256, source_name, box, "
            "face_px, model, created_at, sealed_encoding, sealed_thumbnail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (school, student_id, source_sha256) DO NOTHING",
            (
                school,
                ref.student_id,
                ref.source_sha256,
                ref.source_name,
                ref.box,
                ref.face_px,
                ref.model,
                ref.created_at,
                ref.sealed_encoding,
                ref.sealed_thumbnail,
            ),
        )
    )


def references(tx: Tx, school: str, student_id: str | None = None) -> list[StoredReference]:
    sql = "SELECT * FROM face_references WHERE school = ?"
    params: list[str] = [school]
    if student_id is not None:
        sql += " AND student_id = ?"
        params.append(student_id)
    rows = tx.rows(sql + " ORDER BY student_id, id", params)
    return [
        StoredReference(
            id=int(r["id"]),
            student_id=r["student_id"],
            source_sha256=r["source_sha256"],
            source_name=r["source_name"],
            box=r["box"],
            face_px=int(r["face_px"]),
            model=r["model"],
            created_at=r["created_at"],
            sealed_encoding=bytes(r["sealed_encoding"]),
            sealed_thumbnail=bytes(r["sealed_thumbnail"]) if r["sealed_thumbnail"] else None,
        )
        for r in rows
    ]


def reference_counts(tx: Tx, school: str) -> dict[str, int]:
    rows = tx.rows(
        "SELECT student_id, count(*) AS n FROM face_references WHERE school = ? "
        "GROUP BY student_id",
        (school,),
    )
    return {r["student_id"]: int(r["n"]) for r in rows}
