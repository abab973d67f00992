"""The project's vocabulary: verdicts, finding types, decisions, log actions, age bands.

Each member's value is the exact string written to reports, the approval log and
CSV files, so a ``StrEnum`` member compares and serialises as that string and no
byte of any output changes. Renderers (report, log view, summary, app) give each
member a label; tests/test_vocabulary.py checks that none is missing.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AgeBand", "AgeSource", "DecisionKind", "FindingType", "LogAction", "VerdictKind"]


class VerdictKind(StrEnum):
    """A file's verdict (see scan/verdict.py for what each means)."""

    FLAGGED = "flagged"
    REVIEW = "review"
    ERROR = "error"
    CLEAR = "clear"


class FindingType(StrEnum):
    """What a finding in a file is."""

    OPTED_OUT_FACE = "opted_out_face"
    POSSIBLE_OPTED_OUT_FACE = "possible_opted_out_face"
    #: Faces-off mode: a face that was found and not matched.
    FACE_NOT_MATCHED = "face_not_matched"
    FULL_NAME = "full_name"
    #: Text read in a picture that is one letter from a student's full name (a blurred
    #: or half-hidden name tag: roster/near_names.py): a person must look.
    POSSIBLE_FULL_NAME = "possible_full_name"
    ERROR = "error"
    #: A face a person already said is none of the students it may be (scan/answers.py):
    #: told, never a reason to stop the file.
    ANSWERED_FACE = "answered_face"


class DecisionKind(StrEnum):
    """What a person decided about a checked file (``pending``: nobody yet)."""

    APPROVE = "approve"
    BLOCK = "block"
    OVERRIDE = "override"
    PENDING = "pending"


class LogAction(StrEnum):
    """Every action written to the approval log."""

    ROSTER_IMPORT = "roster.import"
    ROSTER_SEAL = "roster.seal"
    ENROLL_ADD = "enroll.add"
    ENROLL_REMOVE = "enroll.remove"
    PURGE = "purge"
    SCAN_START = "scan.start"
    SCAN_FILE = "scan.file"
    SCAN_FINISH = "scan.finish"
    DECISION_APPROVE = "decision.approve"
    DECISION_BLOCK = "decision.block"
    DECISION_OVERRIDE = "decision.override"
    #: ``scan --approve`` records a file it must not approve (review, error) as pending.
    DECISION_PENDING = "decision.pending"
    SAFECOPY = "safecopy"
    #: An approval that no longer holds: a re-check against a newer roster or newer
    #: reference faces found a student in the file it was not checked for (recheck.py).
    APPROVAL_WITHDRAWN = "approval.withdrawn"
    #: Approvals a re-check found still holding under the roster and faces in force.
    APPROVAL_RECHECKED = "approval.rechecked"
    #: A person took a file whose approval was withdrawn down from where it was posted.
    TAKEDOWN = "approval.takedown"


#: The prefix of the decision actions (``decision.approve`` ...).
DECISION_PREFIX = "decision."


class AgeBand(StrEnum):
    """An opted-out student's age band (photoguard/roster/ages.py says how it is found).

    The face distances depend on it (workspace/settings.py, ``BAND_DISTANCES``):
    dlib's model tells young children apart far worse than adults. Youngest first; a
    student whose age is not known is in the youngest band (fail closed).
    """

    AGES_5_8 = "5-8"
    AGES_9_12 = "9-12"
    AGES_13_15 = "13-15"
    AGES_16_18 = "16-18"
    ADULT = "adult"


#: The band of a student whose age is not known: the youngest (fail closed).
YOUNGEST_BAND = AgeBand.AGES_5_8


class AgeSource(StrEnum):
    """Which roster column an opted-out student's age band was read from."""

    BIRTH_DATE = "birth_date"
    GRADE = "grade"
    YOG = "yog"
    #: No usable age (no column, a blank or unreadable cell, or imported before ages
    #: were read): the youngest band.
    UNKNOWN = "unknown"
