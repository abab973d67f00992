"""The approval log an end-to-end run writes, with a fixed clock: to compare two versions.

Records are hash-chained, so a change to how any body is written breaks old logs. This
runs one flow on the fixture photos (roster import, enrolment, a scan that approves and
blocks, block/approve/override decisions, a block of changed and of deleted bytes, a
photo's and a video's safe copies, a second roster, purges) with every timestamp taken
from a fixed clock, and writes OUT (seq, at, actor, action, body, hash of every record),
OUT.views (log show, the summary, log verify, standing and latest decisions) and OUT.csv
(log export). Run it on two checkouts and compare the files::

    PYTHONPATH=/old/checkout python benchmarks/log_bytes.py /tmp/old.txt
    PYTHONPATH=. python benchmarks/log_bytes.py /tmp/new.txt
    cmp /tmp/old.txt /tmp/new.txt && cmp /tmp/old.views /tmp/new.views

The data folder is always made in the same place (``--base``), so paths are the same.
"""

from __future__ import annotations

import argparse
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ["PHOTOGUARD_KEY_STORE"] = "file"

import photoguard.files.clock as clock

_T0 = datetime(2026, 5, 1, 9, 0, 0, tzinfo=UTC)
_tick = [0]


class FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        _tick[0] += 1
        return _T0 + timedelta(seconds=_tick[0])


clock.datetime = FixedClock  # every stored timestamp goes through clock.py

from benchmarks.school import ROSTER_CSV, write_picture_day  # noqa: E402
from photoguard.audit.summary import summarise  # noqa: E402
from photoguard.audit.verification import verify  # noqa: E402
from photoguard.audit.view import export_csv, iter_rows  # noqa: E402
from photoguard.references.enroll import enroll, plan_folder  # noqa: E402
from photoguard.references.privacy import purge_student  # noqa: E402
from photoguard.roster.importing import apply_import, preview_import  # noqa: E402
from photoguard.safecopy.make import make_safe_copy  # noqa: E402
from photoguard.safecopy.save import save_safe_copy  # noqa: E402
from photoguard.scan.decisions import decide, latest_decision, standing_decisions  # noqa: E402
from photoguard.scan.run import ScanOptions, scan  # noqa: E402
from photoguard.workspace.folder import open_workspace  # noqa: E402

_FIXTURES = Path(
    os.environ.get("PHOTOGUARD_FIXTURES", Path(__file__).resolve().parents[2] / "shared/fixtures")
)
FACES = _FIXTURES / "faces"
VIDEO = _FIXTURES / "video" / "short_hamilton_clip.mp4"


def main(out: Path, base: Path) -> None:
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    photos = base / "photos"
    photos.mkdir()
    for rel in (
        "groups/obama_biden_1.jpg",
        "biden/biden.jpg",
        "biden/biden2.jpg",
        "rose_leslie/rose1.jpg",
        "kit_harington/kit2.jpg",
    ):
        shutil.copyfile(FACES / rel, photos / rel.replace("/", "_"))
    shutil.copyfile(VIDEO, photos / "clip.mp4")
    roster = base / "roster.csv"
    roster.write_text(ROSTER_CSV, "utf-8", newline="")
    picday = write_picture_day(base / "picture-day", FACES)
    with open_workspace(base / "home") as ws:
        apply_import(ws, preview_import(ws, roster), "office")
        enroll(ws, plan_folder(ws, picday), "office")
        events = list(scan(ws, [photos], ScanOptions(approve_by="scanner", processes=1)))
        print("scan events", len(events))
        biden = photos / "biden_biden.jpg"
        decide(ws, biden, "block", by="Ms. Rivera", reason="  not this one  ")
        decide(ws, photos / "rose_leslie_rose1.jpg", "approve", by="Ms. Rivera")
        decide(
            ws,
            photos / "groups_obama_biden_1.jpg",
            "override",
            by="Ms. Rivera",
            reason="parent consented in writing",
        )
        changed = photos / "biden_biden2.jpg"
        changed.write_bytes(changed.read_bytes() + b"x")  # block of changed bytes: current_sha256
        decide(ws, changed, "block", by="Ms. Rivera")
        gone = photos / "kit_harington_kit2.jpg"
        gone.unlink()
        decide(ws, gone, "block", by="Ms. Rivera")  # current_sha256 null
        out_dir = base / "copies"
        for source in (photos / "groups_obama_biden_1.jpg", photos / "clip.mp4"):
            preview = make_safe_copy(ws, source, "blur", out_dir=out_dir, processes=1)
            save_safe_copy(ws, preview, out_dir, "Ms. Rivera")
        # a second roster: 1003 opts back in (enroll.remove from the import), 1008 leaves
        second = base / "roster2.csv"
        second.write_text(
            ROSTER_CSV.replace(
                "1003,Harington,Christopher,Kit,4,102,Yes",
                "1003,Harington,Christopher,Kit,4,102,No",
            ).replace("1008,Smith,John,,5,101,N\r\n", ""),
            "utf-8",
            newline="",
        )
        apply_import(ws, preview_import(ws, second), "office")
        purge_student(ws, "1001", "office", "parent asked")
        purge_student(ws, "1002", "office", None)
        export_csv(ws, base / "log.csv")
        from photoguard.audit.chain import records

        with ws.db.snapshot() as tx:
            recs = list(records(tx, ws.school))
        rows = list(iter_rows(recs))
        day = datetime(2026, 5, 1).date()
        summary = summarise(ws, day, day, now=_T0)
        result = verify(ws.db, ws.school, ws.home)
        dec = {
            k: v
            for k, v in standing_decisions(
                ws, [(biden, "x", "clear"), (photos / "rose_leslie_rose1.jpg", "y", "clear")]
            ).items()
        }
        latest = latest_decision(ws, photos / "groups_obama_biden_1.jpg")
        with ws.db.snapshot() as tx:
            dumped = tx.rows(
                "SELECT seq, at, actor, action, body, prev_hash, hash FROM audit_log ORDER BY seq"
            )
    with out.open("w", encoding="utf-8") as f:
        for r in dumped:
            f.write(
                f"{r['seq']}\t{r['at']}\t{r['actor']}\t{r['action']}\t{r['body']}\t{r['hash']}\n"
            )
    with out.with_suffix(".views").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join(row) + "\n")
        f.write(repr(summary).replace(str(base), "base") + "\n")
        f.write(repr(result) + "\n")
        f.write(repr(dec) + "\n" + repr(latest) + "\n")
    shutil.copyfile(base / "log.csv", out.with_suffix(".csv"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--base", type=Path, default=Path("/tmp/photoguard-log-bytes"))
    args = parser.parse_args()
    main(args.out, args.base)
