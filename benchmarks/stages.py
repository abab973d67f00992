"""Where a cold scan's time goes: decoding, detection (CenterFace) and encoding, on one core.

``python -m benchmarks.stages FOLDER`` runs photoguard's own steps on every photo
of FOLDER in this one process (numpy's BLAS held to one thread, as in a worker)
and prints JSON: seconds per stage and the number of faces. make bench runs it on
the benchmark folder, so the README's breakdown can be measured again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# Read by OpenBLAS when numpy is first imported (in measure): one thread, as a worker.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def measure(folder: Path) -> dict[str, float]:
    from photoguard.faces.centerface import load_centerface
    from photoguard.faces.detect import MIN_ENCODED_FACE_PX, detect_faces, landmark_square
    from photoguard.faces.encode import encode_faces
    from photoguard.faces.model import load_model
    from photoguard.media import photo_frames

    load_model()
    load_centerface()
    totals = {"decode_s": 0.0, "detect_s": 0.0, "encode_s": 0.0, "faces": 0.0, "photos": 0.0}
    for photo in sorted(p for p in folder.iterdir() if p.is_file()):
        t0 = time.perf_counter()
        frame = next(iter(photo_frames(photo, 48)))
        t1 = time.perf_counter()
        found = detect_faces(frame.image)
        rects = [
            landmark_square(box) for box in found.boxes if box[2] - box[0] >= MIN_ENCODED_FACE_PX
        ]
        t2 = time.perf_counter()
        if rects:
            encode_faces(frame.image, rects)
        t3 = time.perf_counter()
        totals["decode_s"] += t1 - t0
        totals["detect_s"] += t2 - t1
        totals["encode_s"] += t3 - t2
        totals["faces"] += len(rects)
        totals["photos"] += 1
    return totals


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
