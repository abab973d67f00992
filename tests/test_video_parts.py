"""A video shared among workers finds exactly what one worker finds alone."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import VIDEO

from photoguard.scan.analysis import AnalysisOptions, analyze_file, merge_parts

pytestmark = pytest.mark.faces


def test_two_parts_merge_to_the_whole(fixtures_dir: object) -> None:
    options = AnalysisOptions(min_face_px=48, frames_per_second=2.0, encode=True)
    whole = analyze_file(VIDEO, "video", options)
    parts = [analyze_file(VIDEO, "video", options, k, 2) for k in range(2)]
    merged = merge_parts(parts)
    assert whole.error is None and merged.error is None
    assert merged.frames_checked == whole.frames_checked == 20  # 9.2 s at 2/s, plus the last
    assert [p.frames_checked for p in parts] == [10, 10]
    key = lambda f: (f.time_s, f.box.left)  # noqa: E731
    assert [(f.time_s, f.box) for f in sorted(merged.faces, key=key)] == [
        (f.time_s, f.box) for f in sorted(whole.faces, key=key)
    ]
    # Where a sample looked the same as the one before it, its faces were carried over
    # from that sample (which differs between the parts): the same face, a near encoding.
    for a, b in zip(sorted(merged.faces, key=key), sorted(whole.faces, key=key), strict=True):
        assert a.encoding is not None and b.encoding is not None
        assert float(np.linalg.norm(a.encoding - b.encoding)) < 0.2
