"""Running a piece of a test as an unprivileged user.

Root reads every file whatever its permissions, and CI runs the suite as root: a
test of "this file cannot be read" must give up root first, or it checks nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The conventional "nobody" user and group.
NOBODY = 65534


@contextmanager
def shared_folder(prefix: str) -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root);
    removed afterwards even if the test locked parts of it."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for folder, dirs, _files in os.walk(base):
            for d in dirs:
                os.chmod(os.path.join(folder, d), 0o755)
        shutil.rmtree(base)


def run_unprivileged(fn: Callable[[], Any]) -> Any:
    """``fn()`` (its result must be JSON), as "nobody" if this process is root."""
    if os.geteuid() != 0:
        return fn()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, send the result, exit without cleanup
        status = 0
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            data = json.dumps(fn()).encode()
            while data:
                data = data[os.write(write_fd, data) :]
        except BaseException:
            status = 1
        os._exit(status)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    assert status == 0, "the unprivileged part of the test failed"
    return json.loads(b"".join(chunks))
