"""The scan cache: what was found in a photo or video, kept so an unchanged file is not
decoded and searched again.

Keyed by the file's SHA-256 and everything that changes what detection finds (the
model, ``min_face_px``, the video sampling rate (photos too: a motion photo's clip
is sampled at it), faces on or off, and :data:`PIPELINE_VERSION`), so a rescan
after a roster refresh only re-matches the faces against the current references.
What is cached about faces is biometric data of whoever is in the photos: it is
sealed with AES-GCM under a cache key kept with the other keys (never in the
cache file), lives in the data folder
(always on this machine, also in district mode), and entries older than
``settings.cache_days`` (30) are deleted. ``photoguard cache clear`` deletes the
file and its key. The same file keeps, sealed the same way and for as long, what people
answered about faces ("not Ana": answers.py), so that an answer lasts as long as the
faces it is about.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from photoguard.faces.detect import Box
from photoguard.faces.model import MODEL_LABEL
from photoguard.files.private import create_private_file
from photoguard.media import Kind
from photoguard.metadata import READERS_VERSION, CaptionField, CaptionFields, FieldError
from photoguard.ocr.model import OCR_LABEL
from photoguard.references.vault import KeyStore, key_store_for
from photoguard.scan.analysis import TEXT_EVERY_S, AnalysisOptions, FaceHit, FileAnalysis, TextHit

CACHE_FILE = "cache.sqlite"
CACHE_KEY_ID = "cache-key"
#: Bump when decoding or detection changes in a way that changes what is found.
#: 3: videos decoded by PyAV, sampled by presentation time, every stream; a frame is
#: reused only when identical; photos decoded picture by picture at their own size and
#: orientation, long strips in tiles, EXIF thumbnails searched (what version 2 found
#: may miss faces).
#: Photos with no upright face are searched turned too, and motion photos' videos
#: are searched.
#: 4: CenterFace finds the faces (issue 17; MODEL_LABEL changed too), and each face
#: records whether it is a profile.
PIPELINE_VERSION = 4
_NONCE = 12


def cache_key(sha256: str, kind: Kind, options: AnalysisOptions) -> str:
    parts = [
        sha256,
        kind,
        MODEL_LABEL,
        str(PIPELINE_VERSION),
        f"readers{READERS_VERSION}",  # cached captions were read by these readers
        str(options.min_face_px),
        str(options.encode),
    ]
    # Photos too: a motion photo's clip is sampled at the video rate (media/motion.py).
    parts.append(f"{options.frames_per_second:g}")
    if options.read_text:
        # What a scan with text reading off found (faces only) stays usable by one
        # with it off; one with it on needs the text too, read by this reader.
        parts.append(f"text:{OCR_LABEL}:{TEXT_EVERY_S:g}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _encode(a: FileAnalysis) -> bytes:
    faces = []
    for hit in a.faces:
        face: dict[str, Any] = {
            "box": hit.box.as_list(),
            "t": hit.time_s,
            "e": None
            if hit.encoding is None
            else base64.b64encode(hit.encoding.astype("<f4").tobytes()).decode(),
        }
        if hit.embedded is not None:
            face["x"] = hit.embedded
        if hit.profile:
            face["p"] = 1
        faces.append(face)
    doc: dict[str, Any] = {
        "kind": a.kind,
        "w": a.width,
        "h": a.height,
        "n": a.frames_checked,
        "d": a.duration_s,
        "faces": faces,
    }
    if a.frames_in_video is not None:
        doc["vf"] = a.frames_in_video
    if a.embedded_videos:
        doc["mv"] = a.embedded_videos
    if a.faces_too_small:
        doc["ts"] = a.faces_too_small
    if a.texts or a.text_frames:
        doc["tx"] = [[t.text, t.confidence, t.box.as_list(), t.time_s] for t in a.texts]
        doc["tf"] = a.text_frames
    if a.captions is not None:
        doc["captions"] = [[f.field, f.text] for f in a.captions.fields]
        doc["caption_errors"] = [[e.field, e.detail] for e in a.captions.errors]
    return json.dumps(doc, separators=(",", ":")).encode()


def _decode(data: bytes) -> FileAnalysis:
    doc: dict[str, Any] = json.loads(data)
    faces = tuple(
        FaceHit(
            box=Box(*[int(v) for v in f["box"]]),
            encoding=None
            if f["e"] is None
            else np.frombuffer(base64.b64decode(f["e"]), dtype="<f4").astype(np.float64),
            time_s=f["t"],
            embedded=None if f.get("x") is None else str(f["x"]),
            profile=bool(f.get("p", 0)),
        )
        for f in doc["faces"]
    )
    captions = None
    if "captions" in doc:
        captions = CaptionFields(
            tuple(CaptionField(str(f), str(t)) for f, t in doc["captions"]),
            tuple(FieldError(str(f), str(d)) for f, d in doc["caption_errors"]),
        )
    return FileAnalysis(
        kind=doc["kind"],
        width=int(doc["w"]),
        height=int(doc["h"]),
        frames_checked=int(doc["n"]),
        duration_s=doc["d"],
        faces=faces,
        captions=captions,
        frames_in_video=None if doc.get("vf") is None else int(doc["vf"]),
        embedded_videos=int(doc.get("mv", 0)),
        faces_too_small=int(doc.get("ts", 0)),
        texts=tuple(
            TextHit(str(t), float(c), Box(*[int(v) for v in b]), None if w is None else float(w))
            for t, c, b, w in doc.get("tx", [])
        ),
        text_frames=int(doc.get("tf", 0)),
    )


class ScanCache:
    """One process's handle on the cache file. Not shared between threads."""

    def __init__(self, home: Path, max_age_days: int, store: KeyStore | None = None) -> None:
        self.path = home / CACHE_FILE
        self.max_age_s = max_age_days * 86400
        self._store = store or key_store_for(home, local=True, holding=CACHE_KEY_ID)
        self._key: bytes | None = None
        create_private_file(self.path)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        self._db.text_factory = bytes  # a damaged row must not fail to decode as text
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, created REAL NOT NULL, "
            "sealed BLOB NOT NULL)"
        )
        # What people answered about a file's faces (answers.py), sealed the same way and
        # kept no longer than the faces: one row per answer, by the file's SHA-256.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (sha256 TEXT NOT NULL, created REAL NOT NULL, "
            "sealed BLOB NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS answers_by_file ON answers (sha256)")
        # Approved files (decisions.py): their entries outlive max_age until ``until``, so
        # a later roster change can re-check them (recheck.py). Caches from before this
        # table have no sha256 column: their entries are never kept longer.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS kept (sha256 TEXT PRIMARY KEY, until REAL NOT NULL)"
        )
        columns = {
            str(r[1], "utf-8") if isinstance(r[1], bytes) else str(r[1])
            for r in self._db.execute("PRAGMA table_info(entries)")
        }
        if "sha256" not in columns:
            self._db.execute("ALTER TABLE entries ADD COLUMN sha256 TEXT")
        self.hits = 0
        self.misses = 0
        self.expire()

    def _cipher(self) -> AESGCM:
        if self._key is None:
            key = self._store.get(CACHE_KEY_ID)
            if key is None:
                key = AESGCM.generate_key(bit_length=256)
                self._store.put(CACHE_KEY_ID, key)
                # Sealed under a key that is gone.
                self._db.execute("DELETE FROM entries")
                self._db.execute("DELETE FROM answers")
            self._key = key
        return AESGCM(self._key)

    def expire(self) -> int:
        now = time.time()
        oldest = now - self.max_age_s
        self._db.execute("DELETE FROM answers WHERE created < ?", (oldest,))
        self._db.execute("DELETE FROM kept WHERE until < ?", (now,))
        cur = self._db.execute(
            "DELETE FROM entries WHERE created < ? AND (sha256 IS NULL OR sha256 NOT IN "
            "(SELECT sha256 FROM kept))",
            (oldest,),
        )
        return cur.rowcount

    def keep(self, sha256: str, days: int) -> None:
        """Keep what was found in these bytes ``days`` from now (an approval), past the
        cache's own age limit; 0 days: no longer than any other entry."""
        if days <= 0:
            self.unkeep(sha256)
            return
        until = time.time() + days * 86400
        self._db.execute(
            "INSERT INTO kept (sha256, until) VALUES (?, ?) ON CONFLICT (sha256) DO UPDATE "
            "SET until = max(until, excluded.until)",
            (sha256, until),
        )

    def unkeep(self, sha256: str) -> None:
        """These bytes are kept no longer than any other entry (no longer approved)."""
        self._db.execute("DELETE FROM kept WHERE sha256 = ?", (sha256,))

    def kept_count(self) -> int:
        """Files kept past the cache's age limit because they were approved."""
        return int(self._db.execute("SELECT count(*) FROM kept").fetchone()[0])

    def put_answer(self, sha256: str, answer: dict[str, Any]) -> None:
        """Keep one answer a person gave about a face of the file with these bytes."""
        nonce = secrets.token_bytes(_NONCE)
        data = json.dumps(answer, sort_keys=True).encode()
        sealed = nonce + self._cipher().encrypt(nonce, data, _answer_aad(sha256))
        self._db.execute(
            "INSERT INTO answers (sha256, created, sealed) VALUES (?, ?, ?)",
            (sha256, time.time(), sealed),
        )

    def answers(self, sha256: str) -> list[dict[str, Any]]:
        """The answers kept about the file with these bytes, oldest first (a damaged one
        is dropped: the face is then asked about again)."""
        rows = self._db.execute(
            "SELECT created, sealed FROM answers WHERE sha256 = ? ORDER BY rowid", (sha256,)
        ).fetchall()
        out = []
        oldest = time.time() - self.max_age_s
        for created, sealed in rows:
            if created < oldest:
                continue
            data = bytes(sealed)
            try:
                plain = self._cipher().decrypt(data[:_NONCE], data[_NONCE:], _answer_aad(sha256))
                answer = json.loads(plain)
            except (*_DAMAGED, json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(answer, dict):
                out.append(answer)
        return out

    def get(self, key: str) -> FileAnalysis | None:
        row = self._db.execute(
            "SELECT created, sealed, sha256 FROM entries WHERE key = ?", (key,)
        ).fetchone()
        if row is None or (row[0] < time.time() - self.max_age_s and not self._kept(row[2])):
            self.misses += 1
            return None
        try:
            found = _unseal(self._cipher(), key, bytes(row[1]))
        except _DAMAGED:
            self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            self.misses += 1
            return None
        self.hits += 1
        return found

    def _kept(self, sha256: object) -> bool:
        if isinstance(sha256, bytes):
            sha256 = sha256.decode("ascii", "replace")
        if not isinstance(sha256, str):
            return False
        row = self._db.execute("SELECT until FROM kept WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None and row[0] >= time.time()

    def put(self, key: str, analysis: FileAnalysis, sha256: str | None = None) -> None:
        """Keep what was found in a file (``sha256``: its bytes', so that an approval of
        them keeps it longer)."""
        if analysis.error is not None:
            return  # only complete results are worth reusing
        nonce = secrets.token_bytes(_NONCE)
        sealed = nonce + self._cipher().encrypt(nonce, _encode(analysis), key.encode())
        self._db.execute(
            "INSERT OR REPLACE INTO entries (key, created, sealed, sha256) VALUES (?, ?, ?, ?)",
            (key, time.time(), sealed, sha256),
        )

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        self._db.close()


#: What opening a damaged or foreign entry raises (it is then treated as absent).
_DAMAGED = (InvalidTag, ValueError, KeyError, TypeError, IndexError, AttributeError)


def _answer_aad(sha256: str) -> bytes:
    return f"answer:{sha256}".encode()


def _unseal(cipher: AESGCM, entry: str, sealed: bytes) -> FileAnalysis:
    """An entry's analysis; the entry's key is the associated data, so a sealed value
    moved to another key does not open."""
    return _decode(cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], entry.encode()))


def cache_contents(home: Path, store: KeyStore | None = None) -> tuple[int, int]:
    """How many files the cache holds, and how many of those entries hold face
    encodings (opened with the cache key to tell; read-only, nothing changes)."""
    path = home / CACHE_FILE
    if not path.exists():
        return 0, 0
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        db.text_factory = bytes
        try:
            rows = db.execute("SELECT key, sealed FROM entries").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return 0, 0
    key = (store or key_store_for(home, local=True, holding=CACHE_KEY_ID)).get(CACHE_KEY_ID)
    encoded = 0
    for entry, sealed in rows:
        if key is None or not isinstance(sealed, bytes):
            continue
        try:
            name = entry.decode() if isinstance(entry, bytes) else str(entry)
            found = _unseal(AESGCM(key), name, sealed)
        except _DAMAGED:
            continue  # damaged: the cache deletes it when it meets it
        encoded += any(hit.encoding is not None for hit in found.faces)
    return len(rows), encoded


def clear_cache(home: Path, store: KeyStore | None = None) -> int:
    """Delete the cache file (and its WAL) and destroy its key. Returns entries deleted."""
    path = home / CACHE_FILE
    count = 0
    if path.exists():
        try:
            db = sqlite3.connect(path)
            count = int(db.execute("SELECT count(*) FROM entries").fetchone()[0])
            db.close()
        except sqlite3.Error:
            count = 0
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if store is not None:
        store.delete(CACHE_KEY_ID)
        return count
    # Wherever a cache key may be: the file in the data folder (used first when it is
    # there) and the store a new key would go to (the OS keyring when usable).
    key_store_for(home, local=True, holding=CACHE_KEY_ID).delete(CACHE_KEY_ID)
    key_store_for(home, local=True).delete(CACHE_KEY_ID)
    return count
