"""``photoguard safe-copy PATH... --out DIR``: what a person types and reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from photoguard import audit
from photoguard.cli.main import main
from photoguard.workspace.folder import open_workspace

ROSTER = (
    "Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n"
    "2001,O'Brien,Liam,,3,103,Y\r\n"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def safecopy_records(home: Path) -> list[audit.Record]:
    with open_workspace(home) as ws, ws.db.snapshot() as tx:
        return list(audit.records(tx, ws.school, action_prefix="safecopy"))


@pytest.fixture
def school_home(home: Path, tmp_path: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert main(["--home", str(home), "roster", "import", str(roster), "--by", "office"]) == 0
    return home


def tiny_video(path: Path, frames: int = 12) -> Path:
    """A short clip with no faces: enough to show what happens to a video."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (96, 64))
    for i in range(frames):
        frame = np.full((64, 96, 3), (40 + 10 * i, 90, 160), dtype=np.uint8)
        writer.write(frame)
    writer.release()
    return path


@pytest.mark.faces
def test_copies_a_folder_of_fixture_photos(
    copy_home: Path, fixtures_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = fixtures_dir / "faces" / "groups"
    before = {p.name: sha(p) for p in groups.iterdir()}
    out = tmp_path / "to-post"
    status = main(
        ["--home", str(copy_home), "safe-copy", str(groups), "--out", str(out), "--by", "Ms. Tan"]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert sorted(p.name for p in out.iterdir()) == [
        "kit_rose-safe.jpg",
        "obama_biden_1-safe.jpg",
        "obama_biden_2-safe.jpg",
    ]
    assert "covered 1 face (blur): Kit Harington (1003)" in printed
    assert "covered 1 face (blur): Barry Obama (1001)" in printed
    assert printed.count("rescan of the copy: clear") == 3
    assert "Made 3 safe copies" in printed and "made by Ms. Tan" in printed
    assert "Nemo Nobody (1007)" in printed  # no reference face: said once, plainly
    assert {p.name: sha(p) for p in groups.iterdir()} == before
    records = safecopy_records(copy_home)
    assert [r.actor for r in records] == ["Ms. Tan"] * 3
    assert {Path(r.body["copy_path"]).name for r in records} == {p.name for p in out.iterdir()}


def test_refuses_to_write_into_the_originals_folder(
    school_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tiny_video(tmp_path / "event" / "clip.mp4")
    status = main(["--home", str(school_home), "safe-copy", str(clip), "--out", str(clip.parent)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "never written into the folder it is copied from" in err
    assert sorted(p.name for p in clip.parent.iterdir()) == ["clip.mp4"]
    assert safecopy_records(school_home) == []


def test_never_replaces_an_existing_file(
    school_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tiny_video(tmp_path / "event" / "clip.mp4")
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip-safe.mp4").write_bytes(b"not mine")
    status = main(["--home", str(school_home), "safe-copy", str(clip), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 1
    assert "NOT COPIED clip.mp4:" in printed and "already exists" in printed
    assert (out / "clip-safe.mp4").read_bytes() == b"not mine"


def test_a_video_copy_says_audio_is_not_kept(
    school_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tiny_video(tmp_path / "event" / "LiamOBrien_recital.mp4")
    out = tmp_path / "out"
    status = main(
        ["--home", str(school_home), "safe-copy", str(clip), "--out", str(out), "--by", "Ms. Tan"]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "Audio is not kept" in printed
    copy = out / "Liam_O_recital-safe.mp4"
    assert copy.is_file()
    cap = cv2.VideoCapture(str(copy))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    cap.release()
    (record,) = safecopy_records(school_home)
    assert record.body["audio_kept"] is False
    assert [f["field"] for f in record.body["names_rewritten"]] == ["filename"]


def test_needs_a_roster(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = tiny_video(tmp_path / "event" / "clip.mp4")
    status = main(["--home", str(home), "safe-copy", str(clip), "--out", str(tmp_path / "o")])
    assert status == 2
    assert "no roster" in capsys.readouterr().err


def test_unknown_style_is_a_usage_error(
    school_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tiny_video(tmp_path / "event" / "clip.mp4")
    with pytest.raises(SystemExit) as exit_info:
        main(["--home", str(school_home), "safe-copy", str(clip), "--out", "o", "--style", "x"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
