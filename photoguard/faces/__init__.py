"""Faces: finding them in a picture, describing each by 128 numbers, comparing them.

- centerface.py: the face detector, CenterFace, run by onnxruntime;
- detect.py: where faces are (CenterFace at the scale that brings the smallest face to
  be found to the size it needs, in tiles for long pictures, landmarks' boxes);
- encode.py: a face's 128 numbers (dlib's landmarks and chips, then the network);
- encoder.py: that network, dlib's ResNet, run on numpy's BLAS;
- distances.py: the distances one opted-out student is judged with (their age band's);
- match.py: the opted-out students' references, and which one a face may be, each student
  at their own distances;
- model.py: the model files, checked by SHA-256 before use.

Other packages import the names below from here (``from photoguard.faces import
find_faces``). Each is loaded from its module on first use: importing the package,
or model.py alone (as commands that never look at a picture do), loads neither
numpy nor dlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoguard.faces.detect import (
        DETECTOR_FACE_PX,
        MAX_DETECTION_PIXELS,
        Box,
        detection_scale,
        find_faces,
    )
    from photoguard.faces.encode import Encoding, Image, encode_faces
    from photoguard.faces.match import Match, Reference, ReferenceSet
    from photoguard.faces.model import MODEL_LABEL

#: The module of this package that owns each public name.
_OWNERS = {
    "detect": ("DETECTOR_FACE_PX", "MAX_DETECTION_PIXELS", "Box", "detection_scale", "find_faces"),
    "encode": ("Encoding", "Image", "encode_faces"),
    "match": ("Match", "Reference", "ReferenceSet"),
    "model": ("MODEL_LABEL",),
}

__all__ = [
    "DETECTOR_FACE_PX",
    "MAX_DETECTION_PIXELS",
    "MODEL_LABEL",
    "Box",
    "Encoding",
    "Image",
    "Match",
    "Reference",
    "ReferenceSet",
    "detection_scale",
    "encode_faces",
    "find_faces",
]

if not TYPE_CHECKING:  # type checkers read the imports above instead

    def __getattr__(name: str) -> object:
        import importlib

        for module, names in _OWNERS.items():
            if name in names:
                value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
                globals()[name] = value
                return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
