"""What the fuzz tests share: how hard hypothesis tries, and what a refusal must look like."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

#: Bounded and reproducible, so the whole suite stays fast and a CI failure replays.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_one_line(message: str) -> None:
    """A refusal is one plain sentence: never empty, never several lines."""
    assert message and "\n" not in message and "\r" not in message, message
