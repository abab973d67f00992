"""District mode: the PostgreSQL server itself keeps schools and roles apart.

One database with two schools, north and south, and a login per role. What a
login may not do is refused by the server (roles, grants, row-level security),
so it holds for photoguard and for anyone with psql and the same password alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoguard import audit
from photoguard.audit.view import export_csv, read_records
from photoguard.cli.main import main
from photoguard.errors import UserError
from photoguard.references import stored as ref_store
from photoguard.references.enroll import ENCODING_KIND, load_reference_set
from photoguard.references.vault import Vault
from photoguard.roster import stored as roster_store
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan.decisions import decide
from photoguard.scan.run import FileChecked, ScanOptions, scan
from photoguard.store.engine import PermissionDenied
from photoguard.store.per_folder import with_search_path
from photoguard.workspace import district
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.postgres

HEADER = "Student ID,Name,Grade,Homeroom,Photo Opt Out"
NORTH = ('000123,"Martínez, Zoë",5,H1,Y', '000124,"Smith, Ann",5,H1,')
SOUTH = ('000200,"Jones, Bob",7,B2,Y',)


@dataclass(frozen=True)
class District:
    owner: str
    logins: dict[str, str]  # name -> URL that connects as it
    key_dir: Path
    root: Path

    def home(self, name: str) -> Path:
        """A machine's data folder (each login on a machine of its own)."""
        return self.root / f"machine-{name}"

    def login(self, name: str) -> str:
        return self.logins[name].split("//", 1)[1].split(":", 1)[0]


def _roster(path: Path, rows: tuple[str, ...]) -> Path:
    path.write_text("\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8")
    return path


def _encoding(seed: int) -> bytes:
    return np.random.default_rng(seed).normal(size=128).astype("<f4").tobytes()


def _enroll(url: str, home: Path, school: str, student_id: str, seed: int) -> None:
    """What enroll stores for one reference face, without running the face model."""
    with open_workspace(home, db_url=url, school=school) as ws:
        vault = Vault(ws.db, ws.home, school)
        with ws.db.transaction() as tx:
            sealed = vault.seal(tx, student_id, ENCODING_KIND, _encoding(seed))
            ref_store.insert_reference(
                tx,
                school,
                ref_store.StoredReference(
                    0,
                    student_id,
                    f"{seed:064x}",
                    "day.jpg",
                    "[0,0,1,1]",
                    120,
                    "m",
                    "2026-09-01T08:00:00+00:00",
                    sealed,
                    None,
                ),
            )


@pytest.fixture(scope="module")
def district_db(
    pg_database: str,
    pg_login: Callable[[str, str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[District]:
    import psycopg

    root = tmp_path_factory.mktemp("district")
    key_dir = root / "district-keys"
    schema = f"district_{root.name.replace('-', '_')}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    owner = with_search_path(pg_database, schema)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHOTOGUARD_KEY_DIR", str(key_dir))
        with open_workspace(root / "owner", db_url=owner, school="north") as ws:
            with ws.db.transaction() as tx:
                roster_store.ensure_school(tx, "south", "South Middle")
            logins = {
                name: pg_login(owner, name)
                for name in (
                    "office_all",
                    "office_north",
                    "staff_north",
                    "staff_south",
                    "records_north",
                    "nobody",
                )
            }
            d = District(owner, logins, key_dir, root)
            for name, role, school in (
                ("office_all", "office", "*"),
                ("office_north", "office", "north"),
                ("staff_north", "staff", "north"),
                ("staff_south", "staff", "south"),
                ("records_north", "records", "north"),
            ):
                district.grant(ws.db, d.login(name), role, school)
        office = logins["office_all"]
        for school, rows in (("north", NORTH), ("south", SOUTH)):
            with open_workspace(d.home("office_all"), db_url=office, school=school) as ws:
                path = _roster(root / f"{school}.csv", rows)
                apply_import(ws, preview_import(ws, path), "office")
        _enroll(office, d.home("office_all"), "north", "000123", 1)
        _enroll(office, d.home("office_all"), "south", "000200", 2)
        yield d


@pytest.fixture(autouse=True)
def _district_keys(district_db: District, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every machine reads the master key from the district's key folder."""
    monkeypatch.setenv("PHOTOGUARD_KEY_DIR", str(district_db.key_dir))


def _psql(url: str):
    """A raw connection, as psql would have with the same login and password."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


# ---------------------------------------------------------------- staff


def test_a_teachers_machine_sees_only_its_schools_roster_and_references(
    district_db: District,
) -> None:
    url = district_db.logins["staff_north"]
    with open_workspace(district_db.home("staff_north"), db_url=url) as ws:
        assert ws.school == "north"  # the only school this login may see
        with ws.db.snapshot() as tx:
            assert {s.student_id for s in roster_store.current_students(tx, "north")} == {
                "000123",
                "000124",
            }
            assert roster_store.current_students(tx, "south") == []
            assert tx.rows("SELECT DISTINCT school FROM roster_students") == [{"school": "north"}]
            assert tx.rows("SELECT DISTINCT school FROM face_references") == [{"school": "north"}]
            assert tx.rows("SELECT DISTINCT school FROM audit_log") == [{"school": "north"}]
            assert [r["code"] for r in tx.rows("SELECT code FROM schools")] == ["north"]
        references = load_reference_set(ws)  # opened with the district's master key
        assert references.student_ids == ["000123"]
    with pytest.raises(UserError, match="school 'south' is not in this database, or login"):
        open_workspace(district_db.home("staff_north"), db_url=url, school="south")


def test_a_staff_login_cannot_read_another_school_or_change_the_log_even_with_psql(
    district_db: District,
) -> None:
    import psycopg

    with _psql(district_db.logins["staff_north"]) as conn:
        assert (
            conn.execute("SELECT count(*) FROM roster_students WHERE school = 'south'").fetchone()[
                0
            ]
            == 0
        )
        assert conn.execute("SELECT count(*) FROM roster_students").fetchone()[0] == 2
        for statement in (
            "UPDATE audit_log SET actor = 'mallory'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "UPDATE roster_students SET opted_out = 0",
            "DELETE FROM face_references",
            "INSERT INTO school_members VALUES (current_user, '*', 'office', 'now', 'me')",
            "SET ROLE photoguard_office",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(  # a record for the other school (its chain looks empty from here)
                "INSERT INTO audit_log VALUES "
                "('south', 1, 't', 'x', 'a', '{}', repeat('0', 64), 'h')"
            )
        with pytest.raises(psycopg.Error, match="does not follow"):
            conn.execute(  # a record that does not follow its chain
                "INSERT INTO audit_log VALUES ('north', 99, 't', 'x', 'a', '{}', 'p', 'h')"
            )
        # A membership table of its own, looked up first: the policies do not see it.
        conn.execute("CREATE TEMP TABLE school_members (login text, school text, role text)")
        conn.execute("INSERT INTO school_members VALUES (current_user, '*', 'staff')")
        conn.execute(
            "SET search_path = pg_temp, " + conn.execute("SELECT current_schema()").fetchone()[0]
        )
        assert conn.execute("SELECT count(*) FROM pg_temp.school_members").fetchone()[0] == 1
        assert (
            conn.execute("SELECT count(*) FROM roster_students WHERE school = 'south'").fetchone()[
                0
            ]
            == 0
        )
    with open_workspace(
        district_db.home("owner-check"), db_url=district_db.owner, school="north"
    ) as ws:
        assert audit.verify(ws.db, "north").ok
        assert audit.verify(ws.db, "south").ok


def test_staff_scan_and_decide_under_row_level_security(
    district_db: District, tmp_path: Path
) -> None:
    url = district_db.logins["staff_north"]
    home = district_db.home("staff_north")
    photo = tmp_path / "drop" / "IMG_0001.jpg"
    photo.parent.mkdir()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(photo)
    with open_workspace(home, db_url=url) as ws:
        events = list(scan(ws, [photo.parent], ScanOptions(actor="ms.rivera", use_cache=False)))
        (checked,) = [e for e in events if isinstance(e, FileChecked)]
        assert checked.result.verdict == "clear", checked.result.assessment.reason
        result = decide(ws, photo, "approve", by="Ms. Rivera")
        assert result.record_seq > 0
        verified = audit.verify(ws.db, ws.school, ws.home)
        assert verified.ok, verified.reason
        assert verified.witnessed >= 3  # scan.start, scan.file, scan.finish, the approval
    with (
        open_workspace(
            district_db.home("staff_south"), db_url=district_db.logins["staff_south"]
        ) as ws,
        ws.db.snapshot() as tx,
    ):  # the other school's staff sees none of it
        assert tx.scalar("SELECT count(*) FROM scans") == 0
        assert tx.scalar("SELECT count(*) FROM scan_files") == 0


def test_staff_cannot_import_a_roster_or_enroll(district_db: District, tmp_path: Path) -> None:
    url = district_db.logins["staff_north"]
    with open_workspace(district_db.home("staff_north"), db_url=url) as ws:
        preview = preview_import(ws, _roster(tmp_path / "r.csv", NORTH[:1]))
        with pytest.raises(PermissionDenied, match="staff_north"):
            apply_import(ws, preview, "a teacher")
    with pytest.raises(PermissionDenied):
        _enroll(url, district_db.home("staff_north"), "north", "000124", 3)
    with (
        open_workspace(
            district_db.home("owner-check"), db_url=district_db.owner, school="north"
        ) as ws,
        ws.db.snapshot() as tx,
    ):
        assert len(roster_store.history(tx, "north")) == 1
        assert ref_store.reference_counts(tx, "north") == {"000123": 1}


# ---------------------------------------------------------------- records and office


def test_the_records_officer_reads_verifies_and_exports_but_writes_nothing(
    district_db: District, tmp_path: Path
) -> None:
    url = district_db.logins["records_north"]
    with open_workspace(district_db.home("records_north"), db_url=url) as ws:
        assert ws.school == "north"
        records = read_records(ws)
        assert records and {r.school for r in records} == {"north"}
        assert export_csv(ws, tmp_path / "log.csv") == len(records)
        assert audit.verify(ws.db, "north", ws.home).ok
        with pytest.raises(PermissionDenied):
            audit.log_action(ws.db, ws.home, "north", "records", "test.note", {})
        with pytest.raises(PermissionDenied, match="roster_students"), ws.db.snapshot() as tx:
            tx.rows("SELECT * FROM roster_students")
    with pytest.raises(UserError, match="not a member"):
        open_workspace(district_db.home("records_north"), db_url=url, school="south")


def test_only_an_office_login_for_every_school_rotates_the_master_key(
    district_db: District,
) -> None:
    """A deletion rotates the master key, re-wrapping every school's data keys: an office
    login for one school cannot see the others', so the server refuses it (and nothing of
    the deletion is kept); the district office can, and every school still opens."""
    with open_workspace(
        district_db.home("office_north"), db_url=district_db.logins["office_north"], school="north"
    ) as ws:
        vault = Vault(ws.db, ws.home, "north")
        with pytest.raises(PermissionDenied, match="master key"), ws.db.transaction() as tx:
            vault.forget(tx, ["000123"])
        with ws.db.snapshot() as tx:
            assert ref_store.reference_counts(tx, "north") == {"000123": 1}

    office = district_db.logins["office_all"]
    with (
        open_workspace(district_db.home("office_all"), db_url=office, school="north") as ws,
        ws.db.transaction() as tx,
    ):
        roster_store.ensure_school(tx, "east")
    _enroll(office, district_db.home("office_all"), "east", "000900", 9)
    with open_workspace(district_db.home("office_all"), db_url=office, school="east") as ws:
        vault = Vault(ws.db, ws.home, "east")
        with ws.db.transaction() as tx:
            forgotten, retired = vault.forget(tx, ["000900"])
        assert forgotten == ["000900"] and retired
        vault.destroy_retired()
    assert not (district_db.key_dir / f"{retired}.key").exists()
    for name in ("staff_north", "staff_south"):
        with open_workspace(district_db.home(name), db_url=district_db.logins[name]) as ws:
            assert len(load_reference_set(ws)) == 1  # re-wrapped, still opens


def test_a_login_with_no_membership_is_told_who_can_add_it(district_db: District) -> None:
    with pytest.raises(UserError, match=r"is not a member of any school.*photoguard db grant"):
        open_workspace(district_db.home("nobody"), db_url=district_db.logins["nobody"])


# ---------------------------------------------------------------- managing members


def test_db_grant_members_and_revoke(
    district_db: District,
    pg_login: Callable[[str, str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = pg_login(district_db.owner, "sub")
    login = url.split("//", 1)[1].split(":", 1)[0]
    owner = ["--home", str(district_db.home("owner")), "--db", district_db.owner, "db"]

    assert main([*owner, "grant", login, "staff", "--school", "south"]) == 0
    assert f"{login} is staff for school south." in capsys.readouterr().out
    with open_workspace(district_db.home("sub"), db_url=url) as ws:
        assert ws.school == "south"
    assert main([*owner, "members", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"login": login, "school": "south", "role": "staff"}.items() <= next(
        m for m in listed if m["login"] == login
    ).items()

    assert main([*owner, "revoke", login, "staff", "--school", "south"]) == 0
    assert "no longer staff for school south" in capsys.readouterr().out
    with pytest.raises(UserError, match="not a member of any school"):
        open_workspace(district_db.home("sub"), db_url=url)

    assert main([*owner, "grant", "no_such_login", "staff", "--school", "south"]) == 2
    assert "there is no login 'no_such_login'" in capsys.readouterr().err
    assert main([*owner, "grant", login, "staff", "--school", "west"]) == 2
    assert "no school 'west'" in capsys.readouterr().err
    assert main([*owner, "grant", "photoguard_staff", "staff", "--all-schools"]) == 2
    assert "group roles" in capsys.readouterr().err


def test_a_member_cannot_grant_itself_more(
    district_db: District, capsys: pytest.CaptureFixture[str]
) -> None:
    url = district_db.logins["staff_north"]
    login = district_db.login("staff_north")
    args = ["--home", str(district_db.home("staff_north")), "--db", url, "db"]
    assert main([*args, "grant", login, "office", "--all-schools"]) == 2
    assert "does not let login" in capsys.readouterr().err
    assert main([*args, "members", "--json"]) == 0
    assert [(m["school"], m["role"]) for m in json.loads(capsys.readouterr().out)] == [
        ("north", "staff")
    ]  # its own memberships only
