"""District mode (PostgreSQL): who may see and change which school's rows.

Every school's rows are kept apart in the server itself: three group roles
(``photoguard_office``, ``photoguard_staff``, ``photoguard_records``) get table
privileges, and row-level security lets a login see and write only the rows of
the schools ``school_members`` lists for it (by ``current_user``, which a login
cannot change). A new table that holds a school's data must get its grants and
policies in the migration that creates it (see :data:`_ACCESS`), and a place in
:data:`~photoguard.store.schema.DATA_TABLES`.

:data:`DISTRICT_ROLES` is what schema 2 runs on PostgreSQL (store/schema.py).
"""

from __future__ import annotations

#: The group role of each photoguard role. A login gets its privileges by being
#: granted one of these, and its rows by a ``school_members`` entry.
GROUP_ROLES = {
    "office": "photoguard_office",  # import rosters, enroll, purge
    "staff": "photoguard_staff",  # scan, decide
    "records": "photoguard_records",  # read and export the approval log
}
#: ``school_members.school`` value that means every school in the database.
ALL_SCHOOLS = "*"

#: What each role may do to each table, and the column that names the row's school
#: (or an expression that finds it). UPDATE is limited to the columns listed.
_ACCESS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("schools", "office", ("SELECT", "INSERT"), "code"),
    ("schools", "staff", ("SELECT",), "code"),
    ("schools", "records", ("SELECT",), "code"),
    ("roster_versions", "office", ("SELECT", "INSERT"), "school"),
    ("roster_versions", "staff", ("SELECT",), "school"),
    ("roster_students", "office", ("SELECT", "INSERT"), "school"),
    ("roster_students", "staff", ("SELECT",), "school"),
    ("student_keys", "office", ("SELECT", "INSERT", "UPDATE", "DELETE"), "school"),
    ("student_keys", "staff", ("SELECT",), "school"),
    ("face_references", "office", ("SELECT", "INSERT", "DELETE"), "school"),
    ("face_references", "staff", ("SELECT",), "school"),
    ("audit_log", "office", ("SELECT", "INSERT"), "school"),
    ("audit_log", "staff", ("SELECT", "INSERT"), "school"),
    ("audit_log", "records", ("SELECT",), "school"),
    ("scans", "staff", ("SELECT", "INSERT", "UPDATE"), "school"),
    (
        "scan_files",
        "staff",
        ("SELECT", "INSERT", "UPDATE"),
        "(SELECT s.school FROM {SCHEMA}.scans s WHERE s.id = scan_id)",
    ),
)
_UPDATE_COLUMNS = {
    "student_keys": "wrapped_key",
    "scans": "finished_at, counts",
    "scan_files": "sha256, verdict, summary",
}


def _member(role: str, school: str) -> str:
    """True for a row whose school the current login holds ``role`` in (or every school)."""
    return f"(SELECT {{SCHEMA}}.photoguard_schools('{role}')) && ARRAY[{school}, '{ALL_SCHOOLS}']"


def _access_statements() -> list[str]:
    out = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"
        for table in dict.fromkeys(t for t, *_ in _ACCESS)
    ]
    for table, role, commands, school in _ACCESS:
        group = GROUP_ROLES[role]
        for command in commands:
            columns = f" ({_UPDATE_COLUMNS[table]})" if command == "UPDATE" else ""
            out.append(f"GRANT {command}{columns} ON {table} TO {group}")
            check = _member(role, school)
            clause = {
                "SELECT": f"USING ({check})",
                "DELETE": f"USING ({check})",
                "INSERT": f"WITH CHECK ({check})",
                "UPDATE": f"USING ({check}) WITH CHECK ({check})",
            }[command]
            out.append(
                f"CREATE POLICY {table}_{role}_{command.lower()} ON {table} "
                f"FOR {command} TO {group} {clause}"
            )
    return out


_EVERY_GROUP = ", ".join(GROUP_ROLES.values())

#: What schema 2 runs on PostgreSQL: the group roles, ``school_members``, the functions
#: and triggers that guard the vault and the chain, and every grant and policy.
DISTRICT_ROLES = (
    # Roles belong to the whole server: create them once, whoever comes first.
    f"""DO $$
    DECLARE r text;
    BEGIN
        FOREACH r IN ARRAY ARRAY['{"', '".join(GROUP_ROLES.values())}'] LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
                BEGIN
                    EXECUTE format('CREATE ROLE %I NOLOGIN', r);
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- another first run created it a moment ago
                END;
            END IF;
        END LOOP;
    END $$""",
    f"GRANT USAGE ON SCHEMA {{SCHEMA}} TO {_EVERY_GROUP}",
    # Who may do what where. ALL_SCHOOLS ('*') is every school.
    """CREATE TABLE school_members (
        login TEXT NOT NULL,
        school TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('office', 'staff', 'records')),
        granted_at TEXT NOT NULL,
        granted_by TEXT NOT NULL,
        PRIMARY KEY (login, school, role))""",
    "ALTER TABLE school_members ENABLE ROW LEVEL SECURITY",
    f"GRANT SELECT ON school_members TO {_EVERY_GROUP}",
    f"""CREATE POLICY school_members_own ON school_members FOR SELECT TO {_EVERY_GROUP}
        USING (login = current_user)""",
    # The schools the current login holds a role in. Schema-qualified with a fixed
    # search path: a login cannot slip in a table of its own (say a temporary
    # school_members) to widen what it sees.
    """CREATE FUNCTION {SCHEMA}.photoguard_schools(wanted text) RETURNS text[]
        LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
        AS $$ SELECT coalesce(array_agg(m.school), '{}'::text[])
              FROM {SCHEMA}.school_members m
              WHERE m.login = current_user AND m.role = wanted $$""",
    # Changing the master key re-wraps every school's data keys, so only a login
    # that sees them all may do it: the owner, or an office login for every school.
    f"""CREATE FUNCTION {{SCHEMA}}.photoguard_vault_guard() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF pg_has_role(current_user,
                           (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE')
               OR '{ALL_SCHOOLS}' = ANY ({{SCHEMA}}.photoguard_schools('office')) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE =
                'only the database owner or an office login for every school may change '
                || 'the master key';
        END $$""",
    """CREATE TRIGGER vault_guard BEFORE UPDATE ON vault
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.photoguard_vault_guard()""",
    # Even from psql, a record must follow the last one of its school.
    """CREATE FUNCTION {SCHEMA}.photoguard_audit_log_chain() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        DECLARE last_seq bigint; last_hash text;
        BEGIN
            SELECT a.seq, a.hash INTO last_seq, last_hash FROM {SCHEMA}.audit_log a
                WHERE a.school = NEW.school ORDER BY a.seq DESC LIMIT 1;
            IF NEW.seq <> coalesce(last_seq, 0) + 1
               OR NEW.prev_hash <> coalesce(last_hash, repeat('0', 64)) THEN
                RAISE EXCEPTION 'record % of school % does not follow the last record of its chain',
                    NEW.seq, NEW.school;
            END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.photoguard_audit_log_chain()""",
    f"GRANT SELECT ON schema_version, database_identity TO {_EVERY_GROUP}",
    "GRANT SELECT ON vault TO photoguard_office, photoguard_staff",
    "GRANT INSERT, UPDATE (master_key_id, key_store, retired_key_id, rotated_at) ON vault "
    "TO photoguard_office",
    *_access_statements(),
)
