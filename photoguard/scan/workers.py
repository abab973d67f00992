"""Worker processes that decode and detect, isolated from the parent and from each other.

A codec that crashes (a segfault in a decoder) or hangs takes down only the
worker holding that one file: the file comes back as a :class:`WorkerFailure`
with a plain reason, a fresh worker takes its place, and the scan goes on.
Workers never open the database; they return values.

Each worker may map at most :data:`MEMORY_HEADROOM` bytes more than it had when
it started (an address-space limit, where the system has one): a file that would
need more makes that one file an error instead of exhausting the machine.

Workers are started from a fork server on Linux (cheap, and safe when the
parent has threads, as the desktop app does) and spawned elsewhere.
"""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from photoguard.errors import UserError
from photoguard.scan.failure import WorkerFailure


class CancelToken:
    """Set from any thread; the scan (or a safe copy) stops before the next file."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


#: How long one file may take before its worker is stopped and the file is an error.
DEFAULT_TIMEOUT_S = 300.0
#: Address space a worker may add to what it has at start (dlib, OpenCV and numpy
#: loaded: about 0.6-0.9 GB). Decoding the largest photo allowed (media.MAX_PIXELS,
#: 16-bit) needs about 1.5 GB more; 3 GiB leaves room without letting one file take
#: the whole machine. None: no limit.
MEMORY_HEADROOM: int | None = 3 << 30


Task = tuple[Any, tuple[Any, ...]]  # (key, args)
Fn = Callable[..., Any]


#: Each worker is one process per core already: numpy's BLAS (which runs the face
#: network, see encoder.py) must not start threads of its own in every worker.
#: Read by OpenBLAS when numpy is imported, so it is set before any worker (or the
#: fork server they come from) starts; a value the user set is kept.
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: OpenCV's own FFmpeg (safe copies still read and write videos with it) prints its
#: decoder's complaints on the terminal unless told not to (-8 is AV_LOG_QUIET). The
#: scan decodes with PyAV, whose FFmpeg log is off unless asked for.
_QUIET_FFMPEG = {"OPENCV_FFMPEG_LOGLEVEL": "-8"}


#: The longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL).
_SOCKET_PATH_MAX = 107
#: What multiprocessing adds to the temporary folder for the fork server's socket:
#: ``/pymp-XXXXXXXX/listener-XXXXXXXX``.
_SOCKET_SUFFIX = len("/pymp-xxxxxxxx/listener-xxxxxxxx")


def _check_temp_folder() -> None:
    """Refuse, in one sentence, a temporary folder whose path is too long for the fork
    server's socket (otherwise every worker fails with "AF_UNIX path too long")."""
    import tempfile

    folder = tempfile.gettempdir()
    if len(os.fsencode(folder)) + _SOCKET_SUFFIX > _SOCKET_PATH_MAX:
        raise UserError(
            f"the temporary folder {folder} has too long a path for photoguard's worker "
            "processes: set TMPDIR to a shorter folder, such as /tmp"
        )


def _context() -> Any:
    for name, value in {**_ONE_THREAD, **_QUIET_FFMPEG}.items():
        os.environ.setdefault(name, value)
    if "forkserver" in mp.get_all_start_methods() and sys.platform != "darwin":
        _check_temp_folder()
        # The module object, not its name: the fork server ignores a preload it cannot
        # import, so a renamed module would silently lose the warm-up; this fails loudly.
        from photoguard.scan import analysis

        # onnxruntime with its telemetry off (about a second to import): named, not
        # imported, so this process does not load it; checked to exist all the same.
        runtime = "photoguard.faces.runtime"
        if importlib.util.find_spec(runtime) is None:  # pragma: no cover - a rename
            raise AssertionError(f"{runtime} is gone: the workers' warm-up must name it")
        ctx = mp.get_context("forkserver")
        preload = [analysis.__name__, runtime, "numpy", "cv2", "dlib"]
        ctx.set_forkserver_preload(preload)
        return ctx
    return mp.get_context("spawn")


def _mapped_bytes() -> int | None:
    """This process's address space now (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def limit_memory(headroom: int | None) -> None:
    """Let this process map at most ``headroom`` more bytes (where the OS allows a limit)."""
    if headroom is None:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    mapped = _mapped_bytes()
    if mapped is None:
        return
    limit = mapped + headroom
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def warm_up() -> None:
    """Start the worker server now (Linux: the fork server, with numpy, OpenCV and dlib
    imported), so the first scan does not wait for it. Safe to call more than once.
    Where the workers cannot start (a temporary folder too long), it does nothing: the
    scan itself then refuses with the reason."""
    try:
        ctx = _context()
    except UserError:
        return
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _worker_main(conn: Connection, fn: Fn, memory_headroom: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import cv2

        cv2.setNumThreads(1)  # one process per core already
    except Exception:  # pragma: no cover - cv2 is a dependency
        pass
    limit_memory(memory_headroom)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, args = message
        try:
            result: Any = fn(*args)
        except BaseException as exc:  # report, never die silently
            text = str(exc).splitlines()[0] if str(exc) else ""
            result = WorkerFailure(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
        try:
            conn.send((key, result))
        except Exception as exc:
            conn.send((key, WorkerFailure(f"the result could not be sent back ({exc})")))


class _Worker:
    def __init__(self, ctx: Any, fn: Fn, memory_headroom: int | None) -> None:
        parent, child = ctx.Pipe()
        self.conn: Connection = parent
        self.process = ctx.Process(
            target=_worker_main, args=(child, fn, memory_headroom), daemon=True
        )
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def assign(self, task: Task) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send(task)

    def stop(self, force: bool = False) -> None:
        if force:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == getattr(signal, "SIGKILL", None):
            return (
                "the process checking this file was killed (SIGKILL; the system may "
                "have run out of memory)"
            )
        return f"the decoder crashed while reading this file ({name})"
    return f"the process checking this file stopped unexpectedly (exit status {exitcode})"


class WorkerPool:
    """Run ``fn(*args)`` for many tasks on ``processes`` workers; results in completion order."""

    def __init__(
        self,
        fn: Fn,
        processes: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_headroom: int | None = MEMORY_HEADROOM,
    ) -> None:
        self.fn = fn
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self.memory_headroom = memory_headroom
        self._ctx = _context()
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, force: bool = False) -> None:
        for w in self._workers:
            w.stop(force=force or w.task is not None)
        self._workers = []

    def run(
        self, tasks: Iterable[Task], cancelled: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(key, result or WorkerFailure)`` for every task, unless cancelled."""
        pending = iter(tasks)
        exhausted = False
        while True:
            if cancelled():
                self.close(force=True)
                return
            # Keep every worker busy.
            while not exhausted and sum(1 for w in self._workers if w.task is None) + (
                self.processes - len(self._workers)
            ):
                task = next(pending, None)
                if task is None:
                    exhausted = True
                    break
                failure = self._assign(task)
                if failure is not None:
                    yield task[0], failure
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                return
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + self.timeout_s for w in busy) - now)
            ready = wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy],
                timeout=min(wait_for, 0.25),
            )
            for w in busy:
                assert w.task is not None
                key = w.task[0]
                if w.conn in ready:
                    try:
                        got_key, result = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(timeout=1)
                        yield key, WorkerFailure(_death_reason(w.process.exitcode))
                        self._replace(w)
                        continue
                    w.task = None
                    yield got_key, result
                elif w.process.sentinel in ready or not w.process.is_alive():
                    w.process.join(timeout=1)
                    yield key, WorkerFailure(_death_reason(w.process.exitcode))
                    self._replace(w)
                elif time.monotonic() - w.started > self.timeout_s:
                    yield (
                        key,
                        WorkerFailure(
                            f"checking this file took longer than {self.timeout_s:g} s, "
                            "so it was stopped"
                        ),
                    )
                    self._replace(w)

    def _assign(self, task: Task) -> WorkerFailure | None:
        """Hand ``task`` to an idle or new worker; a failure if it cannot be handed over."""
        for _attempt in range(2):
            idle = next((w for w in self._workers if w.task is None), None)
            if idle is None:
                idle = _Worker(self._ctx, self.fn, self.memory_headroom)
                self._workers.append(idle)
            try:
                idle.assign(task)
                return None
            except OSError:
                # The idle worker died since its last task: start a fresh one and retry.
                self._replace(idle)
            except Exception as exc:  # the task's arguments cannot be sent (pickling)
                idle.task = None
                return WorkerFailure(f"could not be handed to a worker process ({exc})")
        return WorkerFailure("no worker process could be started for this file")

    def _replace(self, worker: _Worker) -> None:
        worker.task = None
        worker.stop(force=True)
        self._workers.remove(worker)
