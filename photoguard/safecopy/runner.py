"""Running a safe copy's heavy work in worker processes, as a scan does.

Decoding, covering and detection run in workers (:func:`work` is what each one
does); the parent holds the references and the database. :class:`Runner` hands
tasks to the pool, waits for them in order, and turns a failure or a cancel into
one sentence for the person making the copy.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from photoguard.errors import UserError
from photoguard.formats import Kind
from photoguard.media import MediaError
from photoguard.safecopy.cover import Region
from photoguard.safecopy.photo import PhotoJob, RenderedPhoto, render_photo
from photoguard.safecopy.video import (
    RenderedVideo,
    VideoScan,
    chunks,
    probe,
    render_video,
    scan_frames,
)
from photoguard.scan.analysis import AnalysisOptions, FileAnalysis, analyze_file
from photoguard.scan.failure import WorkerFailure
from photoguard.scan.workers import WorkerPool

if TYPE_CHECKING:
    from photoguard.scan.workers import CancelToken

#: How long one worker task (a render, a range of frames) may take, seconds.
TASK_TIMEOUT_S = 3600.0

R = TypeVar("R")


class Task(ABC, Generic[R]):
    """One piece of a safe copy's work, sent to a worker process (pickled: keep it data)."""

    @abstractmethod
    def run(self) -> R:
        """Done in the worker."""


@dataclass(frozen=True)
class Analyze(Task[FileAnalysis]):
    """The scan's analysis of the original or of the copy."""

    path: Path
    kind: Kind
    options: AnalysisOptions

    def run(self) -> FileAnalysis:
        return analyze_file(self.path, self.kind, self.options)


@dataclass(frozen=True)
class RenderPhoto(Task[RenderedPhoto]):
    job: PhotoJob

    def run(self) -> RenderedPhoto:
        return render_photo(self.job)


@dataclass(frozen=True)
class Probe(Task[tuple[float, int, int, int]]):
    """A video's (fps, declared frame count, width, height)."""

    path: Path

    def run(self) -> tuple[float, int, int, int]:
        return probe(self.path)


@dataclass(frozen=True)
class ScanFrames(Task[VideoScan]):
    """Faces in every ``step``-th frame of [start, stop)."""

    path: Path
    start: int
    stop: int | None
    step: int
    min_face_px: int
    encode: bool

    def run(self) -> VideoScan:
        return scan_frames(
            self.path, self.start, self.stop, self.step, self.min_face_px, self.encode
        )


@dataclass(frozen=True)
class RenderVideo(Task[RenderedVideo]):
    source: Path
    target: Path
    covers: dict[int, list[Region]]
    style: str
    level: int

    def run(self) -> RenderedVideo:
        return render_video(self.source, self.target, self.covers, self.style, self.level)


def work(task: Task[Any]) -> Any:
    """What a worker process does for a safe copy. Media errors come back as values."""
    try:
        return task.run()
    except MediaError as exc:
        return WorkerFailure(str(exc))
    except FileExistsError as exc:
        return WorkerFailure(f"{exc.filename} already exists")


def open_pool(processes: int | None = None) -> WorkerPool:
    """Worker processes for safe copies (use with ``with``; share across many copies)."""
    procs = max(1, processes or os.cpu_count() or 1)
    return WorkerPool(work, processes=procs, timeout_s=TASK_TIMEOUT_S)


class Runner:
    """The tasks of one safe copy (of ``source``), run on ``pool`` until ``cancel``."""

    def __init__(self, pool: WorkerPool, cancel: CancelToken, source: Path) -> None:
        self.pool = pool
        self.cancel = cancel
        self.source = source

    def many(self, tasks: list[Task[R]]) -> list[R]:
        """Run tasks in parallel; results in task order. Raises UserError on failure."""
        results: dict[int, Any] = {}
        jobs = [(i, (task,)) for i, task in enumerate(tasks)]
        for key, result in self.pool.run(jobs, lambda: self.cancel.cancelled):
            results[key] = result
        if self.cancel.cancelled:
            raise UserError("the safe copy was cancelled; nothing was saved")
        out: list[R] = []
        for i in range(len(tasks)):
            r = results.get(i)
            if isinstance(r, WorkerFailure) or r is None:
                reason = r.reason if isinstance(r, WorkerFailure) else "no result"
                raise UserError(f"no safe copy of {self.source.name} was made: {reason}")
            out.append(r)
        return out

    def one(self, task: Task[R]) -> R:
        return self.many([task])[0]

    def scan_video(
        self, path: Path, step: int, declared: int, min_face_px: int, faces: bool
    ) -> VideoScan:
        """Faces in every ``step``-th frame of a video, in parallel ranges."""
        parts = chunks(declared, self.pool.processes, step)
        results = self.many([ScanFrames(path, a, b, step, min_face_px, faces) for a, b in parts])
        scans: list[VideoScan] = results
        for r in scans:
            if r.error:
                raise UserError(f"no safe copy of {self.source.name} was made: {r.error}")
        last = scans[-1]
        return VideoScan(
            fps=last.fps,
            declared_frames=last.declared_frames,
            width=last.width,
            height=last.height,
            frames_read=last.frames_read,
            frames_checked=sum(r.frames_checked for r in scans),
            faces=tuple(f for r in scans for f in r.faces),
        )
