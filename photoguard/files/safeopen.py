"""Opening a file that was a regular file when the walk met it, without ever blocking.

Between the walk and the read, a file can be swapped for a named pipe; a plain
``open()`` of a pipe waits forever for a writer, and the scan would never end.
Files are opened non-blocking and checked to be regular files once open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFile(OSError):
    """The path is not (or no longer) a regular file."""


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading; raise NotRegularFile for anything but a file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{path} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
