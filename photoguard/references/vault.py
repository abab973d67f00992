"""Sealing children's biometric data: per-student data keys under a master key.

Face encodings are biometric data (FERPA; "facial templates" in the 2025 COPPA
rule). Every encoding and face crop is sealed with AES-256-GCM under a data key
that belongs to one student. Data keys are stored in the database wrapped
(encrypted) by a master key that is never stored in the database: it lives in
the OS keyring, or, where there is none (headless Linux), in a 0600 file in the
data folder's ``keys/`` folder.

Deleting a student deletes their data key. Because an old copy of the database
still holds that key wrapped by the old master key, every deletion also rotates
the master key: the remaining data keys are re-wrapped under a new master key
in the same transaction, and the old master key is destroyed after the commit.
A copy of the database made before the deletion can then no longer be opened by
any key that exists.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from photoguard.errors import UserError
from photoguard.files.clock import utcnow
from photoguard.references import stored as ref_store
from photoguard.store import Database, Tx

KEY_STORE_ENV = "PHOTOGUARD_KEY_STORE"  # "file" or "keyring"; default: keyring if usable
KEY_DIR_ENV = "PHOTOGUARD_KEY_DIR"  # where file keys live (default: DATA/keys)
KEYRING_SERVICE = "photoguard"
_FORMAT = b"\x01"
_NONCE = 12


class SealError(Exception):
    """Sealed data could not be opened: wrong key, destroyed key, or tampered bytes."""


class KeyStore(Protocol):
    name: str

    def get(self, key_id: str) -> bytes | None: ...
    def put(self, key_id: str, key: bytes) -> None: ...
    def delete(self, key_id: str) -> None: ...


class FileKeyStore:
    """Keys as 0600 files in a 0700 folder."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key_id: str) -> Path:
        if not key_id.replace("-", "").isalnum():
            raise ValueError("bad key id")
        return self.folder / f"{key_id}.key"

    def holds(self, key_id: str) -> bool:
        return self._path(key_id).is_file()

    def get(self, key_id: str) -> bytes | None:
        path = self._path(key_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UserError(f"the key file {path} cannot be read ({exc.strerror})") from exc
        try:
            key = bytes.fromhex(data.decode("ascii").strip())
        except ValueError as exc:
            raise UserError(f"the key file {path} is damaged (not a key)") from exc
        if len(key) != 32:
            raise UserError(f"the key file {path} is damaged (not a 256-bit key)")
        return key

    def put(self, key_id: str, key: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(key_id)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key.hex())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def delete(self, key_id: str) -> None:
        path = self._path(key_id)
        try:
            size = path.stat().st_size
            with open(path, "r+b") as f:  # overwrite before unlinking (best effort)
                f.write(b"0" * size)
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
        except FileNotFoundError:
            pass


class KeyringKeyStore:
    """The OS keyring (macOS Keychain, Windows Credential Manager, Secret Service)."""

    name = "keyring"

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring

    def get(self, key_id: str) -> bytes | None:
        try:
            value = self._keyring.get_password(KEYRING_SERVICE, key_id)
        except Exception as exc:  # locked, no backend, D-Bus gone: say so in one line
            raise UserError(f"the OS keyring could not be read ({_first_line(exc)})") from exc
        if not value:
            return None
        try:
            return bytes.fromhex(value)
        except ValueError as exc:
            raise UserError(f"the keyring entry {key_id} is damaged (not a key)") from exc

    def put(self, key_id: str, key: bytes) -> None:
        try:
            self._keyring.set_password(KEYRING_SERVICE, key_id, key.hex())
        except Exception as exc:
            raise UserError(f"the OS keyring refused a new key ({_first_line(exc)})") from exc

    def delete(self, key_id: str) -> None:
        with contextlib.suppress(Exception):  # already gone; destroy_retired checks
            self._keyring.delete_password(KEYRING_SERVICE, key_id)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) < 1:
            return False
        backend.get_password(KEYRING_SERVICE, "photoguard-probe")
        return True
    except Exception:
        return False


def key_store_for(
    home: Path, wanted: str | None = None, *, local: bool = False, holding: str | None = None
) -> KeyStore:
    """Where keys live. ``local`` keys (the scan cache's) belong to this machine: they
    stay in the data folder's ``keys/`` (or the keyring), never in a shared key folder.

    ``holding``: a key id; if no store is asked for and that key is already a file
    here, the file store is the answer without probing the OS keyring (a probe
    imports keyring and asks its backend: 0.1 s of every warm rescan).
    """
    choice = wanted or os.environ.get(KEY_STORE_ENV, "")
    folder = home / "keys" if local else key_folder(home)
    if not choice and holding is not None and FileKeyStore(folder).holds(holding):
        return FileKeyStore(folder)
    if choice == "file":
        return FileKeyStore(folder)
    if choice == "keyring":
        return KeyringKeyStore()
    return KeyringKeyStore() if keyring_usable() else FileKeyStore(folder)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return _FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _FORMAT:
        raise SealError("not sealed data")
    try:
        return AESGCM(key).decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], aad)
    except InvalidTag as exc:
        raise SealError("the key does not open this data") from exc


def _aad(kind: str, school: str, student_id: str) -> bytes:
    return f"photoguard:{kind}\x00{school}\x00{student_id}".encode()


@dataclass(frozen=True)
class KeyStatus:
    """Where the master key is and whether this machine has it (``photoguard keys status``)."""

    #: "keyring" or "file"; None before anything was enrolled.
    store: str | None
    master_key_id: str | None
    #: True when this machine's key store holds the master key.
    master_present: bool
    #: A master key replaced by a rotation and not yet destroyed (a crash in between).
    retired_key_id: str | None
    rotated_at: str | None
    #: Students (all schools in this database) with a data key.
    students_with_keys: int
    #: Where file keys live (shown even when the keyring is used, for the cache key).
    key_folder: Path
    #: One plain sentence.
    reason: str


def key_folder(home: Path) -> Path:
    return Path(os.environ.get(KEY_DIR_ENV) or home / "keys")


class Vault:
    """Seals and opens one school's biometric data. Use inside the caller's transactions."""

    def __init__(self, db: Database, home: Path, school: str, store: KeyStore | None = None):
        self.db = db
        self.home = home
        self.school = school
        self._store_override = store
        self._master: tuple[str, bytes] | None = None
        self._data_keys: dict[str, bytes] = {}

    # -- master key ------------------------------------------------------------

    def _store(self, name: str | None = None) -> KeyStore:
        if self._store_override is not None:
            return self._store_override
        return key_store_for(self.home, name)

    def _master_key(self, tx: Tx, create: bool) -> tuple[str, bytes] | None:
        if self._master is not None:
            return self._master
        row = tx.row("SELECT master_key_id, key_store, retired_key_id FROM vault WHERE id = 1")
        if row is None:
            if not create:
                return None
            store = self._store()
            key_id, key = f"master-{secrets.token_hex(8)}", AESGCM.generate_key(bit_length=256)
            store.put(key_id, key)
            tx.execute(
                "INSERT INTO vault (id, master_key_id, key_store, rotated_at) VALUES (1, ?, ?, ?)",
                (key_id, store.name, utcnow()),
            )
            self._master = (key_id, key)
            return self._master
        found = self._store(row["key_store"]).get(row["master_key_id"])
        if found is None:
            raise UserError(
                f"the key that unlocks the reference faces ({row['master_key_id']}) is missing "
                f"from the {row['key_store']} key store; restore it, or delete every reference "
                "face with 'photoguard purge --all' and enroll again"
            )
        self._master = (row["master_key_id"], found)
        return self._master

    def check_key(self) -> None:
        """Raise the one-line UserError now if the master key exists but is missing here
        (call before slow work, e.g. analysing a picture-day folder, that would need it)."""
        with self.db.snapshot() as tx:
            self._master_key(tx, create=False)

    # -- data keys -------------------------------------------------------------

    def _data_key(self, tx: Tx, student_id: str, create: bool) -> bytes | None:
        if student_id in self._data_keys:
            return self._data_keys[student_id]
        wrapped = ref_store.wrapped_key(tx, self.school, student_id)
        if wrapped is None:
            if not create:
                return None
            master = self._master_key(tx, create=True)
            assert master is not None
            key = AESGCM.generate_key(bit_length=256)
            ref_store.store_key(
                tx,
                self.school,
                student_id,
                _seal(master[1], key, _aad("data-key", self.school, student_id)),
                utcnow(),
            )
        else:
            existing = self._master_key(tx, create=False)
            if existing is None:
                raise SealError("no master key")
            key = _open(existing[1], wrapped, _aad("data-key", self.school, student_id))
        self._data_keys[student_id] = key
        return key

    def seal(self, tx: Tx, student_id: str, kind: str, plaintext: bytes) -> bytes:
        key = self._data_key(tx, student_id, create=True)
        assert key is not None
        return _seal(key, plaintext, _aad(kind, self.school, student_id))

    def open(self, tx: Tx, student_id: str, kind: str, sealed: bytes) -> bytes:
        key = self._data_key(tx, student_id, create=False)
        if key is None:
            raise SealError(f"no key for student {student_id}")
        return _open(key, sealed, _aad(kind, self.school, student_id))

    # -- deleting --------------------------------------------------------------

    def forget(self, tx: Tx, student_ids: Iterable[str]) -> tuple[list[str], str | None]:
        """Delete these students' keys and references; re-wrap everyone else's keys.

        Returns the students that had data and the retired master key id, which
        the caller destroys with :meth:`destroy_retired` after the commit. Raises
        UserError (changing nothing once the transaction rolls back) when other
        students' keys remain and the master key to re-wrap them is missing.
        """
        forgotten = ref_store.forget_students(tx, self.school, student_ids)
        for sid in forgotten:
            self._data_keys.pop(sid, None)
        if not forgotten:
            return forgotten, None
        return forgotten, self.rotate(tx)

    def rotate(self, tx: Tx) -> str | None:
        """Re-wrap every data key (all schools) under a new master key; the old key's id.

        Returns None when nothing was ever enrolled (there is no master key).
        Call :meth:`destroy_retired` after the commit.

        With no data key left the old master key is not needed (it may even be
        lost): it is retired all the same, so a copy of the database from before
        cannot be opened by any key that exists once it is destroyed.
        """
        row = tx.row("SELECT master_key_id, key_store, retired_key_id FROM vault WHERE id = 1")
        if row is None:
            return None
        remaining = tx.rows("SELECT school, student_id, wrapped_key FROM student_keys")
        old = self._master_key(tx, create=False) if remaining else None
        store = self._store(row["key_store"])
        if row["retired_key_id"]:
            # Retired by an earlier, committed rotation whose clean-up was interrupted:
            # nothing needs it, and the vault is about to name a newer retired key.
            store.delete(row["retired_key_id"])
        new_id, new_key = f"master-{secrets.token_hex(8)}", AESGCM.generate_key(bit_length=256)
        store.put(new_id, new_key)
        for r in remaining:
            assert old is not None
            aad = _aad("data-key", r["school"], r["student_id"])
            try:
                key = _open(old[1], bytes(r["wrapped_key"]), aad)
            except SealError as exc:
                raise UserError(
                    f"the key of student {r['student_id']} (school {r['school']}) is damaged, so "
                    "the other keys cannot be re-sealed; purge that student too"
                ) from exc
            tx.execute(
                "UPDATE student_keys SET wrapped_key = ? WHERE school = ? AND student_id = ?",
                (_seal(new_key, key, aad), r["school"], r["student_id"]),
            )
        tx.execute(
            "UPDATE vault SET master_key_id = ?, retired_key_id = ?, rotated_at = ? WHERE id = 1",
            (new_id, row["master_key_id"], utcnow()),
        )
        self._master = (new_id, new_key)
        return str(row["master_key_id"])

    def destroy_retired(self) -> bool:
        """After the commit: destroy the master key a rotation replaced.

        True when no retired key is left (destroyed now, or there was none).
        False when the key store still holds it: the vault keeps naming it, so
        the next call (or ``photoguard keys status``) tries again.
        """
        with self.db.transaction() as tx:
            row = tx.row("SELECT key_store, retired_key_id FROM vault WHERE id = 1")
            if row is None or not row["retired_key_id"]:
                return True
            store = self._store(row["key_store"])
            try:
                store.delete(row["retired_key_id"])
                if store.get(row["retired_key_id"]) is not None:
                    return False
            except UserError:  # the key store cannot be read now: try again later
                return False
            tx.execute("UPDATE vault SET retired_key_id = NULL WHERE id = 1")
            return True

    # -- status ----------------------------------------------------------------

    def status(self) -> KeyStatus:
        with self.db.snapshot() as tx:
            row = tx.row(
                "SELECT master_key_id, key_store, retired_key_id, rotated_at FROM vault "
                "WHERE id = 1"
            )
            students = int(tx.scalar("SELECT count(*) FROM student_keys") or 0)
        folder = key_folder(self.home)
        if row is None:
            return KeyStatus(
                None, None, False, None, None, students, folder,
                "no reference face has been enrolled, so there is no master key yet",
            )  # fmt: skip
        store = self._store(row["key_store"])
        present = store.get(row["master_key_id"]) is not None
        where = "the OS keyring" if store.name == "keyring" else f"key files in {folder}"
        reason = (
            f"the master key {row['master_key_id']} is in {where}"
            if present
            else f"the master key {row['master_key_id']} is MISSING from {where}: the reference "
            "faces cannot be unlocked until it is restored"
        )
        return KeyStatus(
            store=str(row["key_store"]),
            master_key_id=str(row["master_key_id"]),
            master_present=present,
            retired_key_id=row["retired_key_id"] or None,
            rotated_at=row["rotated_at"],
            students_with_keys=students,
            key_folder=folder,
            reason=reason,
        )
