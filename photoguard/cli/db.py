"""``photoguard db init | status | grant | revoke | members | migrate-to``: the database itself.

District mode (PostgreSQL) is set up with these: the owner runs ``db init`` to
create the schema, roles and row-level security, adds schools, and grants each
login a role for a school. ``db migrate-to URL`` moves a single machine's SQLite
database into an empty PostgreSQL database.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.cli.output import plural, print_json, table
from photoguard.errors import UserError
from photoguard.roster.stored import ensure_school
from photoguard.store import ALL_SCHOOLS, LATEST
from photoguard.workspace import district
from photoguard.workspace.folder import open_folder_database
from photoguard.workspace.home import ensure_home, resolve_home

if TYPE_CHECKING:
    from photoguard.cli.main import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "db",
        help="the database: create it, manage district roles, move to PostgreSQL",
        description="Without --db, photoguard keeps its data in a SQLite file in the data "
        "folder. With --db postgresql://... (or $PHOTOGUARD_DB, or the db_url setting) every "
        "command and the app use one shared PostgreSQL database, where the server itself "
        "decides what each login may do: office (import rosters, enroll, purge), staff (scan, "
        "decide) or records (read and export the approval log), each for its own schools.",
    )
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    init = dsub.add_parser(
        "init",
        help="create the database or bring its schema up to date",
        description="Create the tables (and on PostgreSQL the roles photoguard_office, "
        "photoguard_staff, photoguard_records and their row-level security), or apply any "
        "pending migration. Safe to run again. Run it as the database's owner.",
    )
    init.add_argument("--school", dest="new_school", metavar="CODE", help="also add this school")
    init.add_argument("--name", metavar="NAME", help="the school's name (with --school)")
    init.set_defaults(handler=cmd_init)

    status = dsub.add_parser("status", help="which database, schema version, login and schools")
    status.set_defaults(handler=cmd_status)

    for action, helptext in (
        ("grant", "let a PostgreSQL login act as office, staff or records for a school"),
        ("revoke", "take a role for a school away from a login"),
    ):
        g = dsub.add_parser(action, help=helptext, description=helptext[0].upper() + helptext[1:])
        g.add_argument("login", metavar="LOGIN", help="an existing PostgreSQL login")
        g.add_argument("role", choices=district.ROLES, metavar="ROLE", help="office|staff|records")
        where = g.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", dest="member_school", metavar="CODE")
        where.add_argument("--all-schools", action="store_true", help="every school")
        g.set_defaults(handler=cmd_grant if action == "grant" else cmd_revoke)

    mem = dsub.add_parser("members", help="list who holds which role for which school")
    mem.add_argument("--json", action="store_true", help="print JSON")
    mem.set_defaults(handler=cmd_members)

    move = dsub.add_parser(
        "migrate-to",
        help="copy this data folder's SQLite database into an empty PostgreSQL database",
        description="Copy every roster version, reference face, scan and approval-log record "
        "from this data folder's SQLite file into the PostgreSQL database at URL (which must "
        "hold no photoguard data yet), verify every log chain on both sides, and switch this "
        "data folder to the new database. The SQLite file is left as it was.",
    )
    move.add_argument("url", metavar="URL", help="postgresql://OWNER@HOST/DATABASE")
    move.add_argument(
        "--key-dir",
        type=Path,
        metavar="DIR",
        help="also write the master key that unlocks the reference faces into DIR, the "
        "district's key folder (see PHOTOGUARD_KEY_DIR)",
    )
    move.set_defaults(handler=cmd_migrate_to)


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    if args.name and not args.new_school:
        raise UserError("--name needs --school CODE")
    _, _, db = open_folder_database(args.home, args.db)
    with db:
        print(f"Schema version {LATEST} is in place in {db.display_name}.")
        if args.new_school:
            code = args.new_school.strip()
            if not code or code == ALL_SCHOOLS:
                raise UserError(f"{args.new_school!r} is not a school code")
            with db.transaction() as tx:
                existed = tx.scalar("SELECT count(*) FROM schools WHERE code = ?", (code,))
                ensure_school(tx, code, args.name)
                if args.name:
                    tx.execute("UPDATE schools SET name = ? WHERE code = ?", (args.name, code))
            print(f"{'School' if existed else 'Added school'} {code}" + _named(args.name) + ".")
    return 0


def _named(name: str | None) -> str:
    return f" ({name})" if name else ""


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    _, _, db = open_folder_database(args.home, args.db)
    with db:
        engine = "PostgreSQL" if db.dialect == "postgresql" else "SQLite"
        print(f"Database: {db.display_name} ({engine}), schema version {LATEST}")
        print(f"Identity: {db.identity}")
        with db.snapshot() as tx:
            schools = tx.rows("SELECT code, name FROM schools ORDER BY code")
        if db.dialect == "postgresql":
            login = getattr(db, "login", "?")
            own = [m for m in district.members(db) if m.login == login]
            held = ", ".join(f"{m.role} for {m.school}" for m in own) or "no photoguard role"
            print(f"Login: {login} ({held})")
        listed = ", ".join(
            r["code"] + (_named(r["name"]) if r["name"] != r["code"] else "") for r in schools
        )
        print(f"Schools: {listed or 'none yet'}")
    return 0


def _school(args: argparse.Namespace) -> str:
    return ALL_SCHOOLS if args.all_schools else str(args.member_school)


def _where(school: str) -> str:
    return "every school" if school == ALL_SCHOOLS else f"school {school}"


def cmd_grant(args: argparse.Namespace, ctx: Context) -> int:
    _, _, db = open_folder_database(args.home, args.db)
    with db:
        m = district.grant(db, args.login, args.role, _school(args))
    print(f"{m.login} is {m.role} for {_where(m.school)}.")
    return 0


def cmd_revoke(args: argparse.Namespace, ctx: Context) -> int:
    school = _school(args)
    _, _, db = open_folder_database(args.home, args.db)
    with db:
        removed = district.revoke(db, args.login, args.role, school)
    if removed:
        print(f"{args.login} is no longer {args.role} for {_where(school)}.")
    else:
        print(f"{args.login} was not {args.role} for {_where(school)}; nothing changed.")
    return 0


def cmd_members(args: argparse.Namespace, ctx: Context) -> int:
    _, _, db = open_folder_database(args.home, args.db)
    with db:
        found = district.members(db)
    if args.json:
        print_json([asdict(m) for m in found])
        return 0
    if not found:
        print("No memberships yet: grant them with 'photoguard db grant LOGIN ROLE --school CODE'.")
        return 0
    print(
        table(
            [(m.login, m.role, m.school, m.granted_at, m.granted_by) for m in found],
            ("login", "role", "school", "granted", "by"),
        )
    )
    return 0


def cmd_migrate_to(args: argparse.Namespace, ctx: Context) -> int:
    if args.db:
        raise UserError("migrate-to moves the data folder's SQLite file: give the URL, not --db")
    home = ensure_home(resolve_home(args.home))
    result = district.migrate_to(home, args.url, args.key_dir)
    print(f"Copied this data folder's database into {result.target}:")
    for school, n in sorted(result.chains.items()):
        print(
            f"  school {school}: {plural(n, 'approval-log record')}, chain verified on both sides"
        )
    copied = {k: v for k, v in result.rows.items() if v and k != "audit_log"}
    if copied:
        print("  " + ", ".join(f"{plural(v, 'row')} of {k}" for k, v in copied.items()))
    print(result.key_note[0].upper() + result.key_note[1:] + ".")
    print(
        f"This data folder now uses {result.saved_url} (its settings.json); the SQLite file "
        "is left as it was."
    )
    if result.password_left_out:
        print("The password was not saved: put it in ~/.pgpass (or $PGPASSWORD) on this machine.")
    return 0
