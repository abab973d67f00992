"""Running a safe copy's heavy work in worker processes, as a scan does.

Decoding, covering and detection run in workers (:func:`work` is what each one
does); the parent holds the references and the database. :class:`Runner` hands
tasks to the pool, waits for them in order, and turns a failure or a cancel into
one sentence for the person making the copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.errors import UserError
from photoguard.media import MediaError
from photoguard.safecopy.photo import render_photo
from photoguard.safecopy.video import VideoScan, chunks, probe, render_video, scan_frames
from photoguard.scan.analysis import analyze_file
from photoguard.scan.workers import WorkerFailure, WorkerPool

if TYPE_CHECKING:
    from photoguard.scan.workers import CancelToken

#: How long one worker task (a render, a range of frames) may take, seconds.
TASK_TIMEOUT_S = 3600.0


def work(task: str, *args: Any) -> Any:
    """What a worker process does for a safe copy. Media errors come back as values."""
    try:
        if task == "analyze":
            return analyze_file(*args)
        if task == "render_photo":
            return render_photo(*args)
        if task == "probe":
            return probe(*args)
        if task == "scan_frames":
            return scan_frames(*args)
        if task == "render_video":
            return render_video(*args)
    except MediaError as exc:
        return WorkerFailure(str(exc))
    except FileExistsError as exc:
        return WorkerFailure(f"{exc.filename} already exists")
    raise ValueError(f"unknown task {task!r}")


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

    def many(self, tasks: list[tuple[Any, ...]]) -> list[Any]:
        """Run tasks in parallel; results in task order. Raises UserError on failure."""
        results: dict[int, Any] = {}
        for key, result in self.pool.run(list(enumerate(tasks)), lambda: self.cancel.cancelled):
            results[key] = result
        if self.cancel.cancelled:
            raise UserError("the safe copy was cancelled; nothing was saved")
        out = [results.get(i) for i in range(len(tasks))]
        for r in out:
            if isinstance(r, WorkerFailure) or r is None:
                reason = r.reason if isinstance(r, WorkerFailure) else "no result"
                raise UserError(f"no safe copy of {self.source.name} was made: {reason}")
        return out

    def one(self, *task: Any) -> Any:
        return self.many([task])[0]

    def scan_video(
        self, path: Path, step: int, declared: int, min_face_px: int, faces: bool
    ) -> VideoScan:
        """Faces in every ``step``-th frame of a video, in parallel ranges."""
        parts = chunks(declared, self.pool.processes, step)
        results = self.many(
            [("scan_frames", path, a, b, step, min_face_px, faces) for a, b in parts]
        )
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
