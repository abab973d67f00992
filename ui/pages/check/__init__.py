"""The check page (the home page): drop photos, watch the check, decide on each file.

* :mod:`.page` -- the page: its layout, the scan job's events, decisions and safe copies.
* :mod:`.words` -- the words shown on the page (after a check, per decision, progress),
  pure Python with no Qt import, so they are tested without a window.
"""

from ui.pages.check.page import CheckPage

__all__ = ["CheckPage"]
