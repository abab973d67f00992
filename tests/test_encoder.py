"""photoguard's ResNet runner (encoder.py) against dlib's own, on the real fixture faces.

The match and review distances (settings.py, the model card) were measured with
dlib's numbers; photoguard may compute them faster only if they are the same
numbers. The weights file is the one dlib reads; a file that is not exactly that
network is refused rather than half-read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FACES

from photoguard.faces.encode import encode_faces
from photoguard.faces.encoder import (
    BATCH,
    CHIP_SIZE,
    EncoderFormatError,
    describe,
    read_network,
)
from photoguard.faces.model import load_dlib_encoder, load_model, verified_weights

WEIGHTS_NAME = "dlib_face_recognition_resnet_model_v1.dat"
#: float32 arithmetic in a different order: measured differences are under 1e-6,
#: against distances of 0.3-1.0 between faces and 0.05 between the two thresholds.
TOLERANCE = 1e-4


def _weights() -> Path:
    return verified_weights()[WEIGHTS_NAME]


@pytest.mark.faces
def test_every_fixture_face_gets_dlibs_own_descriptor(fixtures_dir: Path) -> None:
    import dlib

    from photoguard.faces.detect import detect_faces, landmark_square
    from photoguard.media import photo_frames

    model = load_model()
    dlib_encoder = load_dlib_encoder()
    faces = 0
    worst = 0.0
    for photo in sorted(FACES.glob("*/*")):
        frame = next(iter(photo_frames(photo, 48)))
        rgb = np.ascontiguousarray(frame.image)
        rects = [landmark_square(box) for box in detect_faces(rgb).boxes]
        if not rects:
            continue
        shapes = dlib.full_object_detections()
        for rect in rects:
            shapes.append(model.landmarks(rgb, rect))
        theirs = np.array([list(d) for d in dlib_encoder.compute_face_descriptor(rgb, shapes)])
        ours = encode_faces(rgb, rects)  # what every scan runs
        assert ours.shape == theirs.shape == (len(shapes), 128)
        worst = max(worst, float(np.abs(ours - theirs).max()))
        faces += len(shapes)
    assert faces >= 25  # every fixture photo but the profile-free misses has a face
    assert worst < TOLERANCE


def test_the_network_read_is_dlibs_anet_type() -> None:
    net = read_network(_weights())
    # 3 x 32, 4 x 64, 3 x 128, 3 x 256, 1 x 256 residual blocks; 4 of them halve.
    widths = [b.second.weights.shape[0] for b in net.blocks]
    assert widths == [32] * 3 + [64] * 4 + [128] * 3 + [256] * 3 + [256]
    assert sum(b.halves is not None for b in net.blocks) == 4
    assert net.fc.shape == (256, 128)
    assert net.mean_rgb == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)


def test_a_cut_short_weights_file_is_refused(tmp_path: Path) -> None:
    data = _weights().read_bytes()
    for cut in (100, 300_000, len(data) // 2, len(data) - 600):
        short = tmp_path / f"cut{cut}.dat"
        short.write_bytes(data[:cut])
        with pytest.raises(EncoderFormatError):
            read_network(short)


def test_a_file_with_a_layer_renamed_is_refused(tmp_path: Path) -> None:
    data = bytearray(_weights().read_bytes())
    at = data.find(b"\x01\x0amax_pool_2")
    assert at > 0
    data[at + 2 : at + 12] = b"avg_pool_2"  # the stem pooling is now an average
    changed = tmp_path / "changed.dat"
    changed.write_bytes(bytes(data))
    with pytest.raises(EncoderFormatError):
        read_network(changed)


def test_a_file_with_data_after_the_network_is_refused(tmp_path: Path) -> None:
    longer = tmp_path / "longer.dat"
    shutil.copyfile(_weights(), longer)
    with longer.open("ab") as f:
        f.write(b"\x00" * 10_000)
    with pytest.raises(EncoderFormatError, match="after the last layer"):
        read_network(longer)


def test_chips_of_the_wrong_size_are_refused() -> None:
    net = load_model().network
    with pytest.raises(ValueError, match="150 x 150"):
        describe(net, np.zeros((1, 120, 120, 3), dtype=np.uint8))


def test_faces_in_one_batch_do_not_change_each_other() -> None:
    """A class photo's faces go through the network together: each face's numbers must
    be what it gets alone."""
    net = load_model().network
    rng = np.random.default_rng(7)
    many = BATCH * 2 + 3  # more faces than one batch: split, and put back in order
    chips = rng.integers(0, 256, (many, CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    together = describe(net, chips)
    assert together.shape == (many, 128)
    for i in range(many):
        alone = describe(net, chips[i : i + 1])
        assert np.abs(alone[0] - together[i]).max() < TOLERANCE
    assert describe(net, chips[:0]).shape == (0, 128)
