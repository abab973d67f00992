"""The arithmetic of ``make bench-accuracy``: rates, ROC points, the EER and the threshold rule.

Pure functions of two lists of face distances: *same* (pairs of photos of one person)
and *different* (pairs of two people). A pair is *within* a distance ``t`` when its
distance is ``<= t``, the comparison the scan makes (scan/verdict.py). Every distance
proposed here lies on a grid of 0.001 (``k / 1000``), as a threshold in settings.py
would be written; a rate is the share of pairs within that grid distance.

- *true-match rate* at ``t``: share of same-person pairs within ``t``;
- *false-match rate* at ``t``: share of different-person pairs within ``t``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Distances are proposed in steps of 1 / GRID_STEPS_PER_UNIT.
GRID_STEPS_PER_UNIT = 1000
#: The largest distance considered (dlib encodings of faces are rarely 1.2 apart).
GRID_MAX = 2.0
#: Rates are compared as counts: a share of n pairs is met by the nearest whole count,
#: with this much slack for the floating-point product rate x n.
_SLACK = 1e-9

Distances = Sequence[float] | npt.NDArray[np.float64]


def _grid() -> npt.NDArray[np.float64]:
    steps = round(GRID_MAX * GRID_STEPS_PER_UNIT)
    return np.arange(steps + 1, dtype=np.float64) / GRID_STEPS_PER_UNIT


def _within_counts(distances: Distances, grid: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """For each grid distance, how many of ``distances`` are ``<=`` it."""
    ordered = np.sort(np.asarray(distances, dtype=np.float64))
    return np.searchsorted(ordered, grid, side="right").astype(np.int64)


def rate_within(distances: Distances, t: float) -> float:
    """The share of ``distances`` that are ``<= t`` (0.0 for no distances)."""
    values = np.asarray(distances, dtype=np.float64)
    if not values.size:
        return 0.0
    return float(np.count_nonzero(values <= t)) / values.size


def flag_distance(different: Distances, max_false_rate: float) -> float | None:
    """The largest grid distance at which at most ``max_false_rate`` of the
    different-person pairs are within it; None when there are no such pairs, or when
    even distance 0 lets more through (identical encodings of two people)."""
    n = len(different)
    if not n:
        return None
    allowed = math.floor(max_false_rate * n + _SLACK)
    grid = _grid()
    ok = np.nonzero(_within_counts(different, grid) <= allowed)[0]
    return float(grid[ok[-1]]) if ok.size else None


def review_distance(same: Distances, min_true_rate: float) -> float | None:
    """The smallest grid distance within which at least ``min_true_rate`` of the
    same-person pairs lie; None when there are no such pairs or none is wide enough."""
    n = len(same)
    if not n:
        return None
    needed = math.ceil(min_true_rate * n - _SLACK)
    grid = _grid()
    ok = np.nonzero(_within_counts(same, grid) >= needed)[0]
    return float(grid[ok[0]]) if ok.size else None


@dataclass(frozen=True)
class RocPoint:
    """The operating point for a false-match rate asked for."""

    asked_false_rate: float
    #: flag_distance(different, asked_false_rate); None if there is none.
    distance: float | None
    #: What is measured there (false_rate <= asked_false_rate).
    true_rate: float | None
    false_rate: float | None


def roc_point(same: Distances, different: Distances, false_rate: float) -> RocPoint:
    """The true-match rate at the widest distance that keeps false matches at or under
    ``false_rate``."""
    t = flag_distance(different, false_rate)
    if t is None or not len(same):
        return RocPoint(false_rate, t, None, None if t is None else rate_within(different, t))
    return RocPoint(false_rate, t, rate_within(same, t), rate_within(different, t))


@dataclass(frozen=True)
class EqualError:
    """Where misses (same-person pairs beyond the distance) and false matches are about
    equal: ``rate`` is their mean at ``distance``."""

    rate: float
    distance: float
    false_rate: float
    miss_rate: float


def equal_error(same: Distances, different: Distances) -> EqualError | None:
    """The grid distance where the false-match rate and the miss rate are closest
    (the smallest such distance on a tie); None without both kinds of pairs."""
    if not len(same) or not len(different):
        return None
    grid = _grid()
    false = _within_counts(different, grid) / len(different)
    miss = 1.0 - _within_counts(same, grid) / len(same)
    i = int(np.argmin(np.abs(false - miss)))
    return EqualError(
        float((false[i] + miss[i]) / 2), float(grid[i]), float(false[i]), float(miss[i])
    )


@dataclass(frozen=True)
class Proposal:
    """The threshold rule of issue 18 applied to one age band.

    *review*: the smallest distance within which at least ``catch_rate`` of same-person
    pairs taken at most a year apart lie (so that many are at least sent to a person);
    *flag*: the largest distance at which at most ``max_false_rate`` of the
    different-person pairs of the band lie. When flag comes out wider than review,
    review is widened to flag (a face that is flagged is not less than reviewed):
    ``review_used``.
    """

    review: float | None
    flag: float | None
    review_used: float | None


def propose(
    same_recent: Distances, different: Distances, catch_rate: float, max_false_rate: float
) -> Proposal:
    review = review_distance(same_recent, catch_rate)
    flag = flag_distance(different, max_false_rate)
    used = review if flag is None or review is None else max(review, flag)
    return Proposal(review, flag, used)
