"""The OCR models: PP-OCR's text detector, orientation classifier and recogniser.

They are the ONNX files inside the ``rapidocr`` 3.10.0 wheel (Apache-2.0, the models'
licences in its MODEL_LICENSES.md). The wheel is installed without its dependencies
(it declares omegaconf, requests, tqdm and more, none of which photoguard uses: its
pipeline is not used either), the files are found from its metadata and checked
against the SHA-256 values below before use, so a different or damaged file is a
clear error and never a silent change in what is read. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.files.hashing import sha256_file

OCR_PACKAGE = "rapidocr"
OCR_PACKAGE_VERSION = "3.10.0"
_INSTALL = f"pip install --no-deps {OCR_PACKAGE}=={OCR_PACKAGE_VERSION}"

#: role -> (file in the distribution, SHA-256 as shipped in rapidocr 3.10.0).
FILES: dict[str, tuple[str, str]] = {
    "detect": (
        "rapidocr/models/PP-OCRv6_det_small.onnx",
        "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    ),
    "recognise": (
        "rapidocr/models/PP-OCRv6_rec_small.onnx",
        "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
    ),
    "orientation": (
        "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ),
}

#: What reports record as the text reader (and the scan cache keys on).
OCR_LABEL = f"PP-OCRv6 small (from {OCR_PACKAGE} {OCR_PACKAGE_VERSION})"


def model_file(role: str) -> Path:
    """The checked path of one model file (``role`` is a key of :data:`FILES`)."""
    name, expected = FILES[role]
    try:
        dist = importlib.metadata.distribution(OCR_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise UserError(f"the text reader is not installed ({_INSTALL})") from None
    path = Path(str(dist.locate_file(name)))
    if not path.is_file():
        raise UserError(f"the text reader's model {path} is missing (reinstall: {_INSTALL})")
    actual = sha256_file(path)
    if actual != expected:
        raise UserError(
            f"the text reader's model {path.name} does not match the one photoguard was "
            f"measured with (sha256 {actual[:12]}..., expected {expected[:12]}...); "
            f"reinstall: {_INSTALL}"
        )
    return path


@cache
def session(role: str) -> Any:
    """One onnxruntime session per model and process, on one thread (the scan runs one
    worker process per core, each on its own file)."""
    from photoguard.faces.runtime import onnxruntime  # telemetry off first

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # Every picture has its own size: a memory plan made for one is no use for the next.
    options.enable_mem_pattern = False
    return onnxruntime.InferenceSession(
        str(model_file(role)), sess_options=options, providers=["CPUExecutionProvider"]
    )


@cache
def characters() -> tuple[str, ...]:
    """The recogniser's alphabet, stored in its own model file: index 0 is CTC's blank,
    then one character per line of the file's ``character`` entry, then the space."""
    meta = session("recognise").get_modelmeta().custom_metadata_map
    lines = str(meta.get("character", "")).split("\n")
    if len(lines) < 100:
        raise UserError("the text reader's model carries no alphabet; reinstall: " + _INSTALL)
    return ("", *lines, " ")
