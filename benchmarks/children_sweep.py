"""Can any per-band flag and review distances meet issue 18's numbers on the children's school?

Issue 18 asks, on the school ``benchmarks/children_school.py`` builds (FG-NET children),
for three things at once: no opted-out appearance missed (caught = flagged or review),
at most 2 files flagged for a child who is not in them, and at most one review decision
per 4 files checked. This bench measures every face of that school's check **once**
with photoguard's own code, then replays the product's rule over grids of per-band
distances, and says which settings (if any) reach all three.

Measured once, with the real pipeline:

* the roster is imported and the opted-out students' picture-day photos enrolled by the
  real command line (``children_school.enrolled``); their references, and each one's
  age band, are read back as a check reads them (``load_reference_set``);
* every event photo is analysed by the scan's own worker code (``analyze_file``: the
  same detector, landmarks, encoder and options a check uses), and the check's face
  groups are formed by ``scan/groups.py`` ``face_groups``;
* for every face: its distance to each opted-out student (their closest reference),
  whether it is turned away (a profile), its face group, and who it is (the child of a
  single photo; in a photo of four, the child of the tile the face's centre is in).

Replayed, for a flag distance ``F_b`` and a review distance ``R_b`` per age band (the
product's rule: faces/match.py ``possible_student``, scan/groups.py ``reached_by_flags``,
children_school's ``judge``):

* a face is **flagged** as the nearest opted-out student within that student's ``F_b``;
  otherwise it is **review** for the nearest within their review distance, which is
  ``max(R_b, F_b)`` (and at least ``PROFILE_REVIEW_DISTANCE`` for a profile); the other
  students within theirs are its ``also_students``;
* a face flagged as a student makes every other face of its group, in another file, at
  least review for that student (unless that face's finding already names the student);
* an opted-out appearance (a file with the child in it) is **caught** when the file has
  a flag or a review finding whose student is that child, as children_school counts it
  (a child named only among a finding's ``also_students`` counts as missed; the
  "lenient" column counts it as caught);
* a file is **wrongly flagged** when a student it is flagged for is not in it;
* **decisions** are counted two ways: (a) distinct (face group, student) pairs among the
  review findings (how "Faces to look at" listed them until it showed one row per
  person); (b) distinct face groups with any review finding, one row per group, as the
  view lists them now and children_school counts them (never more than (a)).

The search is exhaustive over the grids, made small by two facts. Within one band every
student has the same distances, so for each face only the nearest student of each band
can be flagged or be a review's student: a face is a handful of (student, distance)
pairs, one per band. And flags (so wrong flags and what the groups reach) depend on
the flag distances alone: every combination of per-band flag distances is reduced to
the distinct sets of flagged faces it gives, and each such set is replayed against every
combination of per-band review distances at once (numpy). The settings reported are
re-checked with a plain one-setting replay (:func:`replay`), and today's distances must
give what the product itself gives (``possible_student`` for every face, and
children_school's counts).

Only the bands that have an opted-out student are swept (on this school: 5-8, 9-12 and
13-15). Run: ``python -m benchmarks.children_sweep [--json FILE] [--no-check]``: about
15 s to measure, a minute to sweep (one core), and 10 s for the real check it is
compared with (``--no-check`` skips it).

These are old scanned prints of 41 people: the numbers say what the model and the rule
can do on children, not what a school will see.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks import children_school as cs
from photoguard.scan.groups import CheckedFace, face_groups, reached_by_flags

#: The flag distances tried, per band.
FLAG_GRID = tuple(round(0.40 + 0.005 * k, 3) for k in range(41))  # 0.400 .. 0.600
#: The review distances tried, per band (below a band's flag distance, it is the flag's).
REVIEW_GRID = tuple(round(0.45 + 0.01 * k, 2) for k in range(26))  # 0.45 .. 0.70
#: Issue 18's numbers.
MAX_WRONG_FLAGS = 2
MAX_DECISIONS_PER_FILE = 0.25

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# ----------------------------------------------------------------- measured once


@dataclass(frozen=True)
class CheckFaces:
    """Every encoded face of the school's check, and what a replay needs of it."""

    #: Event file names, in the order the faces refer to them.
    files: tuple[str, ...]
    #: Per file: every student in it (opted out or not).
    truth: tuple[frozenset[str], ...]
    #: The opted-out students with references: the distance matrix's columns.
    students: tuple[str, ...]
    #: The age bands of those students, youngest first (only bands with a student).
    bands: tuple[str, ...]
    #: Per student: the index of their band in ``bands``.
    band_of: IntArray
    #: Per band: the (flag, review, profile review) distances the product judges with.
    product: tuple[tuple[float, float, float], ...]
    #: The distance at or beyond which a profile is at least review (settings.py).
    profile_review: float
    #: Per face: the face as scan/groups.py knows it (its file is an index into
    #: ``files``), its face group, whether it is a profile.
    checked: tuple[CheckedFace, ...]
    file: IntArray
    group: IntArray
    profile: BoolArray
    #: Per face: who it is (by its file, or its tile in a photo of four), or None.
    person: tuple[str | None, ...]
    #: Per face and student: the distance to the student's closest reference.
    distance: FloatArray
    #: Per face: the product's own decision at its distances (``possible_student``):
    #: the student (column) or -1, and whether flagged.
    product_student: IntArray
    product_flagged: BoolArray

    @property
    def opted_appearances(self) -> list[tuple[int, int]]:
        """(file, student column) for every opted-out student in every file."""
        column = {sid: k for k, sid in enumerate(self.students)}
        return [
            (i, column[sid])
            for i, truth in enumerate(self.truth)
            for sid in sorted(truth)
            if sid in column
        ]


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _person(school: cs.School, name: str, box: Any) -> str | None:
    members = school.events[name]
    if name not in school.tiles:
        return next(iter(members)) if len(members) == 1 else None
    cx, cy = box.left + box.width / 2, box.top + box.height / 2
    k = int(cy // cs.TILE[1]) * 2 + int(cx // cs.TILE[0])
    tiles = school.tiles[name]
    return tiles[k] if 0 <= k < len(tiles) else None


def collect(base: Path, school: cs.School, home: Path) -> CheckFaces:
    """Every face of the check of the photos in ``base``/event, measured with the
    references enrolled in ``home`` (``children_school.enrolled(base)`` made both; a
    photo taken out of the folder is left out)."""
    from photoguard.references.enroll import load_reference_set
    from photoguard.scan.analysis import AnalysisOptions, analyze_file
    from photoguard.workspace.folder import open_workspace
    from photoguard.workspace.settings import PROFILE_REVIEW_DISTANCE

    with _environment(cs.ENV), open_workspace(home) as ws:
        references = load_reference_set(ws)
        settings = ws.settings
    students = tuple(dict.fromkeys(references.student_ids))
    judged = [references.distances_of(sid) for sid in students]
    assert all(j is not None for j in judged)
    band_names: list[str] = []
    product: list[tuple[float, float, float]] = []
    band_of: list[int] = []
    for j in judged:
        assert j is not None
        if str(j.band) not in band_names:
            band_names.append(str(j.band))
            product.append((j.flag, j.review, j.profile_review))
        band_of.append(band_names.index(str(j.band)))
    # Youngest first, as the bands are listed everywhere else.
    order = sorted(range(len(band_names)), key=lambda b: _band_key(band_names[b]))
    renumber = {old: new for new, old in enumerate(order)}

    options = AnalysisOptions(
        min_face_px=settings.min_face_px,
        frames_per_second=settings.frames_per_second,
        encode=True,
    )
    files = tuple(sorted(p.name for p in (base / "event").iterdir()))
    checked: list[CheckedFace] = []
    profile: list[bool] = []
    person: list[str | None] = []
    rows: list[list[float]] = []
    product_student: list[int] = []
    product_flagged: list[bool] = []
    for i, name in enumerate(files):
        analysis = analyze_file(base / "event" / name, "photo", options)
        if analysis.error:
            raise SystemExit(f"{name}: {analysis.error}")
        for k, hit in enumerate(analysis.faces):
            if hit.encoding is None:
                continue
            checked.append(CheckedFace(i, k, (hit.embedded, hit.time_s), hit.encoding))
            profile.append(hit.profile)
            person.append(_person(school, name, hit.box))
            rows.append(
                [float(references.distance_to(hit.encoding, sid) or 0.0) for sid in students]
            )
            match = references.possible_student(hit.encoding, profile=hit.profile)
            product_student.append(students.index(match.student_id) if match else -1)
            product_flagged.append(bool(match and match.flagged))
    return CheckFaces(
        files=files,
        truth=tuple(school.events[name] for name in files),
        students=students,
        bands=tuple(band_names[b] for b in order),
        band_of=np.array([renumber[b] for b in band_of], dtype=np.int64),
        product=tuple(product[b] for b in order),
        profile_review=PROFILE_REVIEW_DISTANCE,
        checked=tuple(checked),
        file=np.array([c.file for c in checked], dtype=np.int64),
        group=np.array(face_groups(checked), dtype=np.int64),
        profile=np.array(profile, dtype=bool),
        person=tuple(person),
        distance=np.array(rows, dtype=np.float64).reshape(len(checked), len(students)),
        product_student=np.array(product_student, dtype=np.int64),
        product_flagged=np.array(product_flagged, dtype=bool),
    )


def _band_key(band: str) -> int:
    return int(band.split("-")[0]) if band[0].isdigit() else 99


# ------------------------------------------------------------ one setting, plainly


@dataclass(frozen=True)
class Outcome:
    """What a check at one setting comes to, judged as children_school judges it."""

    flag: tuple[float, ...]
    review: tuple[float, ...]
    appearances: int
    caught_flag: int
    caught_review: int
    missed: int
    #: Missed when a student named only among a finding's also_students counts as caught.
    missed_lenient: int
    flagged_wrongly: int
    #: (a) distinct (face group, student) pairs among the review findings.
    decisions: int
    #: (b) distinct face groups with a review finding.
    decision_groups: int
    files: int

    @property
    def per_file(self) -> float:
        return self.decisions / self.files

    def meets_issue(self) -> bool:
        return (
            self.missed == 0
            and self.flagged_wrongly <= MAX_WRONG_FLAGS
            and self.decisions <= MAX_DECISIONS_PER_FILE * self.files
        )


@dataclass(frozen=True)
class Findings:
    """Per face: flagged as (student or -1), review for (student or -1), also within
    review (students); plus the review findings the face groups add: (face, student)."""

    flagged: IntArray
    review: IntArray
    also: tuple[frozenset[int], ...]
    reached: tuple[tuple[int, int], ...]


def findings(faces: CheckFaces, flag: Sequence[float], review: Sequence[float]) -> Findings:
    """The product's rule at one setting (per band, youngest first), face by face."""
    f_of = np.array(flag, dtype=np.float64)[faces.band_of]
    r_of = np.maximum(np.array(review, dtype=np.float64), np.array(flag))[faces.band_of]
    n = len(faces.file)
    flagged = np.full(n, -1, dtype=np.int64)
    reviewed = np.full(n, -1, dtype=np.int64)
    also: list[frozenset[int]] = []
    for x in range(n):
        d = faces.distance[x]
        within = d <= f_of
        if within.any():
            flagged[x] = int(np.argmin(np.where(within, d, np.inf)))
            also.append(frozenset())
            continue
        limit = np.maximum(r_of, faces.profile_review) if faces.profile[x] else r_of
        within = d <= limit
        if within.any():
            reviewed[x] = int(np.argmin(np.where(within, d, np.inf)))
        also.append(frozenset(int(s) for s in np.nonzero(within)[0]) - {int(reviewed[x])})
    # What the face groups add: the product's own reached_by_flags.
    key = [(c.file, c.face) for c in faces.checked]
    marked: dict[tuple[int, int], set[str]] = {}
    already: dict[tuple[int, int], set[str]] = {}
    for x in range(n):
        for s, to in ((flagged[x], marked), (flagged[x], already), (reviewed[x], already)):
            if s >= 0:
                to.setdefault(key[x], set()).add(faces.students[s])
    column = {sid: k for k, sid in enumerate(faces.students)}
    index = {k: x for x, k in enumerate(key)}
    reached = tuple(
        (index[(m.face.file, m.face.face)], column[m.student_id])
        for m in reached_by_flags(faces.checked, faces.group.tolist(), marked, already)
    )
    return Findings(flagged, reviewed, tuple(also), reached)


def replay(faces: CheckFaces, flag: Sequence[float], review: Sequence[float]) -> Outcome:
    """One setting's outcome, by the plain rule (the sweep's results are checked by it)."""
    found = findings(faces, flag, review)
    nfiles = len(faces.files)
    flagged_for: list[set[int]] = [set() for _ in range(nfiles)]
    review_for: list[set[int]] = [set() for _ in range(nfiles)]
    also_for: list[set[int]] = [set() for _ in range(nfiles)]
    pairs: set[tuple[int, int]] = set()
    for x in range(len(faces.file)):
        i = int(faces.file[x])
        if found.flagged[x] >= 0:
            flagged_for[i].add(int(found.flagged[x]))
        if found.review[x] >= 0:
            review_for[i].add(int(found.review[x]))
            also_for[i] |= found.also[x]
            pairs.add((int(faces.group[x]), int(found.review[x])))
    for x, s in found.reached:
        review_for[int(faces.file[x])].add(s)
        pairs.add((int(faces.group[x]), s))
    caught_flag = caught_review = missed = missed_lenient = 0
    appearances = faces.opted_appearances
    for i, s in appearances:
        if s in flagged_for[i]:
            caught_flag += 1
        elif s in review_for[i]:
            caught_review += 1
        else:
            missed += 1
            missed_lenient += s not in also_for[i]
    wrong = sum(
        any(faces.students[s] not in faces.truth[i] for s in flagged_for[i]) for i in range(nfiles)
    )
    return Outcome(
        flag=tuple(flag),
        review=tuple(max(r, f) for r, f in zip(review, flag, strict=True)),
        appearances=len(appearances),
        caught_flag=caught_flag,
        caught_review=caught_review,
        missed=missed,
        missed_lenient=missed_lenient,
        flagged_wrongly=wrong,
        decisions=len(pairs),
        decision_groups=len({g for g, _ in pairs}),
        files=nfiles,
    )


# ------------------------------------------------------------------ the sweep


@dataclass(frozen=True)
class FlagSet:
    """The faces one or more combinations of flag distances flag, and as whom."""

    flagged: IntArray
    #: The combinations of flag distances (one per band) that give it.
    combos: FloatArray


def _band_nearest(faces: CheckFaces) -> tuple[IntArray, FloatArray]:
    """Per face and band: the nearest student of the band (column) and the distance."""
    n, nb = len(faces.file), len(faces.bands)
    who = np.zeros((n, nb), dtype=np.int64)
    near = np.full((n, nb), np.inf)
    for b in range(nb):
        cols = np.nonzero(faces.band_of == b)[0]
        sub = faces.distance[:, cols]
        k = np.argmin(sub, axis=1)
        who[:, b] = cols[k]
        near[:, b] = sub[np.arange(n), k]
    return who, near


def flag_sets(faces: CheckFaces, grid: Sequence[float] = FLAG_GRID) -> list[FlagSet]:
    """Every combination of per-band flag distances, reduced to the distinct sets of
    flagged faces they give."""
    who, near = _band_nearest(faces)
    nb = len(faces.bands)
    combos = np.array(list(itertools.product(grid, repeat=nb)), dtype=np.float64)
    faces_ix = np.arange(len(near))[None, :]
    out: dict[bytes, tuple[IntArray, list[FloatArray]]] = {}
    for start in range(0, len(combos), 4096):
        limits = combos[start : start + 4096]  # combos x bands
        within = near[None, :, :] <= limits[:, None, :]
        best = np.argmin(np.where(within, near[None], np.inf), axis=2)
        flagged = np.where(within.any(axis=2), who[faces_ix, best], -1)
        keys, inverse = np.unique(flagged, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        for j, row in enumerate(keys):
            entry = out.setdefault(row.tobytes(), (row.copy(), []))
            entry[1].append(limits[inverse == j])
    return [FlagSet(row, np.concatenate(parts)) for row, parts in out.values()]


@dataclass(frozen=True)
class FlagSummary:
    """What one set of flags gives at its best review distances."""

    flags: FlagSet
    wrong: int
    #: The fewest (a) decisions with no appearance missed, and at which review
    #: distances (per band); -1 when no review combination misses none.
    best_decisions: int
    best_review: tuple[float, ...]
    #: The fewest (b) decision groups with none missed.
    best_groups: int
    #: The fewest (a) decisions with none missed, "lenient" (also_students caught).
    best_decisions_lenient: int


@dataclass(frozen=True)
class ReviewTable:
    """Every combination of per-band review distances, and for each: every face's review
    student were it not flagged (flags only take faces out of review)."""

    #: combos x bands: the review distances.
    reviews: FloatArray
    #: combos x faces: the review finding's student (column), or -1.
    student: IntArray
    #: combos x faces: the (face group, student) pair's number, group * students +
    #: student, and the face group; both ``none`` for a face with no review finding.
    pair: IntArray
    group: IntArray
    none: int


def review_table(faces: CheckFaces, grid: Sequence[float] = REVIEW_GRID) -> ReviewTable:
    who, near = _band_nearest(faces)
    nb = len(faces.bands)
    reviews = np.array(list(itertools.product(grid, repeat=nb)), dtype=np.float64)
    student = np.empty((len(reviews), len(near)), dtype=np.int64)
    faces_ix = np.arange(len(near))[None, :]
    for start in range(0, len(reviews), 2048):
        chunk = reviews[start : start + 2048, None, :]
        limit = np.where(
            faces.profile[None, :, None], np.maximum(chunk, faces.profile_review), chunk
        )
        within = near[None] <= limit
        band = np.argmin(np.where(within, near[None], np.inf), axis=2)
        student[start : start + 2048] = np.where(within.any(axis=2), who[faces_ix, band], -1)
    none = (int(faces.group.max()) + 1) * len(faces.students)
    pair = np.where(student >= 0, faces.group[None, :] * len(faces.students) + student, none)
    group = np.where(student >= 0, faces.group[None, :], none)
    return ReviewTable(reviews, student, pair, group, none)


def summarize(faces: CheckFaces, fs: FlagSet, table: ReviewTable) -> FlagSummary:
    """One set of flags replayed against every combination of per-band review distances."""
    flagged = fs.flagged
    nfiles = len(faces.files)
    # Flags alone: wrong flags, what the groups reach, the appearances caught so far.
    flagged_for: list[set[int]] = [set() for _ in range(nfiles)]
    for x in np.nonzero(flagged >= 0)[0]:
        flagged_for[int(faces.file[x])].add(int(flagged[x]))
    wrong = sum(
        any(faces.students[s] not in faces.truth[i] for s in flagged_for[i]) for i in range(nfiles)
    )
    reached_pairs: set[tuple[int, int]] = set()
    reached_in: set[tuple[int, int]] = set()  # (file, student)
    for g in np.unique(faces.group):
        members = np.nonzero(faces.group == g)[0]
        for s in {int(flagged[x]) for x in members if flagged[x] >= 0}:
            sources = [x for x in members if flagged[x] == s]
            for x in members:
                # A face reviewed as s already names s: the pair and the catch are the
                # same whether the group adds its finding or not.
                if flagged[x] != s and any(faces.file[y] != faces.file[x] for y in sources):
                    reached_pairs.add((int(g), s))
                    reached_in.add((int(faces.file[x]), s))
    needed = [
        (i, s)
        for i, s in faces.opted_appearances
        if s not in flagged_for[i] and (i, s) not in reached_in
    ]
    # Review: the unflagged faces, against every review combination at once.
    free = np.nonzero(flagged < 0)[0]
    k = len(table.reviews)
    missed = np.zeros(k, dtype=np.int64)
    missed_lenient = np.zeros(k, dtype=np.int64)
    for i, s in needed:
        cols = free[faces.file[free] == i]
        caught = (table.student[:, cols] == s).any(axis=1)
        missed += ~caught
        limit = table.reviews[:, int(faces.band_of[s])][:, None]
        limit = np.where(
            faces.profile[cols][None, :], np.maximum(limit, faces.profile_review), limit
        )
        lenient = (faces.distance[cols, s][None, :] <= limit).any(axis=1)
        missed_lenient += ~(caught | lenient)
    # Decisions are counted only where nothing is missed, even leniently (a missed
    # strictly is missed leniently too): most combinations miss someone.
    rows = np.nonzero(missed_lenient == 0)[0]
    if not len(rows):
        return FlagSummary(fs, wrong, -1, (), -1, -1)
    ns = len(faces.students)
    pair_seen = np.zeros((len(rows), table.none + 1), dtype=bool)
    group_seen = np.zeros((len(rows), table.none + 1), dtype=bool)
    for g, s in reached_pairs:
        pair_seen[:, g * ns + s] = True
        group_seen[:, g] = True
    every = np.arange(len(rows))[:, None]
    pair_seen[every, table.pair[rows][:, free]] = True
    group_seen[every, table.group[rows][:, free]] = True
    pairs = pair_seen[:, :-1].sum(axis=1)
    group_count = group_seen[:, :-1].sum(axis=1)
    ok = missed[rows] == 0
    if not ok.any():
        return FlagSummary(fs, wrong, -1, (), -1, int(pairs.min()))
    best = int(np.argmin(np.where(ok, pairs, np.iinfo(np.int64).max)))
    return FlagSummary(
        flags=fs,
        wrong=wrong,
        best_decisions=int(pairs[best]),
        best_review=tuple(float(v) for v in table.reviews[rows[best]]),
        best_groups=int(group_count[ok].min()),
        best_decisions_lenient=int(pairs.min()),
    )


def _representative(faces: CheckFaces, fs: FlagSet) -> tuple[float, ...]:
    """Of the flag combinations that give ``fs``, the one nearest today's distances."""
    today = np.array([p[0] for p in faces.product])
    values = fs.combos
    k = int(np.argmin(np.abs(values - today).sum(axis=1)))
    return tuple(float(v) for v in values[k])


# ---------------------------------------------------------------- distances (5)


#: Whose face a review finding is on, in review_distances.
SELF, OTHER_OPTED_OUT, NOT_OPTED_OUT = "the child", "another opted-out child", "not opted out"


def review_distances(
    faces: CheckFaces, flag: Sequence[float], review: Sequence[float]
) -> dict[str, dict[str, list[float]]]:
    """At one setting, per band: the distances (face to the finding's student) of the
    review findings, by whose face it is: the student's own (an appearance only review
    catches), another opted-out child's, or a child who is not opted out. Findings a
    face group adds are left out: they are caught by the group, whatever their distance."""
    found = findings(faces, flag, review)
    opted = set(faces.students)
    kinds = (SELF, OTHER_OPTED_OUT, NOT_OPTED_OUT)
    out: dict[str, dict[str, list[float]]] = {b: {k: [] for k in kinds} for b in faces.bands}
    for x in np.nonzero(found.review >= 0)[0]:
        s = int(found.review[x])
        who = faces.person[x]
        kind = (
            SELF if who == faces.students[s] else OTHER_OPTED_OUT if who in opted else NOT_OPTED_OUT
        )
        out[faces.bands[int(faces.band_of[s])]][kind].append(round(float(faces.distance[x, s]), 3))
    for lists in out.values():
        for values in lists.values():
            values.sort()
    return out


# ------------------------------------------------------------------------- run


@dataclass(frozen=True)
class Sweep:
    faces: CheckFaces
    #: At the distances the product uses today.
    today: Outcome
    #: Every distinct set of flags, at its best review distances.
    summaries: list[FlagSummary]


def todays(faces: CheckFaces) -> tuple[list[float], list[float]]:
    """The flag and the review distance per band the product judges with today."""
    return [p[0] for p in faces.product], [p[1] for p in faces.product]


def sweep(faces: CheckFaces) -> Sweep:
    table = review_table(faces)
    summaries = [summarize(faces, fs, table) for fs in flag_sets(faces)]
    return Sweep(faces, replay(faces, *todays(faces)), summaries)


def check_product(faces: CheckFaces) -> None:
    """The replay at today's distances decides every face as the product does."""
    found = findings(faces, *todays(faces))
    student = np.where(found.flagged >= 0, found.flagged, found.review)
    if not (
        np.array_equal(student, faces.product_student)
        and np.array_equal(found.flagged >= 0, faces.product_flagged)
    ):
        bad = np.nonzero(student != faces.product_student)[0]
        raise AssertionError(f"the replay decides faces {bad.tolist()} unlike the product")


def best_outcomes(result: Sweep) -> dict[str, Outcome | None]:
    """The settings the report names, each replayed plainly (and checked against the
    sweep's own count)."""
    faces = result.faces
    feasible = [s for s in result.summaries if s.best_decisions >= 0]

    def outcome(s: FlagSummary) -> Outcome:
        flag = _representative(faces, s.flags)
        review = s.best_review
        o = replay(faces, flag, review)
        assert o.missed == 0 and o.decisions == s.best_decisions, (o, s)
        assert o.flagged_wrongly == s.wrong, (o, s)
        return o

    limit = MAX_DECISIONS_PER_FILE * len(faces.files)
    out: dict[str, Outcome | None] = {}
    meets = [s for s in feasible if s.wrong <= MAX_WRONG_FLAGS and s.best_decisions <= limit]
    out["meets_issue"] = outcome(min(meets, key=lambda s: s.best_decisions)) if meets else None
    assert out["meets_issue"] is None or out["meets_issue"].meets_issue()
    out["fewest_decisions"] = outcome(min(feasible, key=lambda s: (s.best_decisions, s.wrong)))
    out["fewest_wrong"] = outcome(min(feasible, key=lambda s: (s.wrong, s.best_decisions)))
    capped = [s for s in feasible if s.wrong <= MAX_WRONG_FLAGS]
    out["fewest_decisions_wrong_le_2"] = (
        outcome(min(capped, key=lambda s: s.best_decisions)) if capped else None
    )
    return out


def pareto(result: Sweep) -> list[dict[str, int]]:
    """For each number of wrongly flagged files: the fewest decisions of any setting
    with none missed and at most that many wrong flags, counted the three ways (each
    minimum on its own: they may come from different settings). Only the numbers at
    which the fewest decisions drop are listed."""
    rows: list[dict[str, int]] = []
    big = 10**9
    for w in range(max(s.wrong for s in result.summaries) + 1):
        within = [s for s in result.summaries if s.wrong <= w]
        row = {
            "wrong_at_most": w,
            "decisions": min(
                (s.best_decisions for s in within if s.best_decisions >= 0), default=big
            ),
            "groups": min((s.best_groups for s in within if s.best_groups >= 0), default=big),
            "lenient": min(
                (s.best_decisions_lenient for s in within if s.best_decisions_lenient >= 0),
                default=big,
            ),
        }
        if not rows or row["decisions"] < rows[-1]["decisions"]:
            rows.append(row)
    return rows


def _fmt(values: Sequence[float]) -> str:
    return "/".join(f"{v:.3f}" for v in values)


def report(result: Sweep, school_counts: dict[str, Any] | None) -> dict[str, Any]:
    faces = result.faces
    files = len(faces.files)
    best = best_outcomes(result)
    today = result.today
    bands = ", ".join(faces.bands)
    combos = len(FLAG_GRID) ** len(faces.bands) * len(REVIEW_GRID) ** len(faces.bands)
    print(
        f"\nChildren's school ({len(faces.students)} opted-out students with references, "
        f"bands {bands}; {files} files, {len(faces.file)} faces, "
        f"{int(faces.group.max())} face groups); {len(faces.opted_appearances)} opted-out "
        f"appearances. Swept: flag {FLAG_GRID[0]}-{FLAG_GRID[-1]} step 0.005 and review "
        f"{REVIEW_GRID[0]}-{REVIEW_GRID[-1]} step 0.01 per band: {combos:,} settings "
        f"({len(result.summaries)} distinct sets of flags)."
    )
    print(
        "\n| setting (flag / review per band: " + bands + ") | missed | wrong-flag files "
        "| decisions (a) | per file | groups (b) |"
    )
    print("|---|---|---|---|---|---|")
    labels = {
        "meets_issue": "(1) meets all three",
        "fewest_decisions": "(2) fewest decisions, 0 missed",
        "fewest_wrong": "(3) fewest wrong flags, 0 missed",
        "fewest_decisions_wrong_le_2": "fewest decisions, 0 missed, <= 2 wrong",
    }
    for key, label in [("today", "(4) today"), *labels.items()]:
        o = today if key == "today" else best[key]
        if o is None:
            print(f"| {label} | none in the grid | | | | |")
            continue
        print(
            f"| {label}: {_fmt(o.flag)} / {_fmt(o.review)} | {o.missed} | {o.flagged_wrongly} "
            f"| {o.decisions} | {o.per_file:.2f} | {o.decision_groups} |"
        )
    print("\nFewest decisions with 0 missed, by wrongly flagged files (every setting in the grid):")
    print(
        "| wrong-flag files at most | decisions (a) | per file | groups (b) "
        "| (a), also_students counted as caught |"
    )
    print("|---|---|---|---|---|")
    for row in pareto(result):
        print(
            f"| {row['wrong_at_most']} | {row['decisions']} | {row['decisions'] / files:.2f} "
            f"| {row['groups']} | {row['lenient']} |"
        )
    if school_counts is not None:
        same = (
            len(school_counts["missed"]) == today.missed
            and school_counts["flagged_wrongly"] == today.flagged_wrongly
            # children_school counts rows of "Faces to look at": face groups, (b).
            and school_counts["review_decisions"] == today.decision_groups
        )
        print(
            f"\nchildren_school (the real check) at today's distances: "
            f"{len(school_counts['missed'])} missed, {school_counts['flagged_wrongly']} wrong, "
            f"{school_counts['review_decisions']} decisions: "
            + ("the same as the replay" if same else "**NOT the same as the replay**")
        )
    dists = review_distances(faces, *todays(faces))
    print("\n(5) At today's distances, the review findings' distances (face to its student):")
    for band, lists in dists.items():
        own = lists[SELF]
        for kind, values in lists.items():
            print(f"- {band}, {kind} ({len(values)}): {values}")
        if own:
            others = lists[OTHER_OPTED_OUT] + lists[NOT_OPTED_OUT]
            nearer = sum(d <= own[-1] for d in others)
            print(
                f"  a review distance that catches the farthest own face ({own[-1]}) also "
                f"takes {nearer} of the {len(others)} others' faces"
            )
    return {
        "files": files,
        "faces": len(faces.file),
        "bands": list(faces.bands),
        "product_distances": [list(p) for p in faces.product],
        "settings_swept": combos,
        "today": asdict(today),
        "best": {k: asdict(v) if v else None for k, v in best.items()},
        "pareto": pareto(result),
        "review_distances_today": dists,
        "children_school": school_counts,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="skip the real check at today's distances (children_school, about 10 s)",
    )
    args = parser.parse_args(argv)
    if not cs.CHILDREN.is_dir():
        raise SystemExit(f"the children's fixtures are missing at {cs.CHILDREN}")
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        school, home = cs.enrolled(base)
        faces = collect(base, school, home)
        # The real check of the same photos with the same references, to compare.
        school_counts = None if args.no_check else cs.judge(school, cs.checked(base, home))
    check_product(faces)
    t1 = time.monotonic()
    result = sweep(faces)
    t2 = time.monotonic()
    numbers = report(result, school_counts.as_json() if school_counts else None)
    print(f"\n(measured in {t1 - t0:.0f} s, swept in {t2 - t1:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
