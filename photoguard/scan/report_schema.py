"""The JSON Schema of ``photoguard.report/1`` (the README documents it in words)."""

from __future__ import annotations

from typing import Any

from photoguard.vocab import AgeBand, FindingType, VerdictKind

_DISTANCE = {"type": "number", "minimum": 0}
_AGE_BAND = {"enum": [str(b) for b in AgeBand]}
#: One band's distances in the report's settings (workspace/settings.py BandDistances).
_BAND_DISTANCES = {
    "type": "object",
    "required": ["flag_distance", "review_distance", "profile_review_distance"],
    "properties": {
        "flag_distance": _DISTANCE,
        "review_distance": _DISTANCE,
        "profile_review_distance": _DISTANCE,
    },
}

_BOX = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 4, "maxItems": 4}

FINDING: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {
            "enum": [
                FindingType.OPTED_OUT_FACE,
                FindingType.POSSIBLE_OPTED_OUT_FACE,
                FindingType.FACE_NOT_MATCHED,
                FindingType.FULL_NAME,
                FindingType.POSSIBLE_FULL_NAME,
                FindingType.ERROR,
                FindingType.ANSWERED_FACE,
            ]
        },
        "student_id": {"type": "string"},
        "distance": _DISTANCE,
        # Face findings: the student's age band and the distances the face was judged
        # with (review_distance: the one that applied, wider for a profile).
        "age_band": _AGE_BAND,
        "flag_distance": _DISTANCE,
        "review_distance": _DISTANCE,
        "box": _BOX,
        "time_s": {"type": "number", "minimum": 0},
        "field": {"type": "string"},
        "text": {"type": "string"},
        "span": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "detail": {"type": "string"},
        # Text read in the picture: how sure the reader was (0-1).
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        # Face findings: the face group of the check the face is in (scan/groups.py).
        "face_group": {"type": "integer", "minimum": 1},
        # Unsure faces: the other students the face may be, nearest first.
        "also_students": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "allOf": [
        {
            "if": {
                "properties": {
                    "type": {
                        "enum": [FindingType.OPTED_OUT_FACE, FindingType.POSSIBLE_OPTED_OUT_FACE]
                    }
                }
            },
            "then": {
                "required": [
                    "student_id",
                    "distance",
                    "box",
                    "age_band",
                    "flag_distance",
                    "review_distance",
                ]
            },
        },
        {
            "if": {"properties": {"type": {"const": FindingType.FULL_NAME}}},
            "then": {"required": ["student_id", "field", "text", "span"]},
        },
        {
            "if": {"properties": {"type": {"const": FindingType.ERROR}}},
            "then": {"required": ["detail"]},
        },
    ],
}

#: Videos only: how densely the video was searched. A face on screen for less than
#: ``may_miss_under_s`` (between two samples) may be missed; null when every frame was.
SAMPLING: dict[str, Any] = {
    "type": "object",
    "required": ["per_second", "frames", "frames_searched", "every_frame", "may_miss_under_s"],
    "properties": {
        "per_second": {"type": "number", "exclusiveMinimum": 0},
        "frames": {"type": "integer", "minimum": 0},
        "frames_searched": {"type": "integer", "minimum": 0},
        "every_frame": {"type": "boolean"},
        "may_miss_under_s": {"type": ["number", "null"], "exclusiveMinimum": 0},
        # Text in the picture is read in at most one sample per this many seconds.
        "text_every_s": {"type": "number", "exclusiveMinimum": 0},
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "photoguard scan report",
    "type": "object",
    "required": ["schema", "roster_version", "settings", "files", "skipped", "coverage_gaps"],
    "properties": {
        "schema": {"const": "photoguard.report/1"},
        "roster_version": {"type": ["string", "null"]},
        "settings": {
            "type": "object",
            "required": ["match_distance", "review_distance", "model", "frames_per_second"],
            "properties": {
                "match_distance": {"type": "number"},
                "review_distance": {"type": "number"},
                "profile_review_distance": {"type": "number"},
                "model": {"type": "string"},
                "frames_per_second": {"type": "number"},
                "min_face_px": {"type": "integer"},
                "faces": {"type": "boolean"},
                # Every age band's distances (match_distance and review_distance above
                # are the adults'), and where the children's come from.
                "age_bands": {
                    "type": "object",
                    "required": [str(b) for b in AgeBand],
                    "properties": {str(b): _BAND_DISTANCES for b in AgeBand},
                    "additionalProperties": False,
                },
                "age_bands_source": {"type": "string"},
            },
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "sha256", "kind", "verdict", "findings"],
                "properties": {
                    "path": {"type": "string"},
                    "sha256": {"type": "string", "pattern": "^([0-9a-f]{64})?$"},
                    "kind": {"enum": ["photo", "video", "document"]},
                    "verdict": {
                        "enum": [
                            VerdictKind.FLAGGED,
                            VerdictKind.REVIEW,
                            VerdictKind.CLEAR,
                            VerdictKind.ERROR,
                        ]
                    },
                    "reason": {"type": "string"},
                    "faces_too_small": {"type": "integer", "minimum": 1},
                    "text_frames_read": {"type": "integer", "minimum": 1},
                    "findings": {"type": "array", "items": FINDING},
                    "sampling": SAMPLING,
                },
            },
        },
        "skipped": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "reason"],
                "properties": {
                    "path": {"type": "string"},
                    "reason": {"type": "string"},
                    "blocks_clear": {"type": "boolean"},
                },
            },
        },
        "all_clear": {"type": "boolean"},
        "coverage_gaps": {"type": "array", "items": {"type": "string"}},
        "stale_references": {"type": "array", "items": {"type": "string"}},
        "young_students": {"type": "array", "items": {"type": "string"}},
    },
}
