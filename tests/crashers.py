"""Task functions that misbehave the way a codec can, for the worker-pool tests.

They live in an importable module (not in a test file) because worker processes
import the function by name. Each takes a label and misbehaves only for the
label that names its misbehaviour, so one pool run mixes good and bad tasks.
"""

from __future__ import annotations

import os
import signal
import time


def _no_core_file() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def work(label: str) -> str:
    """Return ``done:<label>``, unless the label asks for trouble."""
    if label in ("segfault", "abort"):
        _no_core_file()
    if label == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)  # what a crashing C decoder looks like
    elif label == "abort":
        os.abort()
    elif label == "hang":
        while True:  # a decoder stuck in a loop
            time.sleep(1)
    elif label == "raise":
        raise ValueError("bad huffman table\nsecond line never shown")
    elif label == "exit":
        os._exit(3)
    elif label == "unpicklable":
        return lambda: None  # cannot be sent back
    elif label.startswith("allocate:"):
        import numpy as np

        nbytes = int(label.split(":", 1)[1])
        block = np.empty(nbytes, dtype=np.uint8)  # address space only, pages untouched
        return f"allocated:{block.nbytes}"
    return f"done:{label}"


def pid(_label: str) -> int:
    """The worker's process id (to show which worker ran a task)."""
    return os.getpid()
