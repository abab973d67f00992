"""District mode: one PostgreSQL database for every school and every staff machine.

The server enforces who may do what (store/migrations.py creates it with the
schema): each photoguard role is a group role with table privileges,

* ``photoguard_office``  imports rosters, enrolls and purges reference faces;
* ``photoguard_staff``   scans and decides (reads its school's roster and references);
* ``photoguard_records`` reads the approval log,

and row-level security lets a login touch only the rows of the schools that
``school_members`` lists for it, matched on ``current_user``, so a staff login
sees its own school's roster and nothing else, from photoguard or from psql.
Nobody but the database owner may change or delete a log record.

This module manages memberships (:func:`grant`, :func:`revoke`, :func:`members`)
and moves a single machine's SQLite database into PostgreSQL
(:func:`migrate_to`, ``photoguard db migrate-to URL``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from photoguard import audit
from photoguard.errors import UserError
from photoguard.files.clock import utcnow
from photoguard.store import (
    ALL_SCHOOLS,
    GROUP_ROLES,
    SQLITE_FILE,
    Database,
    Tx,
)
from photoguard.store.copy import copy_database
from photoguard.workspace.database import open_database
from photoguard.workspace.settings import load_settings, save_settings

ROLES = tuple(GROUP_ROLES)


# ------------------------------------------------------------------ memberships


@dataclass(frozen=True)
class Membership:
    login: str
    #: A school code, or ``*`` for every school.
    school: str
    role: str
    granted_at: str
    granted_by: str


def _district_only(db: Database) -> None:
    if db.dialect != "postgresql":
        raise UserError(
            "roles are for a district database: point photoguard at PostgreSQL with --db URL"
        )


def _check_role(role: str) -> str:
    if role not in GROUP_ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    return GROUP_ROLES[role]


def _quoted(tx: Tx, name: str) -> str:
    return str(tx.scalar("SELECT quote_ident(?)", (name,)))


def grant(db: Database, login: str, role: str, school: str) -> Membership:
    """Let an existing PostgreSQL login act as ``role`` for ``school`` (``*``: every school)."""
    _district_only(db)
    group = _check_role(role)
    if login in GROUP_ROLES.values():
        raise UserError(f"{login} is one of photoguard's group roles, not a person's login")
    with db.transaction() as tx:
        found = tx.row("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?", (login,))
        if found is None or not found["rolcanlogin"]:
            raise UserError(
                f"there is no login '{login}' on the server: create it first "
                f"(createuser --pwprompt {login})"
            )
        if school != ALL_SCHOOLS and not tx.scalar(
            "SELECT count(*) FROM schools WHERE code = ?", (school,)
        ):
            raise UserError(
                f"there is no school '{school}' in this database: add it with "
                f"'photoguard db init --school {school}'"
            )
        tx.execute(f"GRANT {group} TO {_quoted(tx, login)}")
        tx.execute(
            "INSERT INTO school_members (login, school, role, granted_at, granted_by) "
            "VALUES (?, ?, ?, ?, current_user) ON CONFLICT (login, school, role) DO NOTHING",
            (login, school, role, utcnow()),
        )
        row = tx.row(
            "SELECT * FROM school_members WHERE login = ? AND school = ? AND role = ?",
            (login, school, role),
        )
    assert row is not None
    return Membership(**row)


def revoke(db: Database, login: str, role: str, school: str) -> bool:
    """Take ``role`` for ``school`` away from ``login``; False if it did not have it."""
    _district_only(db)
    group = _check_role(role)
    with db.transaction() as tx:
        removed = tx.execute(
            "DELETE FROM school_members WHERE login = ? AND school = ? AND role = ?",
            (login, school, role),
        )
        left = tx.scalar(
            "SELECT count(*) FROM school_members WHERE login = ? AND role = ?", (login, role)
        )
        exists = tx.scalar("SELECT count(*) FROM pg_roles WHERE rolname = ?", (login,))
        if not left and exists:
            tx.execute(f"REVOKE {group} FROM {_quoted(tx, login)}")
    return bool(removed)


def members(db: Database) -> list[Membership]:
    """Every membership this login may see (all of them for the owner, else its own)."""
    _district_only(db)
    with db.snapshot() as tx:
        rows = tx.rows("SELECT * FROM school_members ORDER BY login, school, role")
    return [Membership(**r) for r in rows]


# ------------------------------------------------------------------ db migrate-to


@dataclass(frozen=True)
class MigrationResult:
    target: str
    #: Records copied per school's approval log (every chain verified on both sides).
    chains: dict[str, int]
    rows: dict[str, int]
    #: Where the master key now is for the other machines, or why it is not there.
    key_note: str
    #: The URL the data folder now uses (never with a password).
    saved_url: str
    password_left_out: bool


def strip_password(url: str) -> tuple[str, bool]:
    """``url`` without its password (in the user part or a ``password=`` option)."""
    parts = urlsplit(url)
    netloc, had = parts.netloc, False
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo, had = userinfo.split(":", 1)[0], True
        netloc = f"{userinfo}@{host}"
    query = parse_qsl(parts.query)
    kept = [(k, v) for k, v in query if k != "password"]
    had = had or len(kept) != len(query)
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(kept))), had


def migrate_to(home: Path, url: str, key_dir: Path | None = None) -> MigrationResult:
    """Move this data folder's SQLite database into the (empty) PostgreSQL database at ``url``.

    Refuses, copying nothing, if a school's approval log does not verify here.
    Afterwards every chain is verified on the target, this folder's witness is
    extended to the new database, and the folder's settings point at it.
    """
    if not (home / SQLITE_FILE).is_file():
        raise UserError(f"there is no SQLite database in {home} to move")
    if not url.startswith(("postgresql://", "postgres://")):
        raise UserError("migrate-to needs a postgresql:// URL")
    with open_database(home) as source:
        with source.snapshot() as tx:
            schools = [str(r["school"]) for r in tx.rows("SELECT DISTINCT school FROM audit_log")]
            vault = tx.row("SELECT master_key_id, key_store FROM vault WHERE id = 1")
        heads: dict[str, audit.Verification] = {}
        for school in sorted(schools):
            checked = audit.verify(source, school, home)
            if not checked.ok:
                raise UserError(
                    f"the approval log of school '{school}' does not verify here "
                    f"({checked.reason}); nothing was copied"
                )
            heads[school] = checked
        master = _master_key(home, vault, key_dir)
        with open_database(home, url) as target:
            rows = copy_database(source, target, keep_identity=False)
            for school, before in heads.items():
                after = audit.verify(target, school)
                if not after.ok or (after.records, after.head_hash) != (
                    before.records,
                    before.head_hash,
                ):
                    raise UserError(
                        f"the copy of school '{school}''s approval log in {target.display_name} "
                        "does not match this one; the database there must be emptied before "
                        "trying again"
                    )
                with target.snapshot() as tx:
                    copied = list(audit.records(tx, school))
                audit.write_head(home, school, *copied)
            key_note = _place_master_key(target, vault, master, key_dir)
            display = target.display_name
    saved, had_password = strip_password(url)
    save_settings(home, replace(load_settings(home), db_url=saved))
    return MigrationResult(
        target=display,
        chains={s: v.records for s, v in heads.items()},
        rows=rows,
        key_note=key_note,
        saved_url=saved,
        password_left_out=had_password,
    )


def _master_key(home: Path, vault: dict[str, object] | None, key_dir: Path | None) -> bytes | None:
    """The master key, read before anything is copied when it is to be placed in ``key_dir``."""
    if vault is None or key_dir is None:
        return None
    from photoguard.references.vault import key_store_for

    key = key_store_for(home, str(vault["key_store"])).get(str(vault["master_key_id"]))
    if key is None:
        raise UserError(
            f"the master key {vault['master_key_id']} is not in this machine's "
            f"{vault['key_store']} key store, so it cannot be placed in {key_dir}; nothing was "
            "copied"
        )
    return key


def _place_master_key(
    target: Database, vault: dict[str, object] | None, key: bytes | None, key_dir: Path | None
) -> str:
    if vault is None:
        return "no reference faces were enrolled here, so there is no master key to provision"
    key_id = str(vault["master_key_id"])
    if key is None or key_dir is None:
        return (
            f"the reference faces are sealed with master key {key_id}, which stays in this "
            f"machine's {vault['key_store']} key store: provision it to every machine that "
            "scans (see the README's District mode)"
        )
    from photoguard.references.vault import FileKeyStore

    FileKeyStore(key_dir).put(key_id, key)
    with target.transaction() as tx:
        tx.execute("UPDATE vault SET key_store = 'file' WHERE id = 1")
    return (
        f"master key {key_id} was written to {key_dir}; machines that scan read it there "
        "(PHOTOGUARD_KEY_DIR)"
    )
