"""The check page (the home page): drop photos, watch the check, decide on each file.

* :mod:`.page` -- the page: its layout, the scan job's events, decisions and safe copies.
* :mod:`.words` -- the words shown on the page (after a check, per decision, progress),
  pure Python with no Qt import, so they are tested without a window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.pages.check.page import CheckPage

__all__ = ["CheckPage"]


def __getattr__(name: str) -> Any:
    """``CheckPage`` is loaded on first use, so ``ui.pages.check.words`` imports no Qt."""
    if name == "CheckPage":
        from ui.pages.check.page import CheckPage

        return CheckPage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
