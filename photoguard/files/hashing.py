"""The one SHA-256 of a file's bytes (scans, decisions, safe copies, enrolling, the model)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from photoguard.files.safeopen import open_regular

_BLOCK = 1 << 20


def sha256_file(path: Path, *, regular_only: bool = False) -> str:
    """The hex SHA-256 of the file at ``path``, read in 1 MiB blocks.

    With ``regular_only`` the file is opened by :func:`open_regular` (a FIFO or a device
    raises :class:`~photoguard.files.safeopen.NotRegularFile` rather than blocking).
    OSError propagates: each caller words its own error.
    """
    digest = hashlib.sha256()
    with open_regular(path) if regular_only else path.open("rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
