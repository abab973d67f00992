"""The numbers of ``make bench-accuracy`` for one age band, and the tables it prints.

:func:`band_report` turns a band's pair distances into typed results (benchmarks/roc.py
does the arithmetic); :func:`print_tables` prints them as Markdown, the form the model
card (models/dlib-resnet-v1.md) carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import numpy.typing as npt

from benchmarks import roc
from benchmarks.roc import EqualError, Proposal

#: Years between a same-person pair's photos: (name, fewest, most; None: no upper end).
GAPS: tuple[tuple[str, int, int | None], ...] = (
    ("<=1", 0, 1),
    ("2-3", 2, 3),
    ("4+", 4, None),
)
GAP_NAMES = tuple(g for g, _, _ in GAPS)
RECENT_GAP = "<=1"
#: The false-match rates of the ROC points.
FALSE_RATES = (0.001, 0.01, 0.05)
#: The threshold rule of issue 18: review catches at least CATCH_RATE of same-person
#: pairs at most a year apart; flag lets at most MAX_FALSE_FLAG_RATE of the band's
#: different-person pairs through.
CATCH_RATE = 0.99
MAX_FALSE_FLAG_RATE = 0.005
#: How many of the farthest same-person pairs at most a year apart are named.
HARDEST_SHOWN = 3


@dataclass(frozen=True)
class Counts:
    photos: int
    people: int
    same_pairs: int
    different_pairs: int
    same_pairs_by_gap: dict[str, int]


@dataclass(frozen=True)
class Point:
    """An operating point: the distance, and what it does to same-person pairs."""

    #: "0.1 %" etc. of false matches asked for, or "EER".
    name: str
    distance: float | None
    true_rate: float | None
    false_rate: float | None
    true_rate_by_gap: dict[str, float | None]


@dataclass(frozen=True)
class Split:
    """Shares of a set of pairs within the flag distance, between it and the review
    distance, and within either."""

    flagged: float
    review: float
    caught: float


@dataclass(frozen=True)
class Outcome:
    flag_distance: float
    review_distance: float
    same: Split | None
    same_by_gap: dict[str, Split | None]
    different: Split | None


@dataclass(frozen=True)
class BandResult:
    counts: Counts
    roc: list[Point]
    eer: EqualError | None
    eer_point: Point | None
    #: What MATCH_DISTANCE / REVIEW_DISTANCE (settings.py) do in this band.
    current: Outcome
    proposed: Proposal
    #: What the proposed flag and review distances do (None when one is missing).
    proposed_outcome: Outcome | None
    #: The farthest same-person pairs at most a year apart: "distance a / b".
    hardest_recent: list[str]


def split(distances: npt.NDArray[np.float64], flag: float, review: float) -> Split | None:
    if not distances.size:
        return None
    flagged = roc.rate_within(distances, flag)
    caught = roc.rate_within(distances, review)
    return Split(flagged, caught - flagged, caught)


def band_report(
    counts: Counts,
    same: npt.NDArray[np.float64],
    same_gaps: Sequence[str | None],
    same_labels: Sequence[str],
    different: npt.NDArray[np.float64],
    match_distance: float,
    review_distance: float,
) -> BandResult:
    """Every number for one band, from its pairs' distances."""
    by_gap = {g: same[np.array([x == g for x in same_gaps], dtype=bool)] for g in GAP_NAMES}

    def point(name: str, distance: float | None) -> Point:
        if distance is None:
            return Point(name, None, None, None, dict.fromkeys(GAP_NAMES))
        return Point(
            name,
            distance,
            roc.rate_within(same, distance) if same.size else None,
            roc.rate_within(different, distance) if different.size else None,
            {g: roc.rate_within(d, distance) if d.size else None for g, d in by_gap.items()},
        )

    def outcome(flag: float, review: float) -> Outcome:
        return Outcome(
            flag,
            review,
            split(same, flag, review),
            {g: split(d, flag, review) for g, d in by_gap.items()},
            split(different, flag, review),
        )

    points = [
        point(f"{100 * rate:g} %", roc.flag_distance(different, rate)) for rate in FALSE_RATES
    ]
    eer = roc.equal_error(same, different)
    proposal = roc.propose(by_gap[RECENT_GAP], different, CATCH_RATE, MAX_FALSE_FLAG_RATE)
    recent = [
        (float(d), label)
        for d, g, label in zip(same, same_gaps, same_labels, strict=True)
        if g == RECENT_GAP
    ]
    hardest = [f"{d:.3f} {label}" for d, label in sorted(recent, reverse=True)[:HARDEST_SHOWN]]
    return BandResult(
        counts=counts,
        roc=points,
        eer=eer,
        eer_point=None if eer is None else point("EER", eer.distance),
        current=outcome(match_distance, review_distance),
        proposed=proposal,
        proposed_outcome=(
            None
            if proposal.flag is None or proposal.review_used is None
            else outcome(proposal.flag, proposal.review_used)
        ),
        hardest_recent=hardest,
    )


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def dist(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _shares(s: Split | None, *names: str) -> list[str]:
    """The named shares of ``s`` as percentages ("-" for no pairs)."""
    values = {} if s is None else {"flagged": s.flagged, "review": s.review, "caught": s.caught}
    return [pct(values.get(n)) for n in names]


def print_tables(bands: dict[str, BandResult], out: TextIO) -> None:
    def p(line: str = "") -> None:
        print(line, file=out)

    p("Photos and pairs:")
    p()
    p("| band | photos | people | same-person pairs | <=1 y apart | 2-3 y | 4+ y | different |")
    p("|---|---|---|---|---|---|---|---|")
    for name, b in bands.items():
        c = b.counts
        gaps = " | ".join(str(c.same_pairs_by_gap[g]) for g in GAP_NAMES)
        p(f"| {name} | {c.photos} | {c.people} | {c.same_pairs} | {gaps} | {c.different_pairs} |")
    p()
    p("ROC points: the widest distance at which false matches (different people of the band)")
    p("stay at or under a rate, and the share of same-person pairs within it (true matches):")
    p()
    p("| band | false matches | distance | true matches | <=1 y apart | 2-3 y | 4+ y |")
    p("|---|---|---|---|---|---|---|")
    for name, b in bands.items():
        for pt in [*b.roc, *([b.eer_point] if b.eer_point else [])]:
            if pt.name == "EER" and b.eer is not None:
                asked = f"EER {pct(b.eer.rate)}"
            else:
                asked = f"{pt.name} (measured {pct(pt.false_rate)})"
            gaps = " | ".join(pct(pt.true_rate_by_gap[g]) for g in GAP_NAMES)
            p(f"| {name} | {asked} | {dist(pt.distance)} | {pct(pt.true_rate)} | {gaps} |")
    for title, outcomes in (
        ("The current single distances (settings.py)", {n: b.current for n, b in bands.items()}),
        ("The rule's distances, per band", {n: b.proposed_outcome for n, b in bands.items()}),
    ):
        p()
        p(f"{title}: shares flagged / sent to review / either (caught):")
        p()
        p(
            "| band | flag within | review within | same person: flagged | review | caught "
            "| <=1 y apart: flagged | caught | 2-3 y: caught | 4+ y: caught "
            "| different people: flagged | review |"
        )
        p("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, o in outcomes.items():
            if o is None:
                p(f"| {name} |" + " - |" * 11)
                continue
            s, d, g = o.same, o.different, o.same_by_gap
            cells = [
                dist(o.flag_distance),
                dist(o.review_distance),
                *_shares(s, "flagged", "review", "caught"),
                *_shares(g[RECENT_GAP], "flagged", "caught"),
                *_shares(g["2-3"], "caught"),
                *_shares(g["4+"], "caught"),
                *_shares(d, "flagged", "review"),
            ]
            p(f"| {name} | " + " | ".join(cells) + " |")
    p()
    p(
        f"The rule: review within the smallest distance that holds at least "
        f"{100 * CATCH_RATE:g} % of same-person pairs at most a year apart; flag within "
        f"the largest that holds at most {100 * MAX_FALSE_FLAG_RATE:g} % of different-person "
        "pairs of the band (where flag comes out wider, review is widened to it):"
    )
    p()
    p("| band | review distance | flag distance | farthest same-person pairs <=1 y apart |")
    p("|---|---|---|---|")
    for name, b in bands.items():
        pr = b.proposed
        p(
            f"| {name} | {dist(pr.review_used)} | {dist(pr.flag)} "
            f"| {'; '.join(b.hardest_recent) or '-'} |"
        )
