"""The per-band distance sweep (benchmarks/children_sweep.py): its fast search gives what
replaying each setting plainly gives (on made-up faces), and its plain replay at the
product's distances gives what the real check gives (on part of the real children's
school)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from benchmarks import children_school as cs
from benchmarks import children_sweep as sw
from photoguard.scan.groups import CheckedFace
from photoguard.vocab import AgeBand
from photoguard.workspace.settings import Settings

FLAGS = (0.45, 0.50, 0.55)
REVIEWS = (0.50, 0.58, 0.66)


def _made_up(seed: int) -> sw.CheckFaces:
    """Four opted-out students in two bands and two who are not, in 10 files; each
    face near its own student's reference and farther from the others; random groups
    that span files; some faces turned away."""
    rng = np.random.default_rng(seed)
    students = ("A", "B", "C", "D")
    people = (*students, "x", "y")
    truth = [
        frozenset(rng.choice(people, size=rng.integers(1, 3), replace=False)) for _ in range(10)
    ]
    checked, person, rows = [], [], []
    for i, members in enumerate(truth):
        for k, who in enumerate(sorted(members)):
            checked.append(CheckedFace(i, k, (None, None), np.zeros(128)))
            person.append(who)
            rows.append(
                [rng.uniform(0.40, 0.62) if who == s else rng.uniform(0.46, 0.75) for s in students]
            )
    n = len(checked)
    return sw.CheckFaces(
        files=tuple(f"f{i}.jpg" for i in range(len(truth))),
        truth=tuple(truth),
        students=students,
        bands=("5-8", "9-12"),
        band_of=np.array([0, 0, 1, 1]),
        product=((0.5, 0.6, 0.65), (0.5, 0.6, 0.65)),
        profile_review=0.65,
        checked=tuple(checked),
        file=np.array([c.file for c in checked]),
        group=rng.integers(1, 7, size=n),
        profile=rng.random(n) < 0.2,
        person=tuple(person),
        distance=np.array(rows),
        product_student=np.full(n, -1),
        product_flagged=np.zeros(n, dtype=bool),
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_search_finds_what_replaying_every_setting_finds(seed: int) -> None:
    faces = _made_up(seed)
    table = sw.review_table(faces, REVIEWS)
    sets = sw.flag_sets(faces, FLAGS)
    assert sum(len(fs.combos) for fs in sets) == len(FLAGS) ** 2
    for fs in sets:
        summary = sw.summarize(faces, fs, table)
        for flag in fs.combos:
            outcomes = [
                sw.replay(faces, tuple(flag), review)
                for review in itertools.product(REVIEWS, repeat=2)
            ]
            assert {o.flagged_wrongly for o in outcomes} == {summary.wrong}
            none_missed = [o for o in outcomes if o.missed == 0]
            lenient = [o for o in outcomes if o.missed_lenient == 0]
            assert summary.best_decisions == min((o.decisions for o in none_missed), default=-1)
            assert summary.best_groups == min((o.decision_groups for o in none_missed), default=-1)
            assert summary.best_decisions_lenient == min((o.decisions for o in lenient), default=-1)
            if none_missed:
                best = sw.replay(faces, tuple(flag), summary.best_review)
                assert best.missed == 0 and best.decisions == summary.best_decisions


@pytest.mark.faces
def test_the_replay_at_the_products_distances_is_the_real_check(tmp_path: Path) -> None:
    """On 12 of the school's photos (4 of them of four children): every face decided as
    the product decides it, and the counts of the real check's report, at today's
    distances and at a narrower review."""
    if not cs.CHILDREN.is_dir():
        pytest.skip(f"the children's fixtures are missing at {cs.CHILDREN}")
    school, home = cs.enrolled(tmp_path)
    keep = {f"event_{n:03d}.jpg" for n in range(1, 9)} | {
        f"group_{g:02d}.jpg" for g in (1, 2, 3, 4)
    }
    for path in (tmp_path / "event").iterdir():
        if path.name not in keep:
            path.unlink()
    faces = sw.collect(tmp_path, school, home)
    sw.check_product(faces)
    for review in (None, 0.6):
        real = cs.judge(
            school, cs.checked(tmp_path, home, ["--review-distance", str(review)] if review else [])
        )
        settings = Settings() if review is None else Settings(review_distance=review)
        judged = [settings.distances_for(AgeBand(b)) for b in faces.bands]
        ours = sw.replay(faces, [d.flag for d in judged], [d.review for d in judged])
        assert real.caught_flag and real.caught_review  # the comparison says something
        assert (ours.appearances, ours.caught_flag, ours.caught_review, ours.missed) == (
            real.appearances,
            real.caught_flag,
            real.caught_review,
            len(real.missed),
        )
        # The real check counts what "Faces to look at" shows: one row per face group.
        assert (ours.flagged_wrongly, ours.decision_groups) == (
            real.flagged_wrongly,
            real.review_decisions,
        )
