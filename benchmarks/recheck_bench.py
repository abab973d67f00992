"""``make bench``'s living-consent part: how long re-checking 1,000 approvals takes.

A data folder with the fixture school's roster checks 1,000 small photos (no faces; ten of
them carry a new student's full name in their file name) and approves them all
(``scan --approve``). A roster that adds that student is imported, and the re-check of
every approval (scan/recheck.py) is timed in-process, all of it from the scan cache:
what issue 19 asks to stay under 2 seconds. Nothing is asserted: the numbers are for
people.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from benchmarks import school

APPROVED = 1000
NAMED = 10
NEW_STUDENT = "1009,Chen,Wei,,2,104,N\r\n"


def measure(approved: int = APPROVED) -> dict[str, float]:
    from PIL import Image

    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.scan.recheck import recheck
    from photoguard.scan.run import ScanOptions, scan
    from photoguard.workspace.folder import open_workspace

    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        photos = base / "photos"
        photos.mkdir()
        for i in range(approved):
            name = f"Wei Chen {i:04d}.png" if i < NAMED else f"IMG_{i:04d}.png"
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            Image.new("RGB", (64, 48), colour).save(photos / name)
        first = school.write_roster(base / "roster.csv")
        second = school.write_roster(base / "roster2.csv", school.ROSTER_CSV + NEW_STUDENT)
        with open_workspace(base / "home") as ws:
            apply_import(ws, preview_import(ws, first), "office")
            t0 = time.perf_counter()
            list(scan(ws, [photos], ScanOptions(approve_by="bench")))
            checked = time.perf_counter() - t0
            apply_import(ws, preview_import(ws, second), "office")
            t0 = time.perf_counter()
            report = recheck(ws, by="office")
            seconds = time.perf_counter() - t0
    return {
        "approved": float(len(report.files)),
        "withdrawn": float(len(report.affected)),
        "from_cache": float(sum(r.source == "the scan cache" for r in report.files)),
        "seconds": seconds,
        "check_and_approve_seconds": checked,
    }


if __name__ == "__main__":
    print(measure())
