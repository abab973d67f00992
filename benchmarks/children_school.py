"""A school of children, checked as photoguard checks one: ``make bench-accuracy``'s second part.

Built from the FG-NET photos in ``../shared/fixtures/children`` (41 people photographed
over the years), the way issue 18 describes the school it was tried on:

* every person with a photo at ages 5-15 and at least one more photo within the three
  years after it is a student; that first photo is their **picture-day photo**, and the
  roster's grade is the one of that age (5 = K, 6 = grade 1, ...);
* :data:`OPTED_OUT` of them (chosen with a fixed seed) are opted out, and their
  picture-day photos are enrolled as their references;
* the **event photos** are every student's other photos taken 0-3 years after picture
  day, one child each, plus :data:`GROUPS` photos of four different children side by side
  (2 x 2, each picture 400 x 500 px).

The real command line imports the roster, enrolls, and checks the event folder; the
report is compared with who is really in each photo. Printed: opted-out appearances
caught (flagged or review) and missed; files with no opted-out child that come out
clear, review or flagged; files flagged for a child who is not in them; and the review's
size in decisions (one per face group among the review findings, as the "Faces to look
at" view shows them: one row per person, whichever students their faces may be) per file
checked.

These are old scanned prints of 41 people, not a district's students: the numbers say how
the design behaves on children, not what a school will see.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("PHOTOGUARD_FIXTURES", ROOT.parent / "shared" / "fixtures"))
CHILDREN = FIXTURES / "children" / "images"
BIN = Path(sys.executable).parent

FGNET_NAME = re.compile(r"^(\d{3})A(\d{2})[ab]?\.JPG$", re.IGNORECASE)
#: Students opted out, of those with a picture-day photo (issue 18's school: 14 of 41).
OPTED_OUT = 14
#: Photos of four children side by side.
GROUPS = 20
#: Event photos are taken up to this many years after picture day.
YEARS_AFTER = 3
SEED = 18
TILE = (400, 500)


@dataclass(frozen=True)
class Student:
    sid: str
    person: str
    picture_day: Path
    age: int
    opted_out: bool


@dataclass(frozen=True)
class School:
    students: tuple[Student, ...]
    #: event file name -> the students (ids) in it
    events: dict[str, frozenset[str]]
    #: group photo name -> its students (ids) in tile order: tile k's top-left corner is
    #: ((k % 2) * TILE[0], (k // 2) * TILE[1]), so a face's box tells whose it is.
    tiles: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _photos() -> dict[str, list[tuple[int, Path]]]:
    by_person: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(CHILDREN.iterdir()):
        m = FGNET_NAME.match(path.name)
        if m:
            by_person.setdefault(m.group(1), []).append((int(m.group(2)), path))
    return by_person


def build(folder: Path) -> School:
    """The school's roster facts and its event folder (``folder``/event), written."""
    from PIL import Image

    rng = random.Random(SEED)
    students: list[Student] = []
    singles: dict[str, list[Path]] = {}
    for person, photos in sorted(_photos().items()):
        for age, path in photos:
            if not 5 <= age <= 15:
                continue
            later = [p for a, p in photos if p != path and age <= a <= age + YEARS_AFTER]
            if later:
                sid = f"2{person}"
                students.append(Student(sid, person, path, age, False))
                singles[sid] = later
                break
    opted = set(rng.sample([s.sid for s in students], OPTED_OUT))
    students = [Student(s.sid, s.person, s.picture_day, s.age, s.sid in opted) for s in students]
    event = folder / "event"
    event.mkdir(parents=True)
    events: dict[str, frozenset[str]] = {}
    tiles: dict[str, tuple[str, ...]] = {}
    n = 0
    for sid, paths in singles.items():
        for path in paths:
            n += 1
            name = f"event_{n:03d}.jpg"
            with Image.open(path) as im:
                im.convert("RGB").save(event / name, quality=92)
            events[name] = frozenset({sid})
    pool = [(sid, p) for sid, paths in singles.items() for p in paths]
    for g in range(GROUPS):
        chosen: list[tuple[str, Path]] = []
        for sid, path in rng.sample(pool, len(pool)):
            if sid not in {c[0] for c in chosen}:
                chosen.append((sid, path))
            if len(chosen) == 4:
                break
        canvas = Image.new("RGB", (2 * TILE[0], 2 * TILE[1]), (90, 90, 90))
        for k, (_sid, path) in enumerate(chosen):
            with Image.open(path) as im:
                tile = im.convert("RGB")
                tile.thumbnail(TILE)
                canvas.paste(tile, ((k % 2) * TILE[0], (k // 2) * TILE[1]))
        name = f"group_{g + 1:02d}.jpg"
        canvas.save(event / name, quality=92)
        events[name] = frozenset(c[0] for c in chosen)
        tiles[name] = tuple(c[0] for c in chosen)
    return School(tuple(students), events, tiles)


def _grade(age: int) -> str:
    return "K" if age <= 5 else str(min(12, age - 5))


def roster_csv(school: School) -> str:
    lines = ["Student ID,Last Name,First Name,Grade,Privacy Law Opt-Out"]
    for s in school.students:
        # Invented names: the bench measures faces, not names.
        lines.append(
            f"{s.sid},Pupil{s.person},Kid{s.person},{_grade(s.age)},{'Y' if s.opted_out else 'N'}"
        )
    return "\r\n".join(lines) + "\r\n"


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "photoguard"), *args], env=env, capture_output=True, text=True, check=False
    )


@dataclass(frozen=True)
class Outcome:
    files: int
    appearances: int
    caught_flag: int
    caught_review: int
    missed: list[str]
    without: int
    without_clear: int
    without_review: int
    without_flagged: int
    flagged_wrongly: int
    review_decisions: int
    groups_reached: int

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def judge(school: School, report: dict[str, Any]) -> Outcome:
    """The report against who is in each photo."""
    opted = {s.sid for s in school.students if s.opted_out}
    appearances = caught_flag = caught_review = 0
    missed: list[str] = []
    without = without_clear = without_review = without_flagged = flagged_wrongly = 0
    decisions: set[object] = set()
    reached = 0
    for f in report["files"]:
        truth = school.events.get(Path(f["path"]).name, frozenset())
        faces = [x for x in f["findings"] if x["type"].endswith("opted_out_face")]
        flagged_for = {x["student_id"] for x in faces if x["type"] == "opted_out_face"}
        review_for = {x["student_id"] for x in faces if x["type"] == "possible_opted_out_face"}
        for x in faces:
            if x["type"] == "possible_opted_out_face":
                decisions.add(x.get("face_group", id(x)))
                reached += "the same person as" in (x.get("detail") or "")
        for sid in truth & opted:
            appearances += 1
            if sid in flagged_for:
                caught_flag += 1
            elif sid in review_for:
                caught_review += 1
            else:
                missed.append(f"{f['path']}: {sid}")
        if flagged_for - truth:
            flagged_wrongly += 1
        if not truth & opted:
            without += 1
            verdict = f["verdict"]
            without_clear += verdict == "clear"
            without_review += verdict == "review"
            without_flagged += verdict == "flagged"
    return Outcome(
        files=len(report["files"]),
        appearances=appearances,
        caught_flag=caught_flag,
        caught_review=caught_review,
        missed=missed,
        without=without,
        without_clear=without_clear,
        without_review=without_review,
        without_flagged=without_flagged,
        flagged_wrongly=flagged_wrongly,
        review_decisions=len(decisions),
        groups_reached=reached,
    )


#: The environment the command line runs in: keys in a file, no keyring needed.
ENV = {"PHOTOGUARD_KEY_STORE": "file"}


def enrolled(base: Path) -> tuple[School, Path]:
    """The school built in ``base``, its roster imported and its opted-out students'
    picture-day photos enrolled by the real command line, in the data folder returned
    (``base``/home). The event photos are in ``base``/event."""
    school = build(base)
    env = {**os.environ, **ENV}
    home = base / "home"
    roster = base / "roster.csv"
    roster.write_text(roster_csv(school), encoding="utf-8")
    done = _run("--home", str(home), "roster", "import", str(roster), env=env)
    if done.returncode:
        raise SystemExit(f"roster import failed: {done.stderr.strip()}")
    refs = base / "picture-day"
    refs.mkdir()
    for s in school.students:
        if s.opted_out:
            (refs / f"{s.sid}.jpg").write_bytes(s.picture_day.read_bytes())
    done = _run("--home", str(home), "enroll", str(refs), env=env)
    if done.returncode:
        raise SystemExit(f"enrollment failed: {done.stdout.strip()} {done.stderr.strip()}")
    return school, home


def checked(base: Path, home: Path, scan_args: Sequence[str] = ()) -> dict[str, Any]:
    """The report of the real command line's check of ``base``/event with ``home``."""
    out = base / "report.json"
    out.unlink(missing_ok=True)
    done = _run(
        "--home",
        str(home),
        "scan",
        str(base / "event"),
        "--json",
        str(out),
        *scan_args,
        env={**os.environ, **ENV},
    )
    if not out.exists():
        raise SystemExit(f"the check wrote no report: {done.stderr.strip()}")
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def measure(scan_args: Sequence[str] = ()) -> tuple[School, Outcome, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        school, home = enrolled(base)
        report = checked(base, home, scan_args)
    return school, judge(school, report), report["settings"]


def print_outcome(school: School, o: Outcome, settings: dict[str, Any]) -> None:
    opted = sum(s.opted_out for s in school.students)
    print(
        f"\nA school of children (FG-NET): {len(school.students)} students, {opted} opted out, "
        f"{o.files} event photos ({GROUPS} of them four children side by side)"
    )
    print("| | count |\n|---|---|")
    print(
        f"| opted-out appearances | {o.appearances}: {o.caught_flag} flagged, "
        f"{o.caught_review} review, **{len(o.missed)} missed** |"
    )
    print(
        f"| files with no opted-out child | {o.without}: **{o.without_clear} clear**, "
        f"{o.without_review} review, {o.without_flagged} flagged |"
    )
    print(f"| files flagged for a child not in them | {o.flagged_wrongly} |")
    print(
        f"| review decisions (face groups to look at) | {o.review_decisions} "
        f"({o.review_decisions / max(1, o.files):.2f} per file checked) |"
    )
    print(f"| review findings reached through a face group | {o.groups_reached} |")
    for m in o.missed:
        print(f"- missed: {m}")
    distances = {k: v for k, v in settings.items() if "distance" in k or "band" in k}
    print(f"(distances used: {json.dumps(distances, sort_keys=True)})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--match-distance", help="passed to photoguard scan (to try others)")
    parser.add_argument("--review-distance", help="passed to photoguard scan (to try others)")
    args = parser.parse_args(argv)
    scan_args = [
        *(["--match-distance", args.match_distance] if args.match_distance else []),
        *(["--review-distance", args.review_distance] if args.review_distance else []),
    ]
    if not CHILDREN.is_dir():
        raise SystemExit(f"the children's fixtures are missing at {CHILDREN}")
    school, outcome, settings = measure(scan_args)
    print_outcome(school, outcome, settings)
    if args.json:
        args.json.write_text(json.dumps(outcome.as_json() | {"settings": settings}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
