"""Screenshots of every page with the fixtures loaded: ``python -m ui.screenshots OUT_DIR``.

Builds a small school in a temporary data folder from the real fixture photos
(../shared/fixtures, or $PHOTOGUARD_FIXTURES): a roster, picture-day reference
faces, a checked "field day" folder with a video, decisions in the approval
log. Then it drives the real window through each user's job and saves a PNG of
each page (``widget.grab()``, so it works offscreen). Run by
``make gui-screenshots``; the README shows the results.

Nothing here runs on import: the scan starts worker processes that import the
main module again.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.school import ROSTER_CSV, write_picture_day

WIDTH, HEIGHT = 1280, 800

#: The fixture school's roster, with students whose names the screenshots' captions use.
ROSTER_V1 = ROSTER_CSV + (
    "1009,Garcia,Sofia,,4,102,N\r\n"
    "1010,Nguyen,Minh,,2,104,N\r\n"
    "1011,O'Brien,Liam,,2,104,N\r\n"
    "1012,Martínez,Zoë,,2,104,\r\n"
    "1013,Okafor,Chidi,,1,105,N\r\n"
    "1014,Kowalski,Anna,,1,105,N\r\n"
)
#: The next month's export: Nemo left, Sofia opted out, Kit opted back in, and a new
#: student arrived, opted out.
ROSTER_V2 = (
    ROSTER_V1.replace("1007,Nobody,Nemo,,3,103,Y\r\n", "")
    .replace("1009,Garcia,Sofia,,4,102,N", "1009,Garcia,Sofia,,4,102,Y")
    .replace("Kit,4,102,Yes", "Kit,4,102,No")
    + "1015,Adeyemi,Tobi,,1,105,Y\r\n"
)


CAPTION = "Congratulations to Liam O'Brien and Zoë Martínez, our science fair winners!"


def fixtures_dir() -> Path:
    env = os.environ.get("PHOTOGUARD_FIXTURES")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "fixtures"
    if not (root / "faces" / "obama" / "obama.jpg").is_file():
        raise SystemExit(f"screenshots need the face fixtures; not found at {root}")
    return root


def write_field_day(folder: Path, fixtures: Path) -> Path:
    """The folder a teacher drops: opted-out faces, a blurry face, a full name, a video."""
    from PIL import Image, ImageFilter

    faces = fixtures / "faces"
    folder.mkdir(parents=True)
    copies = {
        "relay_finish.jpg": faces / "groups" / "kit_rose.jpg",
        "awards_assembly.jpg": faces / "groups" / "obama_biden_1.jpg",
        "science_fair.jpg": faces / "biden" / "biden.jpg",
        "art_show.jpg": faces / "rose_leslie" / "rose1.jpg",
        "music_room.jpg": faces / "alex_lacamoire" / "alex1.jpg",
        "Joseph Biden robotics club.jpg": faces / "alex_lacamoire" / "alex3.jpg",
        "spring_concert.mp4": fixtures / "video" / "short_hamilton_clip.mp4",
    }
    for name, src in copies.items():
        shutil.copyfile(src, folder / name)
    # A shaky phone photo: too blurred to be sure, so a person must look.
    with Image.open(faces / "kit_harington" / "kit2.jpg") as im:
        im.convert("RGB").filter(ImageFilter.GaussianBlur(8)).save(folder / "hallway.jpg")
    (folder / "bus_trip.jpg").write_bytes((faces / "biden" / "biden2.jpg").read_bytes()[:6000])
    return folder


class Shooter:
    """Drives a window and saves what it shows."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved: list[Path] = []

    def wait(self, ready: Callable[[], bool], timeout_s: float = 120.0) -> None:
        from PySide6.QtTest import QTest

        end = time.monotonic() + timeout_s
        while not ready():
            if time.monotonic() > end:
                raise SystemExit("screenshots: the app did not get ready in time")
            QTest.qWait(30)
        QTest.qWait(150)

    def settle(self, window) -> None:  # type: ignore[no-untyped-def]
        check = window.check
        self.wait(
            lambda: (
                window.session.tasks.active == 0
                and check.thumbnails.loading == 0
                and check.job is None
                and (check.detail.result is None or check.detail.image.has_image())
            )
        )

    def save(self, name: str, window, dialog=None) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtGui import QColor, QPainter

        image = window.grab().toImage()
        if dialog is not None:
            painter = QPainter(image)
            painter.fillRect(image.rect(), QColor(0, 0, 0, 110))
            shot = dialog.grab().toImage()
            x = (image.width() - shot.width()) // 2
            y = (image.height() - shot.height()) // 2
            painter.drawImage(x, y, shot)
            painter.end()
        path = self.out / name
        image.save(str(path))
        self.saved.append(path)
        print(f"saved {path}")


def shoot(out: Path, fixtures: Path, work: Path) -> list[Path]:
    from PySide6.QtCore import QSettings

    from photoguard.references.enroll import enroll, plan_folder
    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.workspace.folder import open_workspace
    from ui.app import build_window, create_app
    from ui.theme import apply_theme

    app = create_app()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))
    apply_theme(app, dark=False)
    shooter = Shooter(out)
    home = work / "data"
    roster_v1 = work / "aspen_optout_2026-09.csv"
    roster_v1.write_bytes(ROSTER_V1.encode("utf-8"))
    roster_v2 = work / "aspen_optout_2026-10.csv"
    roster_v2.write_bytes(ROSTER_V2.encode("utf-8"))
    field_day = write_field_day(work / "Field day 2026", fixtures)

    def window_on(path: Path):  # type: ignore[no-untyped-def]
        ws = open_workspace(path)
        window = build_window(ws)
        window.session.set_user_name("Ms. Tan (yearbook)")
        window.check.detail.set_user("Ms. Tan (yearbook)")
        window.resize(WIDTH, HEIGHT)
        window.show()
        return window, ws

    # 1. First run: the guide.
    window, ws = window_on(home)
    shooter.settle(window)
    shooter.save("01-first-run.png", window)
    window.close()
    ws.close()

    # The main office imports the roster; picture day is enrolled.
    with open_workspace(home) as ws:
        apply_import(ws, preview_import(ws, roster_v1), "Mrs. Alvarez (main office)")
        enroll(
            ws,
            plan_folder(ws, write_picture_day(work / "Picture day 2026", fixtures / "faces")),
            "Mrs. Alvarez (main office)",
        )

    window, ws = window_on(home)
    shooter.settle(window)
    # 2. The next month's export, previewed before it takes effect.
    window.show_page("roster")
    shooter.settle(window)
    dialogs: list[object] = []
    window.roster.preview_opened.connect(dialogs.append)
    window.roster.import_file(roster_v2)
    shooter.wait(lambda: bool(dialogs))
    dialog = dialogs[0]
    dialog.tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
    shooter.wait(lambda: True)
    shooter.save("02-roster-import-preview.png", window, dialog)
    dialog.reject()  # type: ignore[attr-defined]
    # 3. The roster in force, with its coverage gap.
    shooter.settle(window)
    window.roster.message.hide()
    shooter.wait(lambda: True)  # let the layout close the gap
    shooter.save("03-roster.png", window)
    # 4. Reference faces.
    window.show_page("faces")
    shooter.settle(window)
    window.faces.table.selectRow(1)
    shooter.wait(lambda: window.faces.thumbs.count() > 0)
    shooter.save("04-reference-faces.png", window)

    # 5-7. A teacher drops the field-day folder.
    window.show_page("check")
    progress: list[int] = []
    window.start_check([field_day])
    job = window.check.job
    assert job is not None

    def on_checked(ev) -> None:  # type: ignore[no-untyped-def]
        progress.append(ev.done)
        if ev.done == 4:
            shooter.save("05-check-running.png", window)

    job.checked.connect(on_checked)
    shooter.settle(window)
    select(window, "relay_finish.jpg")
    shooter.settle(window)
    shooter.save("06-check-results.png", window)
    select(window, "spring_concert.mp4")
    shooter.settle(window)
    window.check.detail.times.setCurrentRow(3)
    shooter.settle(window)
    shooter.save("07-check-video.png", window)

    # Decisions (the log shows them).
    decide(window, shooter, "science_fair.jpg", "approve")
    decide(window, shooter, "art_show.jpg", "approve")
    decide(
        window,
        shooter,
        "hallway.jpg",
        "override",
        "Looked closely: a visiting parent, not a student (checked with the main office)",
    )
    decide(window, shooter, "relay_finish.jpg", "block")
    select(window, "hallway.jpg")
    shooter.settle(window)
    shooter.save("08-check-decided.png", window)

    # 13. A safe copy of the blocked photo, beside the original.
    select(window, "relay_finish.jpg")
    shooter.settle(window)
    window.check.make_safe_copy()
    shooter.wait(lambda: window.check.copy_dialog is not None)
    shooter.settle(window)
    dialog = window.check.copy_dialog
    shooter.save("13-safe-copy.png", window, dialog=dialog)
    dialog.reject()
    shooter.wait(lambda: window.check.copy_dialog is None)

    # 9. The caption box, on the home page with the recent check.
    window.check.new_check()
    shooter.settle(window)
    window.check.caption.set_text(CAPTION)
    shooter.settle(window)
    shooter.save("09-caption-check.png", window)

    # 10. The approval log.
    window.show_page("log")
    shooter.settle(window)
    proxy = window.log.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 3).data() == "decision.override":
            window.log.table.selectRow(row)
    shooter.settle(window)
    shooter.save("10-approval-log.png", window)
    # 11. Settings.
    window.show_page("settings")
    shooter.settle(window)
    shooter.save("11-settings.png", window)
    window.close()
    ws.close()

    # 12. The same check in a dark palette.
    apply_theme(app, dark=True)
    window, ws = window_on(home)
    shooter.settle(window)
    window.start_check([field_day])
    shooter.settle(window)
    select(window, "awards_assembly.jpg")
    shooter.settle(window)
    shooter.save("12-check-dark.png", window)
    window.close()
    ws.close()
    apply_theme(app, dark=False)
    return shooter.saved


def select(window, name: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    proxy = window.check.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole) == name:
            window.check.select_row(row)
            return
    raise SystemExit(f"screenshots: {name} is not among the checked files")


def decide(window, shooter: Shooter, name: str, decision: str, reason: str = "") -> None:  # type: ignore[no-untyped-def]
    select(window, name)
    shooter.settle(window)
    before = window.check.message.text()
    window.check.decide_current(decision, reason)
    shooter.wait(lambda: window.session.tasks.active == 0 and window.check.message.text() != before)
    if window.check.message.kind != "success":
        raise SystemExit(f"screenshots: {decision} {name}: {window.check.message.text()}")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "docs/screenshots")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The demo data folder is temporary: its keys stay in it, never in the OS keyring.
    os.environ["PHOTOGUARD_KEY_STORE"] = "file"
    fixtures = fixtures_dir()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="photoguard-screenshots-") as tmp:
        saved = shoot(out, fixtures, Path(tmp))
    print(f"{len(saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
