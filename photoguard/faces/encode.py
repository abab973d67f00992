"""From a face the detector found to its 128 numbers: the recognizer.

dlib's 5-point landmarks place each face; dlib cuts the 150 x 150 chip (25 %
padding) its ``compute_face_descriptor`` would cut; the ResNet of
:mod:`photoguard.faces.encoder` turns each chip into 128 numbers on numpy's BLAS.
Two faces of one person are close together (see workspace/settings.py for the
distances and how they were chosen). Finding the faces is
:mod:`photoguard.faces.detect`; comparing them with references is
:mod:`photoguard.faces.match`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from photoguard.faces.encoder import CHIP_PADDING, CHIP_SIZE, describe
from photoguard.faces.model import load_model

#: An RGB picture, 8 bits a channel (rows x columns x 3), as decoded.
Image = npt.NDArray[np.uint8]
#: A face's 128 numbers.
Encoding = npt.NDArray[np.float64]


def encode_faces(image: Image, rects: Sequence[Any]) -> npt.NDArray[np.float64]:
    """The 128 numbers of each face dlib's detector found (``rects``) in an RGB image:
    dlib's landmarks and the chips its compute_face_descriptor cuts (150 px, 25 %
    padding), run through the same network on numpy's BLAS (encoder.py)."""
    import dlib

    model = load_model()
    rgb = np.ascontiguousarray(image)
    shapes = dlib.full_object_detections()
    for r in rects:
        shapes.append(model.landmarks(rgb, r))
    chips = np.stack(dlib.get_face_chips(rgb, shapes, size=CHIP_SIZE, padding=CHIP_PADDING))
    return describe(model.network, chips)
