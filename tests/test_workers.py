"""A decoder that crashes, hangs or misbehaves fails only the file it was reading.

The pool runs real worker processes with the functions in crashers.py: a task
that segfaults, aborts, hangs, raises, exits or returns something that cannot be
sent back comes back as a WorkerFailure with a plain reason, and every other
task in the same run still completes.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import crashers
import pytest

from photoguard.scan.failure import WorkerFailure
from photoguard.scan.workers import MEMORY_HEADROOM, WorkerPool

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals"),
]

GOOD = ["a", "b", "c", "d"]


def run_all(labels: list[str], **pool_args: Any) -> dict[str, Any]:
    """Run ``crashers.work`` over ``labels`` and map each label to what came back."""
    with WorkerPool(crashers.work, **({"processes": 2} | pool_args)) as pool:
        got = dict(pool.run((label, (label,)) for label in labels))
    assert sorted(got) == sorted(labels), "every task must come back, good or failed"
    return got


def assert_good_ones_done(got: dict[str, Any]) -> None:
    for label in GOOD:
        assert got[label] == f"done:{label}", (label, got[label])


def failure(got: dict[str, Any], label: str) -> str:
    result = got[label]
    assert isinstance(result, WorkerFailure), (label, result)
    return result.reason


def test_a_segfault_in_a_decoder_fails_that_file_and_the_rest_are_checked() -> None:
    got = run_all(["a", "segfault", "b", "c", "d"])
    assert_good_ones_done(got)
    assert failure(got, "segfault") == "the decoder crashed while reading this file (SIGSEGV)"


def test_an_abort_in_a_decoder_is_named() -> None:
    got = run_all(["a", "abort", "b", "c", "d"])
    assert_good_ones_done(got)
    assert failure(got, "abort") == "the decoder crashed while reading this file (SIGABRT)"


def test_a_hanging_decoder_is_stopped_after_the_timeout() -> None:
    got = run_all(["hang", *GOOD], timeout_s=2)
    assert_good_ones_done(got)
    assert failure(got, "hang") == "checking this file took longer than 2 s, so it was stopped"


def test_several_crashes_in_one_run_each_fail_only_their_own_file() -> None:
    labels = ["segfault", "a", "hang", "b", "abort", "c", "exit", "d", "raise"]
    got = run_all(labels, timeout_s=2)
    assert_good_ones_done(got)
    assert "SIGSEGV" in failure(got, "segfault")
    assert "SIGABRT" in failure(got, "abort")
    assert "longer than 2 s" in failure(got, "hang")
    assert "exit status 3" in failure(got, "exit")
    assert failure(got, "raise") == "ValueError: bad huffman table"


def test_an_exception_comes_back_as_one_line() -> None:
    got = run_all(["raise", *GOOD], processes=1)
    assert_good_ones_done(got)
    assert failure(got, "raise") == "ValueError: bad huffman table"


def test_a_worker_that_exits_is_reported_with_its_status() -> None:
    got = run_all(["exit", *GOOD], processes=1)
    assert_good_ones_done(got)
    assert failure(got, "exit") == (
        "the process checking this file stopped unexpectedly (exit status 3)"
    )


def test_a_result_that_cannot_be_sent_back_is_a_failure() -> None:
    got = run_all(["unpicklable", *GOOD], processes=1)
    assert_good_ones_done(got)
    assert failure(got, "unpicklable").startswith("the result could not be sent back")


def test_a_task_that_cannot_be_handed_over_is_a_failure() -> None:
    with WorkerPool(crashers.work, processes=1) as pool:
        tasks = [("a", ("a",)), ("bad", (lambda: None,)), ("b", ("b",))]
        got = dict(pool.run(tasks))
    assert got["a"] == "done:a" and got["b"] == "done:b"
    assert isinstance(got["bad"], WorkerFailure)
    assert got["bad"].reason.startswith("could not be handed to a worker process")


def _wait_until_dead(pid: int) -> None:
    for _ in range(500):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not die")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_worker_killed_between_files_is_replaced() -> None:
    with WorkerPool(crashers.pid, processes=1) as pool:
        ((_, first),) = list(pool.run([("one", ("one",))]))
        os.kill(first, signal.SIGKILL)  # e.g. the system's out-of-memory killer
        _wait_until_dead(first)
        ((_, second),) = list(pool.run([("two", ("two",))]))
    assert isinstance(second, int) and second != first


def test_cancelling_stops_hung_workers_and_returns() -> None:
    results = []
    with WorkerPool(crashers.work, processes=2, timeout_s=600) as pool:
        for key, value in pool.run(
            [(label, (label,)) for label in ["hang", "a", "hang2", "b", "c", "d"]],
            cancelled=lambda: len(results) >= 1,
        ):
            results.append((key, value))
    # Without cancellation this would wait 600 s for the hung task; the test's
    # timeout fails it if cancelling does not stop the workers.
    assert results and all(value == f"done:{key}" for key, value in results)
    assert len(results) < 6


def test_workers_have_an_address_space_limit() -> None:
    assert MEMORY_HEADROOM is not None
    ask = 1 << 30  # 1 GiB of address space, never touched
    limited = run_all([f"allocate:{ask}", *GOOD], processes=1, memory_headroom=512 << 20)
    assert_good_ones_done(limited)
    assert failure(limited, f"allocate:{ask}").startswith("MemoryError")
    unlimited = run_all([f"allocate:{ask}"], processes=1, memory_headroom=None)
    assert unlimited[f"allocate:{ask}"] == f"allocated:{ask}"


def test_a_temporary_folder_too_long_for_the_fork_servers_socket_is_one_sentence(
    tmp_path: Path,
) -> None:
    """With TMPDIR longer than a Unix socket path allows, every worker used to fail with
    "AF_UNIX path too long"; the scan now refuses before starting, saying what to do."""
    import subprocess
    import sys

    long_tmp = tmp_path / ("t" * 90)
    long_tmp.mkdir()
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,Last Name,First Name,Privacy Law Opt-Out\n1,Doe,Jane,N\n")
    photoguard = [sys.executable, "-m", "photoguard", "--home", str(tmp_path / "home")]
    subprocess.run([*photoguard, "roster", "import", str(roster)], check=True, timeout=120)
    done = subprocess.run(
        [*photoguard, "scan", str(photo)],
        env={**os.environ, "TMPDIR": str(long_tmp)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "has too long a path for photoguard's worker processes" in lines[0]
    assert "set TMPDIR to a shorter folder" in lines[0]
