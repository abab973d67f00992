"""How fast captions are checked for full names: ``make bench`` (benchmarks/run.py).

A made-up roster of common and tricky names (accents, apostrophes, particles,
double surnames, names that are everyday words) and captions like staff write
them, mostly first names and one in five with a full name. Nothing is timed in
the tests; tests/test_names.py checks only that the planted names are found.
"""

from __future__ import annotations

import random
import time

from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex


def _words(words: str) -> tuple[str, ...]:
    return tuple(words.split())


_FIRST = _words(
    "Liam Emma Noah Olivia Ava Elijah Sophia Lucas Mia Mason Amelia Ethan Harper Zoë Aiden "
    "Chloe Jayden Grace Carter Lily Owen Nora Wyatt Riley Caleb Ella Isaac Aria Luca May "
    "Mateo Camila Santiago Valentina Anastasia Ana José María Siobhan Seán Nguyen Priya "
    "Arjun Fatima Omar Yusuf Aisha Hannah Jack Will Hope Joy Mark Rose Summer"
)
_LAST = _words(
    "O'Brien Delgado-Ruiz Smith Johnson Williams Brown Jones Garcia Miller Davis Martínez "
    "Hernández Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez "
    "Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King "
    "Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts MacDonald McCarthy D'Angelo St._Pierre Van_der_Berg Day "
    "Kowalski Nowak Müller Schröder Østergaard Łukasz Dubois Lefèvre"
)
_WORDS = _words(
    "great job today at the field day with our third grade class science fair project "
    "look at this amazing art from room reading buddies on the playground spring concert "
    "thank you to all families who came out for the bake sale and welcome back"
)


_SYLLABLES = _words(
    "an ber cal dor el fen gar hol is jen kar lin mor nes ols per quin ros sten tor"
)


def synthetic_roster(size: int = 2000, seed: int = 0) -> list[Student]:
    """A made-up roster for speed tests: common and tricky last names, and many made-up ones."""
    rnd = random.Random(seed)

    def last_name(n: int) -> str:
        if n % 3 == 0:
            return rnd.choice(_LAST).replace("_", " ")
        return "".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 3))).title()

    return [
        Student(
            student_id=f"S{n:05d}",
            first_name=rnd.choice(_FIRST),
            last_name=last_name(n),
            preferred_name=rnd.choice(_FIRST) if n % 7 == 0 else "",
            opted_out=n % 10 == 0,
        )
        for n in range(size)
    ]


def synthetic_captions(count: int = 20000, seed: int = 1) -> list[str]:
    """Captions like staff write them: mostly first names, some full names."""
    rnd = random.Random(seed)
    out = []
    for n in range(count):
        words = rnd.sample(_WORDS, rnd.randint(6, 14))
        first = rnd.choice(_FIRST)
        words.insert(rnd.randrange(len(words)), first)
        if n % 5 == 0:
            words.insert(rnd.randrange(len(words)), f"{first} {rnd.choice(_LAST)}'s")
        out.append(" ".join(words).capitalize() + "!")
    return out


def measure_speed(students: int = 2000, captions: int = 20000) -> dict[str, float]:
    """Captions checked per second against a synthetic roster (for ``make bench``)."""
    roster = synthetic_roster(students)
    texts = synthetic_captions(captions)
    t0 = time.perf_counter()
    index = NameIndex(roster)
    t1 = time.perf_counter()
    found = sum(len(index.find(t)) for t in texts)
    t2 = time.perf_counter()
    return {
        "students": float(len(roster)),
        "captions": float(len(texts)),
        "index_seconds": t1 - t0,
        "captions_per_second": len(texts) / (t2 - t1),
        "full_names_found": float(found),
    }
