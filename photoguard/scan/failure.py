"""What a worker returns when it could not return a result for its task.

Its own module so that what reads results (scan/verdict.py decides a verdict from
them) does not import the process pool (scan/workers.py) that produces them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerFailure:
    """The worker could not return a result for this task."""

    reason: str
