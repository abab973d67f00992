"""``make bench-accuracy``: how well faces are told apart, by age band, on real children.

``python -m benchmarks.accuracy [--json FILE]`` runs photoguard's own pipeline, as a scan
runs it on a photo, on the FG-NET children's photos in ../shared/fixtures/children/images
and on the adult fixtures in ../shared/fixtures/faces: the file decoded by
``photoguard.media.photo_frames`` at the analysis scale of the default Settings
(``min_face_px``), its faces found and encoded by the scan's own search
(``photoguard.scan.analysis.search_any_orientation``, which is ``find_faces(...,
encode=True)``, and the turned searches where no upright face is found). Two worker
processes, one BLAS thread each.

Who is who:

- FG-NET: ``SSSAaa[x].JPG`` is person SSS at age aa. Photos at ages 0-4 are left out
  (nobody on a school roster is that young).
- The adult fixtures: the identity is the folder. Left out: ``groups/`` and ``misc/``
  (several faces, or a copy of obama2.jpg), and Obama's resized copies
  (obama-240p/480p/720p/1080p.jpg, obama_small.jpg: the same photo as obama.jpg) and his
  two partial-face crops (half a face at the edge, not a portrait).

Bands: 5-8, 9-12, 13-15, 16-18 and adults (FG-NET at 19 and over, and the adult
fixtures). Pairs:

- *same person*: two photos of one person. The pair's band is that of the LATER photo's
  age: the child's age when a photo of them is checked, which is what a roster tells
  (the earlier photo plays the reference, and may be from a younger band, but never
  from 0-4). The time between the two photos: at most 1 year, 2-3 years, 4 or more
  (unknown for the adult fixtures, which have no ages: counted in the band, in no gap).
- *different people*: two photos of two people, both in the same band (each by its own
  age).

A photo in which not exactly one face (big enough to encode) is found is listed; with
several, the largest face is used; with none, the photo is left out of every pair.

Prints Markdown tables (the model card carries them) and, with ``--json``, writes the
same numbers to FILE. Nothing is asserted: the threshold rule's arithmetic is tested in
tests/test_accuracy_harness.py.
"""

from __future__ import annotations

import os

# Read by OpenBLAS when numpy is first imported: one thread in each of the two workers,
# as in a scan's workers (scan/workers.py). Set before numpy is imported below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TextIO  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks import roc  # noqa: E402
from benchmarks.accuracy_report import (  # noqa: E402
    CATCH_RATE,
    GAPS,
    MAX_FALSE_FLAG_RATE,
    BandResult,
    Counts,
    band_report,
    print_tables,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("PHOTOGUARD_FIXTURES", ROOT.parent / "shared" / "fixtures"))
CHILDREN = FIXTURES / "children" / "images"
ADULTS = FIXTURES / "faces"
WORKERS = 2

#: (name, youngest, oldest); None: no upper end.
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("5-8", 5, 8),
    ("9-12", 9, 12),
    ("13-15", 13, 15),
    ("16-18", 16, 18),
    ("adults", 19, None),
)
ADULT_BAND = "adults"

FGNET_NAME = re.compile(r"^(\d{3})A(\d{2})([a-z]?)\.jpg$", re.IGNORECASE)
#: Adult fixture folders of several people or of copies.
SKIPPED_FOLDERS = frozenset({"groups", "misc"})
#: Copies of obama.jpg at other sizes, and the two half-face crops.
SKIPPED_FILES = frozenset(
    {
        "obama-240p.jpg",
        "obama-480p.jpg",
        "obama-720p.jpg",
        "obama-1080p.jpg",
        "obama_small.jpg",
        "obama_partial_face.jpg",
        "obama_partial_face2.jpg",
    }
)
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


def band_of(age: int | None) -> str | None:
    """The band of a photo taken at ``age`` (None: an adult fixture, no age known);
    None for ages under 5, which are left out."""
    if age is None:
        return ADULT_BAND
    for name, low, high in BANDS:
        if age >= low and (high is None or age <= high):
            return name
    return None


def gap_of(years: int | None) -> str | None:
    """The time-gap class of a same-person pair ``years`` apart (None: unknown)."""
    if years is None:
        return None
    for name, low, high in GAPS:
        if years >= low and (high is None or years <= high):
            return name
    raise ValueError(f"a negative gap: {years}")


@dataclass(frozen=True)
class Photo:
    path: Path
    person: str
    #: Age in whole years; None for the adult fixtures.
    age: int | None
    band: str


def fgnet_photos(folder: Path) -> list[Photo]:
    """The FG-NET photos at ages 5 and over."""
    photos = []
    for path in sorted(folder.iterdir()):
        m = FGNET_NAME.match(path.name)
        if not m:
            continue
        age = int(m.group(2))
        band = band_of(age)
        if band is not None:
            photos.append(Photo(path, f"fgnet-{m.group(1)}", age, band))
    return photos


def adult_photos(folder: Path) -> list[Photo]:
    """The single-portrait adult fixtures, identity = folder."""
    return [
        Photo(path, f"fixture-{person.name}", None, ADULT_BAND)
        for person in sorted(p for p in folder.iterdir() if p.is_dir())
        if person.name not in SKIPPED_FOLDERS
        for path in sorted(person.iterdir())
        if path.suffix.lower() in PHOTO_SUFFIXES and path.name not in SKIPPED_FILES
    ]


@dataclass(frozen=True)
class Pair:
    first: int
    second: int
    same: bool
    band: str
    #: Same-person pairs with known ages: the gap class; otherwise None.
    gap: str | None


def make_pairs(photos: Sequence[Photo]) -> list[Pair]:
    """Every pair the bench measures (indices into ``photos``), as the module says."""
    pairs = []
    for i, a in enumerate(photos):
        for j in range(i + 1, len(photos)):
            b = photos[j]
            if a.person == b.person:
                later = None if a.age is None or b.age is None else max(a.age, b.age)
                band = band_of(later)
                if band is None:  # (both photos are 5 or older, so never)
                    continue
                years = None if a.age is None or b.age is None else abs(a.age - b.age)
                pairs.append(Pair(i, j, True, band, gap_of(years)))
            elif a.band == b.band:
                pairs.append(Pair(i, j, False, a.band, None))
    return pairs


@dataclass(frozen=True)
class Faces:
    """What the pipeline found in one photo."""

    #: Faces big enough to encode.
    found: int
    #: The largest one's 128 numbers (None when none was found).
    encoding: list[float] | None
    too_small: int
    error: str | None
    seconds: float


def find_photo_faces(path: Path) -> Faces:
    """One photo through the scan's own steps (runs in a worker): its first picture as
    photo_frames decodes it for the default Settings, then the scan's search of a photo's
    frame (find_faces, encode=True; turned searches when nothing is upright)."""
    from photoguard.media import MediaError, photo_frames
    from photoguard.scan.analysis import search_any_orientation
    from photoguard.workspace.settings import Settings

    t0 = time.perf_counter()
    try:
        frame = next(iter(photo_frames(path, Settings().min_face_px)))
        faces = search_any_orientation(frame, True)
    except MediaError as exc:
        return Faces(0, None, 0, str(exc), time.perf_counter() - t0)
    usable = [(f.box.width * f.box.height, f.encoding) for f in faces if f.encoding is not None]
    largest = max(usable, key=lambda u: u[0])[1] if usable else None
    return Faces(
        found=len(usable),
        encoding=None if largest is None else [float(x) for x in largest],
        too_small=sum(f.too_small for f in faces),
        error=None,
        seconds=time.perf_counter() - t0,
    )


def find_all_faces(paths: Sequence[Path], workers: int = WORKERS) -> list[Faces]:
    """find_photo_faces on every path, in ``workers`` processes (forked: one BLAS thread
    each, set above), in order."""
    with mp.get_context("fork").Pool(workers) as pool:
        return list(pool.imap(find_photo_faces, paths, chunksize=4))


def band_counts(photos: Sequence[Photo], pairs: Iterable[Pair], band: str) -> Counts:
    mine = [p for p in photos if p.band == band]
    chosen = [p for p in pairs if p.band == band]
    return Counts(
        photos=len(mine),
        people=len({p.person for p in mine}),
        same_pairs=sum(p.same for p in chosen),
        different_pairs=sum(not p.same for p in chosen),
        same_pairs_by_gap={g: sum(p.same and p.gap == g for p in chosen) for g, _, _ in GAPS},
    )


@dataclass(frozen=True)
class Detection:
    """Per band: the photos in which not exactly one face big enough to encode was found."""

    photos: int
    none: list[str]
    #: "name (n faces)": the largest face was used.
    several: list[str]
    errors: list[str]
    faces_too_small: int


def detection(photos: Sequence[Photo], found: Sequence[Faces], band: str) -> Detection:
    mine = [(p, f) for p, f in zip(photos, found, strict=True) if p.band == band]
    return Detection(
        photos=len(mine),
        none=[p.path.name for p, f in mine if f.error is None and f.found == 0],
        several=[f"{p.path.name} ({f.found} faces)" for p, f in mine if f.found > 1],
        errors=[f"{p.path.name}: {f.error}" for p, f in mine if f.error],
        faces_too_small=sum(f.too_small for _, f in mine),
    )


@dataclass(frozen=True)
class Measured:
    bands: dict[str, BandResult]
    detection: dict[str, Detection]
    seconds_faces: float
    seconds_total: float
    #: Mean time of find_photo_faces on one photo, in one worker.
    seconds_per_photo: float


def measure(workers: int = WORKERS) -> Measured:
    from photoguard.workspace.settings import MATCH_DISTANCE, REVIEW_DISTANCE

    t0 = time.perf_counter()
    photos = fgnet_photos(CHILDREN) + adult_photos(ADULTS)
    found = find_all_faces([p.path for p in photos], workers)
    t_faces = time.perf_counter() - t0

    usable = [i for i, f in enumerate(found) if f.encoding is not None]
    kept = [photos[i] for i in usable]
    encodings = np.array([found[i].encoding for i in usable], dtype=np.float64)
    pairs = make_pairs(kept)
    first = np.array([p.first for p in pairs], dtype=np.int64)
    second = np.array([p.second for p in pairs], dtype=np.int64)
    distances = np.linalg.norm(encodings[first] - encodings[second], axis=1)

    def label(pair: Pair) -> str:
        return f"{kept[pair.first].path.name} / {kept[pair.second].path.name}"

    bands = {}
    for name, _, _ in BANDS:
        same = [k for k, p in enumerate(pairs) if p.band == name and p.same]
        different = [k for k, p in enumerate(pairs) if p.band == name and not p.same]
        bands[name] = band_report(
            band_counts(kept, pairs, name),
            distances[same],
            [pairs[k].gap for k in same],
            [label(pairs[k]) for k in same],
            distances[different],
            MATCH_DISTANCE,
            REVIEW_DISTANCE,
        )
    return Measured(
        bands=bands,
        detection={name: detection(photos, found, name) for name, _, _ in BANDS},
        seconds_faces=t_faces,
        seconds_total=time.perf_counter() - t0,
        seconds_per_photo=sum(f.seconds for f in found) / max(1, len(found)),
    )


def print_detection(det: dict[str, Detection], out: TextIO) -> None:
    def p(line: str = "") -> None:
        print(line, file=out)

    p("Photos in which not exactly one face big enough to encode was found:")
    p()
    p("| band | photos | no face | several faces (the largest used) | errors |")
    p("|---|---|---|---|---|")
    for name, d in det.items():
        p(f"| {name} | {d.photos} | {len(d.none)} | {len(d.several)} | {len(d.errors)} |")
    for name, d in det.items():
        for what, items in (("no face", d.none), ("several", d.several), ("error", d.errors)):
            for item in items:
                p(f"- {name}, {what}: {item}")


def as_json(m: Measured, workers: int) -> dict[str, object]:
    from photoguard.workspace.settings import MATCH_DISTANCE, REVIEW_DISTANCE, Settings

    return {
        "settings": {
            "match_distance": MATCH_DISTANCE,
            "review_distance": REVIEW_DISTANCE,
            "min_face_px": Settings().min_face_px,
        },
        "rule": {
            "review": "smallest distance within which at least catch_rate of same-person "
            "pairs at most 1 year apart lie (widened to flag where flag is wider)",
            "flag": "largest distance within which at most max_false_flag_rate of the "
            "band's different-person pairs lie",
            "catch_rate": CATCH_RATE,
            "max_false_flag_rate": MAX_FALSE_FLAG_RATE,
            "distance_step": 1 / roc.GRID_STEPS_PER_UNIT,
            "within": "distance <= threshold",
        },
        "pairs": "same person: in the band of the later photo's age (the earlier photo may "
        "be from a younger band, never under 5); different people: both photos in the band",
        "excluded": "FG-NET ages 0-4; the adult fixtures' groups/ and misc/, Obama's resized "
        "copies (obama-240p/480p/720p/1080p, obama_small) and partial-face crops",
        "proposed": {
            name: {"review_distance": b.proposed.review_used, "flag_distance": b.proposed.flag}
            for name, b in m.bands.items()
        },
        "bands": {name: asdict(b) for name, b in m.bands.items()},
        "detection": {name: asdict(d) for name, d in m.detection.items()},
        "seconds": {
            "total": round(m.seconds_total, 1),
            "faces": round(m.seconds_faces, 1),
            "per_photo_one_worker": round(m.seconds_per_photo, 3),
        },
        "workers": workers,
        "fixtures": str(FIXTURES),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy",
        description="Face-matching accuracy by age band (see the module's docstring).",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--workers", type=int, default=WORKERS, help="worker processes (2)")
    args = parser.parse_args(argv)
    if not CHILDREN.is_dir() or not ADULTS.is_dir():
        print(f"the fixtures are not at {FIXTURES} (set PHOTOGUARD_FIXTURES)", file=sys.stderr)
        return 2
    m = measure(args.workers)
    print_tables(m.bands, sys.stdout)
    print()
    print_detection(m.detection, sys.stdout)
    print()
    print(
        f"{m.seconds_total:.1f} s in all, {m.seconds_faces:.1f} s of it finding and encoding "
        f"faces in {args.workers} worker processes ({m.seconds_per_photo:.3f} s a photo)"
    )
    if args.json:
        args.json.write_text(json.dumps(as_json(m, args.workers), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
