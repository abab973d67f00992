"""dlib's face-recognition ResNet, run on numpy's BLAS instead of dlib's own loops.

The dlib-bin wheel is built without BLAS: its ``compute_face_descriptor`` spends
about 0.1 s per face in the network, and a class photo has thirty faces. numpy
ships OpenBLAS, which runs the same arithmetic several times faster. This module
reads the weights from the very file dlib reads (``dlib_face_recognition_resnet_model_v1.dat``,
whose SHA-256 model.py checks first) and runs the same network on the same
150 x 150 face chips dlib cuts, so the 128 numbers are dlib's numbers: the
distances in settings.py and the model card keep their meaning.
``tests/test_encoder.py`` holds every fixture face to that (largest difference
from dlib's own descriptor under 1e-4; distances between faces are 0.3-1.0).

The network (dlib's ``anet_type``, from dlib/examples/dnn_face_recognition_ex.cpp)::

    input 150x150 RGB -> con 7x7/2 (32) -> affine -> relu -> max_pool 3x3/2
    -> residual blocks: 3 x 32, 4 x 64 (first one halves), 3 x 128 (first halves),
       3 x 256 (first halves), 1 x 256 (halves)
    -> average over the picture -> fully connected 256 -> 128 (no bias)

A residual block is con 3x3 -> affine -> relu -> con 3x3 -> affine, added to its
input (for a halving block: the input averaged over 2x2 squares), then relu.
dlib adds tensors of different sizes by treating what lies outside either one as
zero; so does :func:`_add`.

The file is read strictly: anything but this exact sequence of layers is refused
(:class:`EncoderFormatError`) and the caller keeps using dlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]

#: The size and padding of the face chip dlib cuts for this network.
CHIP_SIZE = 150
CHIP_PADDING = 0.25


class EncoderFormatError(ValueError):
    """The weights file is not the network this module knows how to run."""


# ------------------------------------------------------------------ reading the file


class _Reader:
    """dlib's serialization format (dlib/serialize.h), only the parts this file uses."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _byte(self) -> int:
        if self.pos >= len(self.data):
            raise EncoderFormatError("the weights file ends early")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def int_(self) -> int:
        """A signed or unsigned integer: a control byte (size, 0x80 = negative), then
        that many little-endian bytes."""
        control = self._byte()
        size = control & 0x0F
        if size == 0 or size > 8:
            raise EncoderFormatError(f"bad integer at byte {self.pos - 1}")
        raw = self.data[self.pos : self.pos + size]
        if len(raw) != size:
            raise EncoderFormatError("the weights file ends early")
        self.pos += size
        value = int.from_bytes(raw, "little")
        return -value if control & 0x80 else value

    def float_(self) -> float:
        """dlib's portable float: mantissa x 2^exponent."""
        mantissa = self.int_()
        exponent = self.int_()
        return float(mantissa) * 2.0**exponent

    def tensor(self) -> Array:
        """A tensor: version 2, four dimensions, then raw little-endian float32."""
        if self.int_() != 2:
            raise EncoderFormatError(f"unexpected tensor version at byte {self.pos}")
        dims = [self.int_() for _ in range(4)]
        count = dims[0] * dims[1] * dims[2] * dims[3]
        end = self.pos + 4 * count
        if count < 0 or end > len(self.data):
            raise EncoderFormatError("a tensor runs past the end of the weights file")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos = end
        return values.astype(np.float32).reshape(dims)

    def alias_tensor(self) -> tuple[int, int, int, int]:
        if self.int_() != 1:
            raise EncoderFormatError(f"unexpected alias tensor version at byte {self.pos}")
        n, k, r, c = (self.int_() for _ in range(4))
        return n, k, r, c

    def seek_name(self, names: tuple[str, ...]) -> str | None:
        """Move to just after the next layer name, or return None at the end.

        Between layers dlib writes only small bookkeeping fields (versions, flags,
        empty tensors: a few dozen bytes); the layers' own data is consumed by the
        parsers below, so the search looks only a little way ahead and never runs
        through weights."""
        window = self.data[self.pos : self.pos + _GAP]
        best: tuple[int, str] | None = None
        for name in names:
            raw = name.encode()
            at = window.find(b"\x01" + bytes([len(raw)]) + raw)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, name)
        if best is None:
            return None
        self.pos += best[0] + 2 + len(best[1])
        return best[1]


#: How far past one layer the next one's name may be (measured: under 400 bytes).
_GAP = 4096


@dataclass(frozen=True)
class _Conv:
    weights: Array  # (filters, channels * rows * cols), for a matrix product
    bias: Array
    size: int
    stride: int
    padding: int


@dataclass(frozen=True)
class _Pool:
    size: int  # 0 = the whole picture
    stride: int
    padding: int


@dataclass(frozen=True)
class _Block:
    first: _Conv
    second: _Conv
    halves: _Pool | None  # the 2x2 average on the shortcut of a halving block


@dataclass(frozen=True)
class Network:
    stem: _Conv
    stem_pool: _Pool
    blocks: tuple[_Block, ...]
    fc: Array  # (256, 128)
    mean_rgb: tuple[float, float, float]


#: The layer names this network's file holds (dlib's serialization versions of 2017).
LAYERS = (
    "input_rgb_image_sized",
    "con_4",
    "affine_",
    "relu_",
    "max_pool_2",
    "avg_pool_2",
    "add_prev_",
    "fc_2",
)


def _conv(r: _Reader) -> tuple[Array, int, int, int, int]:
    params = r.tensor().reshape(-1)
    filters, rows, cols = r.int_(), r.int_(), r.int_()
    stride_y, stride_x, pad_y, pad_x = r.int_(), r.int_(), r.int_(), r.int_()
    r.alias_tensor()
    r.alias_tensor()
    for _ in range(4):  # learning-rate and weight-decay multipliers
        r.float_()
    if rows != cols or stride_y != stride_x or pad_y != pad_x:
        raise EncoderFormatError("a convolution is not square")
    return params, filters, rows, stride_y, pad_y


def _affine(r: _Reader) -> tuple[Array, Array]:
    params = r.tensor().reshape(-1)
    r.alias_tensor()
    r.alias_tensor()
    if r.int_() != 0:  # CONV_MODE (0): one gamma and beta per channel
        raise EncoderFormatError("an affine layer is not per channel")
    half = params.size // 2
    return params[:half], params[half:]


def _pool(r: _Reader) -> _Pool:
    rows, cols, stride_y, stride_x, pad_y, pad_x = (r.int_() for _ in range(6))
    if rows != cols or stride_y != stride_x or pad_y != pad_x:
        raise EncoderFormatError("a pooling layer is not square")
    return _Pool(rows, stride_y, pad_y)


def read_network(path: Path) -> Network:
    """The network in dlib's ``dlib_face_recognition_resnet_model_v1.dat``."""
    r = _Reader(path.read_bytes())
    ops: list[tuple[str, object]] = []
    channels = 3
    pending: tuple[Array, int, int, int, int] | None = None
    mean: tuple[float, float, float] | None = None
    while True:
        name = r.seek_name(LAYERS)
        if name is None:
            break
        if pending is not None and name != "affine_":
            raise EncoderFormatError("a convolution is not followed by its affine layer")
        if name == "input_rgb_image_sized":
            mean = (r.float_(), r.float_(), r.float_())
            if (r.int_(), r.int_()) != (CHIP_SIZE, CHIP_SIZE):
                raise EncoderFormatError("the network does not take 150 x 150 chips")
        elif name == "con_4":
            pending = _conv(r)
        elif name == "affine_":
            if pending is None:
                raise EncoderFormatError("an affine layer does not follow a convolution")
            params, filters, size, stride, padding = pending
            gamma, beta = _affine(r)
            n_weights = filters * channels * size * size
            if params.size != n_weights + filters or gamma.size != filters:
                raise EncoderFormatError("a convolution's size does not add up")
            w = params[:n_weights].reshape(filters, channels * size * size)
            b = params[n_weights:]
            # Fold the per-channel affine into the convolution (dlib's own
            # fuse_layers does the same): w' = w * gamma, b' = b * gamma + beta.
            conv = _Conv(
                np.ascontiguousarray(w * gamma[:, None]),
                (b * gamma + beta).astype(np.float32),
                size,
                stride,
                padding,
            )
            ops.append(("conv", conv))
            channels, pending = filters, None
        elif name == "relu_":
            ops.append(("relu", None))
        elif name in ("max_pool_2", "avg_pool_2"):
            ops.append((name[:3], _pool(r)))
        elif name == "add_prev_":
            ops.append(("add", None))
        elif name == "fc_2":
            outputs, inputs = r.int_(), r.int_()
            params = r.tensor().reshape(-1)
            if params.size != outputs * inputs or inputs != channels:
                raise EncoderFormatError("the last layer's size does not add up")
            ops.append(("fc", params.reshape(inputs, outputs)))
    if mean is None:
        raise EncoderFormatError("no input layer in the weights file")
    if len(r.data) - r.pos > _GAP:
        raise EncoderFormatError("the weights file goes on after the last layer")
    return _assemble(ops, mean)


def _assemble(ops: list[tuple[str, object]], mean: tuple[float, float, float]) -> Network:
    """Check the layer sequence is anet_type's, and group it into blocks."""
    kinds = [k for k, _ in ops]
    if kinds[:4] != ["conv", "relu", "max", "conv"] or kinds[-2:] != ["avg", "fc"]:
        raise EncoderFormatError("the layers are not dlib's face-recognition ResNet")
    stem = ops[0][1]
    stem_pool = ops[2][1]
    assert isinstance(stem, _Conv) and isinstance(stem_pool, _Pool)
    blocks: list[_Block] = []
    i = 3
    body = ops[:-2]
    while i < len(body):
        seq = kinds[i : i + 8]
        if seq[:3] == ["conv", "relu", "conv"] and seq[3:6] == ["avg", "add", "relu"]:
            halves = body[i + 3][1]
            assert isinstance(halves, _Pool)
            step = 6
        elif seq[:3] == ["conv", "relu", "conv"] and seq[3:5] == ["add", "relu"]:
            halves, step = None, 5
        else:
            raise EncoderFormatError(f"unexpected layers {seq} in the residual part")
        first, second = body[i][1], body[i + 2][1]
        assert isinstance(first, _Conv) and isinstance(second, _Conv)
        blocks.append(_Block(first, second, halves))
        i += step
    last_pool = ops[-2][1]
    fc = ops[-1][1]
    assert isinstance(last_pool, _Pool) and isinstance(fc, np.ndarray)
    if last_pool.size != 0:
        raise EncoderFormatError("the network does not end with an average over the picture")
    return Network(stem, stem_pool, tuple(blocks), fc.astype(np.float32), mean)


# -------------------------------------------------------------------- running it


def _windows(x: Array, k: int, s: int) -> Array:
    """Every k x k window of x (faces, rows, cols, channels), stepping s:
    (faces, rows', cols', channels, k, k), a view."""
    _, h, w, _ = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
    return win[:, : (oh - 1) * s + 1 : s, : (ow - 1) * s + 1 : s]


def _conv2d(x: Array, conv: _Conv) -> Array:
    """x: (faces, rows, cols, channels) -> (faces, rows', cols', filters)."""
    k, s, p = conv.size, conv.stride, conv.padding
    if p:
        x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    win = _windows(x, k, s)
    n, oh, ow = win.shape[:3]
    cols = win.reshape(n * oh * ow, -1)  # channels, then rows, then cols: dlib's order
    out = cols @ conv.weights.T
    out += conv.bias
    return out.reshape(n, oh, ow, -1)


def _pool2d(x: Array, pool: _Pool, kind: str) -> Array:
    """dlib's max/average pooling with no padding (the only kind this network uses)."""
    if pool.padding:
        raise EncoderFormatError("padded pooling is not supported")
    win = _windows(x, pool.size, pool.stride)
    if kind == "max":
        return np.ascontiguousarray(win.max(axis=(4, 5)))
    return np.ascontiguousarray(win.mean(axis=(4, 5), dtype=np.float32))


def _add(a: Array, b: Array) -> Array:
    """dlib's tt::add: the larger of each dimension, zero outside either tensor."""
    if a.shape == b.shape:
        return a + b
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape, strict=True))
    out = np.zeros(shape, dtype=np.float32)
    out[tuple(slice(0, d) for d in a.shape)] += a
    out[tuple(slice(0, d) for d in b.shape)] += b
    return out


#: Faces run through the network together. The largest temporary (the first layer's
#: im2col) is about 3 MB per face: 8 at a time keeps a 300-face assembly photo to
#: about 25 MB under the worker's memory limit, and costs nothing measurable (0.020-
#: 0.022 s per face in batches of 1 to 12).
BATCH = 8


def describe(net: Network, chips: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """128-number descriptors of ``chips`` (faces x 150 x 150 x 3, RGB)."""
    if chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
        raise ValueError("describe needs 150 x 150 RGB face chips")
    parts = [_describe(net, chips[i : i + BATCH]) for i in range(0, len(chips), BATCH)]
    return np.concatenate(parts) if parts else np.zeros((0, 128), dtype=np.float64)


def _describe(net: Network, chips: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    mean = np.asarray(net.mean_rgb, dtype=np.float32)
    x = (chips.astype(np.float32) - mean) / np.float32(256.0)
    x = np.maximum(_conv2d(x, net.stem), 0)
    x = _pool2d(x, net.stem_pool, "max")
    for block in net.blocks:
        y = np.maximum(_conv2d(x, block.first), 0)
        y = _conv2d(y, block.second)
        shortcut = x if block.halves is None else _pool2d(x, block.halves, "avg")
        x = np.maximum(_add(y, shortcut), 0)
    pooled = x.mean(axis=(1, 2), dtype=np.float32)
    descriptors: npt.NDArray[np.float64] = (pooled @ net.fc).astype(np.float64)
    return descriptors
