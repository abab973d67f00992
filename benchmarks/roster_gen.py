"""Synthetic Aspen rosters of any size, for the import benchmark and the tests.

``python -m benchmarks.roster_gen [N]`` times reading, previewing and applying
an N-student roster (default 10,000) as CSV and as XLSX in a throw-away data
folder, and prints the seconds each step took.

The names are made up from short lists (accented ones included), student IDs
are six digits with leading zeros kept ("000123"), and about one student in
twelve is opted out. The same ``seed`` always gives the same roster.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

LAST_NAMES = (
    "Smith", "Johnson", "Martínez", "O'Brien", "Nguyen", "García", "Brown", "Müller",
    "Kowalski", "Dubois", "Chen", "Okafor", "Rossi", "Silva", "Fitzgerald", "Núñez",
    "Andersson", "Haddad", "Kim", "Lefèvre", "Van der Berg", "Murphy", "Patel", "Søren",
)  # fmt: skip
FIRST_NAMES = (
    "Liam", "Emma", "Noah", "Olivia", "Zoë", "José", "Ava", "Mateo", "Chloé", "Aiden",
    "Sofía", "Lucas", "Amélie", "Ethan", "Mia", "Björn", "Isla", "Kai", "Nora", "Élodie",
    "Omar", "Leah", "Finn", "Ines",
)  # fmt: skip
PREFERRED = ("", "", "", "", "", "", "Sam", "Jo", "Lulu", "Alex", "Max", "Bea")
GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")

#: The headers of a typical Aspen opt-out export (one-column name, Privacy Law flag).
HEADERS = (
    "Student ID",
    "Name",
    "Preferred Name",
    "Grade",
    "Homeroom",
    "YOG",
    "Privacy Law Opt-Out",
)


@dataclass(frozen=True)
class GenStudent:
    student_id: str
    last_name: str
    first_name: str
    middle_name: str
    preferred_name: str
    grade: str
    homeroom: str
    yog: str
    opted_out: bool

    @property
    def full_name(self) -> str:
        """Aspen's "Last, First Middle"."""
        return f"{self.last_name}, {self.first_name} {self.middle_name}".strip()

    def cells(self, flag: Callable[[bool], str] = lambda out: "Y" if out else "") -> list[str]:
        return [
            self.student_id,
            self.full_name,
            self.preferred_name,
            self.grade,
            self.homeroom,
            self.yog,
            flag(self.opted_out),
        ]


def generate_students(
    n: int = 10_000, seed: int = 0, opted_out_share: float = 1 / 12, first_id: int = 100
) -> list[GenStudent]:
    """``n`` students with distinct six-digit IDs (leading zeros) starting at ``first_id``."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        grade = rng.choice(GRADES)
        years_left = 13 - (0 if grade == "K" else int(grade))
        out.append(
            GenStudent(
                student_id=f"{first_id + k:06d}",
                last_name=rng.choice(LAST_NAMES),
                first_name=rng.choice(FIRST_NAMES),
                middle_name=rng.choice(("", "", "Ann", "Lee", "Marie", "J.")),
                preferred_name=rng.choice(PREFERRED),
                grade=grade,
                homeroom=f"{rng.randint(1, 3)}{rng.randint(1, 40):02d}",
                yog=str(2025 + years_left),
                opted_out=rng.random() < opted_out_share,
            )
        )
    return out


def churn(
    students: Sequence[GenStudent], seed: int = 1, leave: int = 50, join: int = 60, flip: int = 40
) -> list[GenStudent]:
    """The next export: ``leave`` students gone, ``join`` new ones, ``flip`` flags changed."""
    rng = random.Random(seed)
    kept = list(students)
    for _ in range(min(leave, len(kept))):
        kept.pop(rng.randrange(len(kept)))
    for i in rng.sample(range(len(kept)), min(flip, len(kept))):
        kept[i] = replace(kept[i], opted_out=not kept[i].opted_out)
    top = max((int(s.student_id) for s in students), default=0) + 1
    return kept + generate_students(join, seed=seed + 1000, first_id=top)


def write_csv(
    path: Path,
    students: Sequence[GenStudent],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    title: str | None = None,
    headers: Sequence[str] = HEADERS,
) -> Path:
    """A CSV as Excel writes it: CRLF line ends, quotes only where needed."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        if title is not None:
            writer.writerow([title])
        writer.writerow(headers)
        writer.writerows(s.cells() for s in students)
    return path


def write_xlsx(path: Path, students: Sequence[GenStudent], sheet: str = "Opt-Out") -> Path:
    """An .xlsx workbook; IDs as text (as Aspen writes them), flags as TRUE/FALSE cells."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(HEADERS))
    for s in students:
        row: list[object] = list(s.cells())
        row[-1] = s.opted_out
        ws.append(row)
    wb.save(path)
    return path


def time_import(path: Path, home: Path) -> dict[str, float]:
    """Seconds to read, preview (read + compare) and apply one roster file."""
    from photoguard.roster.importing import apply_import, preview_import
    from photoguard.roster.validate import read_roster
    from photoguard.workspace.folder import open_workspace

    t0 = time.perf_counter()
    read_roster(path)
    t1 = time.perf_counter()
    with open_workspace(home) as ws:
        t2 = time.perf_counter()
        preview = preview_import(ws, path)
        t3 = time.perf_counter()
        apply_import(ws, preview, "bench")
        t4 = time.perf_counter()
    return {"read": t1 - t0, "preview": t3 - t2, "apply": t4 - t3, "preview+apply": t4 - t2}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    n = int(args[0]) if args else 10_000
    students = generate_students(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for kind, write in (("csv", write_csv), ("xlsx", write_xlsx)):
            path = write(root / f"roster.{kind}", students)
            first = time_import(path, root / f"home-{kind}")
            nxt = write(root / f"roster2.{kind}", churn(students))
            second = time_import(nxt, root / f"home-{kind}")
            for label, t in (("first import", first), ("second import", second)):
                steps = ", ".join(f"{k} {v:.2f} s" for k, v in t.items())
                print(f"{n} students, {kind}, {label}: {steps}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
