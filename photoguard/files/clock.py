"""The core's clock: every timestamp photoguard stores is UTC in ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> str:
    """Now, to the second, e.g. 2026-05-01T09:30:00+00:00 (rows: created, imported, checked)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_timestamp() -> str:
    """When a record is written: UTC, microseconds, e.g. 2026-05-01T09:30:00.000000+00:00."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
