"""The model card says what is used and why the thresholds are what they are; check it."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES, ROOT

from photoguard.errors import UserError
from photoguard.faces.model import WEIGHTS, verified_weights, weights_folder
from photoguard.scan.analysis import AnalysisOptions, analyze_reference
from photoguard.scan.workers import WorkerPool
from photoguard.workspace.settings import MATCH_DISTANCE, REVIEW_DISTANCE

CARD = ROOT / "models" / "dlib-resnet-v1.md"


def test_card_lists_the_checksums_the_code_checks() -> None:
    text = CARD.read_text("utf-8")
    for name, digest in WEIGHTS.items():
        assert re.search(rf"`{re.escape(name)}`, sha256 `{digest}`", text), name


def test_installed_weights_match_the_card() -> None:
    found = verified_weights()
    assert set(found) == set(WEIGHTS)


def test_a_changed_weight_file_is_refused(tmp_path: Path) -> None:
    for name in WEIGHTS:
        shutil.copyfile(weights_folder() / name, tmp_path / name)
    with (tmp_path / "shape_predictor_5_face_landmarks.dat").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(UserError, match="does not match the model card"):
        verified_weights(tmp_path)


@pytest.mark.faces
def test_fixture_distances_support_the_thresholds(fixtures_dir: Path) -> None:
    """Same person always within the match distance; different people never within it, and
    at most the one cropped half-face pair the card names inside the review band."""
    photos = [p for p in sorted(FACES.glob("*/*")) if p.parent.name != "groups"]
    options = AnalysisOptions(min_face_px=48, frames_per_second=4, encode=True)
    with WorkerPool(analyze_reference) as pool:
        results = dict(pool.run((i, (p, options)) for i, p in enumerate(photos)))
    encodings = []
    for i, p in enumerate(photos):
        r = results[i]
        assert len(r.faces) == 1, p
        who = "obama" if p.parent.name == "misc" else p.parent.name
        encodings.append((who, p.name, r.faces[0].encoding))
    same, different = [], []
    for (a, _, x), (b, _, y) in itertools.combinations(encodings, 2):
        (same if a == b else different).append(float(np.linalg.norm(x - y)))
    assert max(same) < MATCH_DISTANCE, max(same)
    assert min(different) > MATCH_DISTANCE, min(different)
    assert sum(d <= REVIEW_DISTANCE for d in different) <= 1
    # The card's numbers, to two decimals.
    text = CARD.read_text("utf-8")
    assert f"{max(same):.3f}"[:4] in text
    assert f"{min(different):.3f}"[:4] in text
