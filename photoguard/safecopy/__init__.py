"""Safe copies: a version of a flagged photo or video that can be posted.

Every face of an opted-out student covered, names cut down in the metadata and
the file name, the copy rescanned clear before it is offered, then saved and
recorded in the approval log. Where each part lives:

* make.py: :func:`make_safe_copy`, from the original to a previewed copy;
* faces.py: which faces are covered, and why; cover.py: the cover itself
  (styles, strengths, regions);
* photo.py, video.py: rendering a photo, a video (faces followed between frames),
  in worker processes run by runner.py;
* metadata.py: the copy's metadata, built field by field;
* rescan.py: the rescan the copy must come out clear of;
* preview.py: the copy waiting to be looked at; save.py: saving and logging it;
* leftovers.py: temporary files a killed run left behind.

The names below are imported from their modules on first use, so importing this
package (the CLI does, at start-up) loads no image library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoguard.safecopy.cover import STYLES
    from photoguard.safecopy.faces import CoveredFace
    from photoguard.safecopy.make import make_safe_copy
    from photoguard.safecopy.metadata import FieldChange
    from photoguard.safecopy.preview import SafeCopyPreview
    from photoguard.safecopy.runner import open_pool
    from photoguard.safecopy.save import ACTION, SavedCopy, check_destination, save_safe_copy

__all__ = [
    "ACTION",
    "STYLES",
    "CoveredFace",
    "FieldChange",
    "SafeCopyPreview",
    "SavedCopy",
    "check_destination",
    "make_safe_copy",
    "open_pool",
    "save_safe_copy",
]

#: The module each name of ``__all__`` comes from.
_HOMES = {
    "ACTION": "save",
    "STYLES": "cover",
    "CoveredFace": "faces",
    "FieldChange": "metadata",
    "SafeCopyPreview": "preview",
    "SavedCopy": "save",
    "check_destination": "save",
    "make_safe_copy": "make",
    "open_pool": "runner",
    "save_safe_copy": "save",
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
