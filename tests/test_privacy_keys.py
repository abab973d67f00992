"""Where the keys live: the OS keyring when there is one, 0600 files when there is none,
and a missing or unreadable key is one plain line, never a traceback."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FACES
from faceworld import write_roster

from photoguard.cli.main import main
from photoguard.errors import UserError
from photoguard.references.enroll import enroll, load_reference_set, plan_student
from photoguard.references.privacy import inventory, purge_student
from photoguard.references.vault import KEYRING_SERVICE, Vault
from photoguard.roster.importing import apply_import, preview_import
from photoguard.scan.cache import CACHE_FILE, CACHE_KEY_ID
from photoguard.scan.run import ScanFinished, scan
from photoguard.workspace.folder import open_workspace

pytestmark = pytest.mark.faces


@pytest.fixture
def os_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real keyring backend that keeps its entries in a dict, installed as the OS keyring.

    (This machine has no keyring: keyring.backends.fail. The class is defined after
    the keyring module chose its backend, so nothing else ever picks it up.)
    """
    import keyring
    import keyring.backend
    from keyring.errors import PasswordDeleteError

    original = keyring.get_keyring()

    class DictKeyring(keyring.backend.KeyringBackend):
        priority = 5

        def __init__(self) -> None:
            super().__init__()
            self.entries: dict[tuple[str, str], str] = {}
            self.locked = False

        def get_password(self, service: str, username: str) -> str | None:
            if self.locked:
                from keyring.errors import KeyringLocked

                raise KeyringLocked("the login keyring is locked")
            return self.entries.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.entries[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.entries.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    backend = DictKeyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv("PHOTOGUARD_KEY_STORE", raising=False)  # choose as on a desktop
    try:
        yield backend
    finally:
        keyring.set_keyring(original)


def _school(home: Path, tmp_path: Path) -> None:
    from faceworld import ROSTER_CSV

    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, write_roster(tmp_path / "r.csv", ROSTER_CSV)), "o")
        for sid, photo in (("1001", "obama/obama.jpg"), ("1003", "kit_harington/kit1.jpg")):
            enroll(ws, plan_student(ws, sid, [FACES / photo]), "office")


def _masters(backend: Any) -> set[str]:
    return {user for (service, user) in backend.entries if service == KEYRING_SERVICE} - {
        CACHE_KEY_ID
    }


def test_with_a_keyring_the_master_key_goes_there_and_not_to_a_file(
    os_keyring: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    _school(home, tmp_path)
    with open_workspace(home) as ws:
        with ws.db.snapshot() as tx:
            row = tx.row("SELECT master_key_id, key_store FROM vault")
        assert row is not None and row["key_store"] == "keyring"
        assert _masters(os_keyring) == {row["master_key_id"]}
        secret = os_keyring.entries[(KEYRING_SERVICE, row["master_key_id"])]
        assert set(load_reference_set(ws).student_ids) == {"1001", "1003"}
        events = list(scan(ws, [FACES / "obama" / "obama.jpg"]))
        (checked,) = next(e for e in events if isinstance(e, ScanFinished)).report.files
        assert checked.verdict == "flagged"
        assert (KEYRING_SERVICE, CACHE_KEY_ID) in os_keyring.entries  # the cache key too

        # No key file, and the key is nowhere in the data folder.
        assert not (home / "keys").exists()
        everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
        key = bytes.fromhex(secret)
        assert secret.encode() not in everything and key not in everything
        assert "in the OS keyring" in inventory(ws).keys.reason

        result = purge_student(ws, "1001", "office")
        assert result.retired_key_destroyed
        assert row["master_key_id"] not in _masters(os_keyring)
        assert len(_masters(os_keyring)) == 1  # the new one
        assert (KEYRING_SERVICE, CACHE_KEY_ID) not in os_keyring.entries
        assert set(load_reference_set(ws).student_ids) == {"1003"}


def test_a_locked_keyring_is_one_line(
    os_keyring: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    _school(home, tmp_path)
    os_keyring.locked = True
    rc = main(["--home", str(home), "scan", str(FACES / "biden" / "biden.jpg")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == "photoguard: the OS keyring could not be read (the login keyring is locked)\n"


@pytest.mark.sqlite_only
def test_without_a_keyring_keys_are_private_files(copy_home: Path) -> None:
    keys = copy_home / "keys"
    assert stat.S_IMODE(copy_home.stat().st_mode) == 0o700
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    files = sorted(keys.iterdir())
    assert [p.name.startswith("master-") for p in files] == [True]
    for path in [*files, copy_home / "photoguard.sqlite"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with open_workspace(copy_home) as ws:
        list(scan(ws, [FACES / "biden" / "biden.jpg"]))
    assert stat.S_IMODE((copy_home / CACHE_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((keys / f"{CACHE_KEY_ID}.key").stat().st_mode) == 0o600


def test_the_key_folder_can_live_elsewhere(
    copy_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PHOTOGUARD_KEY_DIR: e.g. a folder the backup does not copy."""
    elsewhere = tmp_path / "elsewhere"
    (copy_home / "keys").rename(elsewhere)
    monkeypatch.setenv("PHOTOGUARD_KEY_DIR", str(elsewhere))
    with open_workspace(copy_home) as ws:
        assert set(load_reference_set(ws).student_ids) == {"1001", "1003", "1006"}
        purge_student(ws, "1006", "office")
    assert not (copy_home / "keys").exists()
    assert len(list(elsewhere.glob("master-*.key"))) == 1


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_a_missing_master_key_is_one_plain_line(
    copy_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (master,) = (copy_home / "keys").glob("master-*.key")
    master.unlink()
    home = ["--home", str(copy_home)]
    photo = str(FACES / "obama" / "obama.jpg")
    expected = (
        f"photoguard: the key that unlocks the reference faces ({master.stem}) is missing from "
        "the file key store; restore it, or delete every reference face with "
        "'photoguard purge --all' and enroll again\n"
    )
    for argv in (
        [*home, "scan", photo],
        [*home, "enroll", "--student", "1007", photo],  # a new student needs it too
    ):
        rc, _, err = _run(capsys, *argv)
        assert (rc, err) == (2, expected), argv
    rc, out, _ = _run(capsys, *home, "keys", "status")
    assert rc == 1 and "is MISSING from key files" in out and "purge --all" in out
    with open_workspace(copy_home) as ws, pytest.raises(UserError) as caught:
        Vault(ws.db, ws.home, ws.school).check_key()  # before slow work that needs it
    assert f"photoguard: {caught.value}\n" == expected
    # Faces-off mode needs no key: captions and file names are still checked.
    rc, out, err = _run(capsys, *home, "--no-faces", "scan", photo)
    assert rc == 1 and err == "" and "1 to review" in out


def test_a_damaged_key_file_is_one_plain_line(
    copy_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (master,) = (copy_home / "keys").glob("master-*.key")
    master.write_text("not a key")
    os.chmod(master, 0o600)
    rc, _, err = _run(capsys, "--home", str(copy_home), "scan", str(FACES / "obama"))
    assert rc == 2 and err == f"photoguard: the key file {master} is damaged (not a key)\n"


def test_the_cache_key_is_looked_for_where_it_already_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm rescan does not probe the OS keyring when the cache key is a file here; an
    explicit choice of store still wins."""
    from photoguard.references import vault

    probes: list[bool] = []

    def probe() -> bool:
        probes.append(True)
        return False

    monkeypatch.setattr(vault, "keyring_usable", probe)
    monkeypatch.delenv(vault.KEY_STORE_ENV, raising=False)
    home = tmp_path / "home"
    # No key yet: the usual choice, after a probe.
    first = vault.key_store_for(home, local=True, holding=CACHE_KEY_ID)
    assert isinstance(first, vault.FileKeyStore) and probes == [True]
    first.put(CACHE_KEY_ID, os.urandom(32))
    # The key is a file here now: that store, no probe.
    again = vault.key_store_for(home, local=True, holding=CACHE_KEY_ID)
    assert isinstance(again, vault.FileKeyStore) and probes == [True]
    assert again.get(CACHE_KEY_ID) == first.get(CACHE_KEY_ID)
    # PHOTOGUARD_KEY_STORE=keyring is obeyed even with the file there.
    monkeypatch.setenv(vault.KEY_STORE_ENV, "keyring")
    assert isinstance(
        vault.key_store_for(home, local=True, holding=CACHE_KEY_ID), vault.KeyringKeyStore
    )


def test_clearing_the_cache_destroys_its_key_wherever_it_is(
    os_keyring: Any, tmp_path: Path
) -> None:
    """A cache key left in a file (keyring unusable once) and one in the keyring: both go."""
    from photoguard.references.vault import FileKeyStore
    from photoguard.scan.cache import clear_cache

    home = tmp_path / "home"
    FileKeyStore(home / "keys").put(CACHE_KEY_ID, os.urandom(32))
    os_keyring.set_password(KEYRING_SERVICE, CACHE_KEY_ID, os.urandom(32).hex())
    clear_cache(home)
    assert not FileKeyStore(home / "keys").holds(CACHE_KEY_ID)
    assert (KEYRING_SERVICE, CACHE_KEY_ID) not in os_keyring.entries
