"""onnxruntime (which runs the face detector), started with its telemetry off.

onnxruntime 1.29 and later, on Linux and macOS too, send usage telemetry to
Microsoft (a "ProcessInfo" event at start-up, then session and model events) and
keep a device identifier in ~/.cache and a session file in the temporary folder.
photoguard sends nothing over the network. ``ORT_DISABLE_TELEMETRY=1``, set before
onnxruntime is first imported, turns all of it off: nothing is created, nothing is
sent, and the choice holds for the whole process. So onnxruntime is imported here
and only here, after setting it; tests/test_detector.py checks that loading the
detector leaves no file behind.

Importing this module costs about a second (onnxruntime and onnx); the scan's fork
server imports it once, so its workers start with it (scan/workers.py).
"""

from __future__ import annotations

import os

TELEMETRY_OFF = ("ORT_DISABLE_TELEMETRY", "1")
os.environ[TELEMETRY_OFF[0]] = TELEMETRY_OFF[1]

import onnx  # noqa: E402  (after the variable: see above)
import onnxruntime  # noqa: E402

onnxruntime.set_default_logger_severity(3)  # not the notes on unused initializers

__all__ = ["TELEMETRY_OFF", "onnx", "onnxruntime"]
