"""The witness: what a data folder saw being written to the approval log, kept outside it.

A chain that is edited and then recomputed from the edit onwards, or cut short
at the end, is still a valid chain; to catch that, every record appended from a
data folder is also written down in that folder:

* ``audit-witness.jsonl`` gets one line per record (school, sequence number,
  hash, database), appended and flushed to disk, so verify can name exactly the
  first record that differs from what was written;
* ``audit-head.json`` holds the newest record's sequence number and hash per
  school (rewritten atomically).

Both are written after the transaction commits (:func:`write_head`); a crash in
between only leaves the witness one transaction behind, which verifies.

Both name the database too (its identity, a random ID stored in it when it was
created, see store/migrations.py): one data folder may witness several
databases' logs, e.g. its SQLite file and, after ``db migrate-to``, the
district's PostgreSQL database, and each is compared only with its own. Lines
written before identities existed name none; they belong to the data folder's
SQLite file.

**The folder's own database.** Before anything is first written to the data
folder's SQLite file, the folder notes which database that is (a :class:`Claim`:
its identity, and how many records each school's log already held), in *both*
files: a ``{"folder": ...}`` line in the witness and the ``"*"`` entry of the
head file (``*`` is never a school code). So the folder knows it wrote records,
and to which database, from any two of the three files (database, witness, head
file) that are left:

* the database file deleted: the claim names a database that is not there, and
  photoguard refuses to create an empty one in its place (workspace.py);
* the database file replaced: the claim names another identity;
* the witness deleted or emptied: the head file still holds the claim and the
  heads, and the log's records have no witness lines; when photoguard writes
  again it starts the witness afresh with a claim saying how many records were
  there already, and verify keeps saying those were never witnessed;
* both witness files deleted: the database holds records the folder has no
  witness of.

A genuinely fresh data folder has none of the three. Deleting all three at
once, or the whole folder, cannot be told from a folder never used; keep
exports (``photoguard log export``) elsewhere for that.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.errors import UserError

if TYPE_CHECKING:
    from photoguard.audit.chain import Record

HEAD_FILE = "audit-head.json"
WITNESS_FILE = "audit-witness.jsonl"
#: The head file's entry for the data folder itself (not a school: '*' is never one).
FOLDER_ENTRY = "*"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_heads(home: Path) -> tuple[dict[str, Any], bool]:
    """The head file's content, and whether it is there but damaged."""
    try:
        text = (home / HEAD_FILE).read_text("utf-8")
    except OSError:
        return {}, False
    try:
        heads = json.loads(text)
    except ValueError:
        return {}, bool(text.strip())
    return (heads, False) if isinstance(heads, dict) else ({}, True)


def _replace_head_file(home: Path, heads: Mapping[str, Any]) -> None:
    # A private temporary name per writer: the app and the command line may append at once.
    fd, tmp = tempfile.mkstemp(dir=home, prefix=HEAD_FILE + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(canonical_json(heads))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, home / HEAD_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(home)


def _write_head_file(home: Path, school: str, record: Record) -> None:
    """The head file: per school, the newest record written by this data folder
    (``seq``, ``hash`` and ``db``, the database it went to) and, under
    ``databases``, the newest per database."""
    heads, damaged = _read_heads(home)
    known = read_head(home, school, record.database)
    if known is not None and known[0] >= record.seq:
        return
    if damaged:  # keep what the folder knows about its own database
        claim = _claim_in_witness(home)
        if claim is not None:
            heads[FOLDER_ENTRY] = claim.as_json()
    entry = heads.get(school)
    per_db = entry.get("databases") if isinstance(entry, dict) else None
    per_db = dict(per_db) if isinstance(per_db, dict) else {}
    if record.database:
        per_db[record.database] = [record.seq, record.hash]
    heads[school] = {"seq": record.seq, "hash": record.hash, "db": record.database}
    if per_db:
        heads[school]["databases"] = per_db
    _replace_head_file(home, heads)


def _append_lines(home: Path, lines: list[dict[str, Any]]) -> None:
    # Each line starts with a newline, so a line torn by a crash never runs into the next.
    text = "".join("\n" + canonical_json(line) for line in lines)
    fd = os.open(home / WITNESS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))  # one write: appends of concurrent writers stay whole
        os.fsync(fd)
    finally:
        os.close(fd)


def _witness_line(school: str, record: Record) -> dict[str, Any]:
    line: dict[str, Any] = {"school": school, "seq": record.seq, "hash": record.hash}
    if record.database:
        line["db"] = record.database
    return line


def write_head(home: Path, school: str, *records: Record) -> None:
    """Witness committed records outside the database (call after the commit).

    Pass every record the transaction appended, oldest first; with one call per
    record, verify can name exactly the first record rewritten later.
    """
    if not records:
        return
    try:
        _append_lines(home, [_witness_line(school, r) for r in records])
        _write_head_file(home, school, max(records, key=lambda r: r.seq))
    except OSError as exc:
        raise UserError(
            f"the action was recorded in the approval log, but its witness in {home} could "
            f"not be written ({exc.strerror or exc}); check the data folder"
        ) from exc


def _same_database(found: object, database: str | None, legacy: bool) -> bool:
    """Whether a witness entry naming database ``found`` (or none) is about ``database``."""
    if database is None:
        return True
    if not found:
        return legacy
    return found == database


def read_head(
    home: Path, school: str, database: str | None = None, *, legacy: bool = True
) -> tuple[int, str] | None:
    """The newest record this data folder witnessed for ``school`` (in ``database``, if given).

    ``legacy``: whether entries that name no database (written before databases
    had identities) count as this database's.
    """
    known = _read_heads(home)[0].get(school)
    if not isinstance(known, dict):
        return None
    per_db = known.get("databases")
    try:
        if database and isinstance(per_db, dict) and database in per_db:
            seq, digest = per_db[database]
            return int(seq), str(digest)
        if not _same_database(known.get("db"), database, legacy):
            return None
        return int(known["seq"]), str(known["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def _witness_text(home: Path) -> str:
    try:
        return (home / WITNESS_FILE).read_text("utf-8", errors="replace")
    except OSError:
        return ""


def witness_lines(
    home: Path, school: str, database: str | None = None, *, legacy: bool = True
) -> dict[int, str]:
    """Every (sequence number -> hash) in the witness file alone (not the head file)."""
    seen: dict[int, str] = {}
    for line in _witness_text(home).splitlines():
        try:
            item = json.loads(line)
            if item["school"] == school and _same_database(item.get("db"), database, legacy):
                seen[int(item["seq"])] = str(item["hash"])
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return seen


def read_witness(
    home: Path, school: str, database: str | None = None, *, legacy: bool = True
) -> dict[int, str]:
    """Every (sequence number -> hash) witnessed for this school, head file included.

    With ``database``, only what was witnessed for that database (see
    :func:`read_head` for ``legacy``). Lines torn by a crash are skipped.
    """
    seen = witness_lines(home, school, database, legacy=legacy)
    head = read_head(home, school, database, legacy=legacy)
    if head is not None:
        seen.setdefault(head[0], head[1])
    return seen


# ------------------------------------------------------------ the folder's own database


@dataclass(frozen=True)
class Claim:
    """Which SQLite database this data folder writes to, and since when it witnessed it."""

    identity: str
    #: Per school, how many records its log held when this folder began (or began
    #: again, after losing its witness) to witness it: those it cannot vouch for.
    began: Mapping[str, int] = field(default_factory=dict)
    #: Where it was read from: "head", "witness" (not part of the claim).
    source: str = field(default="", compare=False)

    def as_json(self) -> dict[str, Any]:
        return {"sqlite": self.identity, "began": dict(self.began)}


def _parse_claim(value: object, source: str) -> Claim | None:
    if not isinstance(value, dict) or not isinstance(value.get("sqlite"), str):
        return None
    began = value.get("began")
    counts: dict[str, int] = {}
    if isinstance(began, dict):
        for school, n in began.items():
            if isinstance(school, str) and isinstance(n, int):
                counts[school] = n
    return Claim(value["sqlite"], counts, source)


def _claim_in_witness(home: Path) -> Claim | None:
    """The newest claim line of the witness file."""
    found: Claim | None = None
    for line in _witness_text(home).splitlines():
        if '"folder"' not in line:
            continue
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            found = _parse_claim(item.get("folder"), "witness") or found
    return found


def read_claim(home: Path) -> Claim | None:
    """What the data folder knows of its own SQLite database: from the head file, else
    from the witness file (None: neither says)."""
    found = _parse_claim(_read_heads(home)[0].get(FOLDER_ENTRY), "head")
    return found or _claim_in_witness(home)


def write_claim(home: Path, claim: Claim) -> None:
    """Note the folder's own database in both witness files (before it is first written)."""
    try:
        _append_lines(home, [{"folder": claim.as_json()}])
        restore_head_claim(home, claim)
    except OSError as exc:
        raise UserError(
            f"the witness files in {home} cannot be written ({exc.strerror or exc}), so "
            "nothing is recorded; check the data folder"
        ) from exc


def restore_head_claim(home: Path, claim: Claim) -> None:
    """Put the claim back into the head file (it was deleted or damaged)."""
    heads, _damaged = _read_heads(home)
    heads[FOLDER_ENTRY] = claim.as_json()
    _replace_head_file(home, heads)


def witness_is_empty(home: Path) -> bool:
    """Whether the per-record witness file is missing or holds nothing."""
    try:
        return (home / WITNESS_FILE).stat().st_size == 0
    except OSError:
        return True


def legacy_sqlite_witness(home: Path) -> bool:
    """Whether the folder witnessed records that name no database: written before
    databases had identities, so to the folder's SQLite file."""
    for line in _witness_text(home).splitlines():
        try:
            item = json.loads(line)
            if "school" in item and not item.get("db") and int(item["seq"]) > 0:
                return True
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    heads = _read_heads(home)[0]
    return any(
        isinstance(v, dict) and not v.get("db") and k != FOLDER_ENTRY for k, v in heads.items()
    )
