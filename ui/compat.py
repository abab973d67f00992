"""A guard against PySide6 6.12.0's reference-count bug under Python 3.11.

PySide6-Essentials 6.12.0 (the cp310-abi3 wheels) gives up one reference to
``None`` on every call of a method that returns nothing (``label.setText``,
``painter.setPen``...) and one to ``True`` on every signal ``emit``, when run
on Python < 3.12 (3.12 made these objects immortal, so the missing increment
is harmless there). After a few thousand such calls the interpreter aborts with
"Fatal Python error: none_dealloc". 6.11.3 does not do this.

The fix is a dependency pin (``PySide6-Essentials!=6.12.0`` for Python <
3.12). Until then :func:`guard_singletons` detects the bug at start-up and, only
if it is present, makes ``None``, ``True`` and ``False`` as good as immortal
(as Python 3.12 does) by adding a very large count to their reference counts.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: Added to the reference count: far more calls than any session makes (2**40).
_BALLAST = 1 << 40
_guarded = False


def refcount_bug_present() -> bool:
    """Whether calling a void Qt method drops a reference to None."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 32


def guard_singletons() -> bool:
    """Apply the guard if this PySide6 needs it; True if it was applied (once per process)."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12):
        return _guarded
    if not refcount_bug_present():
        return False
    for obj in (None, True, False):
        cell = ctypes.c_ssize_t.from_address(id(obj))
        # ob_refcnt is the object's first field in release builds: check before writing.
        if abs(cell.value - (sys.getrefcount(obj) - 1)) > 4:
            log.warning("cannot guard against the PySide6 reference-count bug on this Python")
            return False
        cell.value += _BALLAST
    _guarded = True
    log.warning(
        "PySide6 %s drops references to None/True on Python %d.%d; guarded (install "
        "PySide6-Essentials 6.11.3 to avoid it)",
        __import__("PySide6").__version__,
        *sys.version_info[:2],
    )
    return True
