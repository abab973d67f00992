"""The body of each kind of approval-log record, as a typed value.

Writers build one of these and append :meth:`to_json_dict`; readers get one back
from :func:`parse` (or :meth:`~photoguard.audit.chain.Record.body_as`) and read
attributes instead of ``body.get("...")``.

Two rules come from the chain (chain.py):

* What is written must stay byte for byte what earlier versions wrote, or old
  logs stop verifying. So :meth:`to_json_dict` writes the same keys, in the same
  order, with the same values; a key earlier versions wrote only sometimes (a
  decision's ``reason``, a video copy's ``audio_kept``) is still written only then.
* Reading never fails. Records written by earlier versions may lack keys, and a
  damaged record may hold anything: each field of a body is ``None`` (or empty)
  when its key is missing or holds the wrong kind of JSON value, and each reader
  applies the default it always did. A body that is not JSON at all reads as
  :class:`Unreadable`; ``log verify`` reports either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self, TypeVar, cast

from photoguard.vocab import DECISION_PREFIX, LogAction

__all__ = [
    "BODY_CLASSES",
    "Body",
    "Decision",
    "EnrollAdd",
    "EnrollRemove",
    "LogBody",
    "Purge",
    "RosterImport",
    "RosterSeal",
    "SafeCopy",
    "ScanFile",
    "ScanFinish",
    "ScanStart",
    "Seal",
    "Unknown",
    "Unreadable",
    "as_seal",
    "body_class",
    "parse",
    "parse_as",
]

#: The key under which chain.py keeps the text of a body that is not a JSON object.
UNREADABLE_KEY = "unreadable_body"

# How a field is read back (metadata "kind"):
#   str, int, bool?: the value if it is of that JSON type, else None
#   id: a string, or an integer as its digits, else None (student IDs)
#   flag: whether the value is truthy (False if missing)
#   map: the object, else {};  map?: the object, else None
#   strs: each item of the list as text, else ();  maps: the list's objects, else ()
#   present: whether the key named by "of" is in the body at all
# and when it is written (metadata "written"):
#   always (the default); if_set: only when truthy; if_not_none: only when not None;
#   if:<flag>: only when the field <flag> is true; never: not a key (a presence flag).


def _key(kind: str, *, written: str = "always", of: str = "") -> Any:
    meta = {"kind": kind, "written": written, "of": of}
    if kind == "map":
        return field(default_factory=dict, metadata=meta)
    if kind in ("strs", "maps"):
        return field(default=(), metadata=meta)
    if kind == "flag":
        return field(default=False, metadata=meta)
    return field(default=None, metadata=meta)


def _present(of: str, *, default: bool) -> Any:
    return field(default=default, metadata={"kind": "present", "written": "never", "of": of})


def _read(kind: str, raw: Mapping[str, Any], key: str, of: str) -> Any:
    value = raw.get(key)
    if kind == "str":
        return value if isinstance(value, str) else None
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "bool?":
        return value if isinstance(value, bool) else None
    if kind == "id":
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, str) else None
    if kind == "flag":
        return bool(value)
    if kind == "map":
        return value if isinstance(value, dict) else {}
    if kind == "map?":
        return value if isinstance(value, dict) else None
    if kind == "strs":
        return tuple(str(v) for v in value) if isinstance(value, list) else ()
    if kind == "maps":
        return tuple(v for v in value if isinstance(v, dict)) if isinstance(value, list) else ()
    if kind == "present":
        return of in raw
    raise AssertionError(f"unknown field kind {kind!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class Body:
    """What every body does: read itself from a record, write itself for one."""

    #: The actions whose records have this body.
    actions: ClassVar[tuple[LogAction, ...]] = ()

    @classmethod
    def from_body(cls, raw: Mapping[str, Any]) -> Self:
        """Read a stored body; never raises (see the module's docstring)."""
        return cls(**{name: _read(kind, raw, name, of) for name, kind, _, of in _spec(cls)})

    def to_json_dict(self) -> dict[str, Any]:
        """The body to append, key for key what earlier versions appended."""
        out: dict[str, Any] = {}
        for name, _, written, _ in _spec(type(self)):
            value = getattr(self, name)
            if (
                written == "never"
                or (written == "if_set" and not value)
                or (written == "if_not_none" and value is None)
                or (written.startswith("if:") and not getattr(self, written[3:]))
            ):
                continue
            out[name] = _jsonable(value)
        return out


_Spec = tuple[tuple[str, str, str, str], ...]
_SPECS: dict[type[Body], _Spec] = {}


def _spec(cls: type[Body]) -> _Spec:
    """Each field of a body class: its name (the key), how it is read, when written."""
    spec = _SPECS.get(cls)
    if spec is None:
        spec = _SPECS[cls] = tuple(
            (f.name, f.metadata["kind"], f.metadata["written"], f.metadata["of"])
            for f in fields(cls)
        )
    return spec


@dataclass(frozen=True, kw_only=True)
class RosterImport(Body):
    """``roster.import``: a roster version made the one in force, and its seal."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.ROSTER_IMPORT,)
    roster_version: str | None = _key("str")
    source_name: str | None = _key("str")
    source_sha256: str | None = _key("str")
    students: int | None = _key("int")
    opted_out: int | None = _key("int")
    #: The seal of the version's rows (roster/stored.py); imports before seals lack it.
    students_sha256: str | None = _key("str")
    diff: Mapping[str, Any] = _key("map")


@dataclass(frozen=True, kw_only=True)
class RosterSeal(Body):
    """``roster.seal``: a roster imported before seals existed, sealed by the upgrade."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.ROSTER_SEAL,)
    roster_version: str | None = _key("str")
    students_sha256: str | None = _key("str")
    students: int | None = _key("int")
    opted_out: int | None = _key("int")
    sealed_at_upgrade: bool | None = _key("bool?")


@dataclass(frozen=True, kw_only=True)
class EnrollAdd(Body):
    """``enroll.add``: reference faces added for one student."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.ENROLL_ADD,)
    student_id: str | None = _key("id")
    references_added: int | None = _key("int")
    source: str | None = _key("str")


@dataclass(frozen=True, kw_only=True)
class EnrollRemove(Body):
    """``enroll.remove``: reference faces deleted, with why for each student."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.ENROLL_REMOVE,)
    student_ids: tuple[str, ...] = _key("strs")
    reasons: Mapping[str, Any] = _key("map")
    roster_version: str | None = _key("str")


@dataclass(frozen=True, kw_only=True)
class Purge(Body):
    """``purge``: one student's biometric data deleted."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.PURGE,)
    student_id: str | None = _key("id")
    reason: str | None = _key("str")


@dataclass(frozen=True, kw_only=True)
class ScanStart(Body):
    """``scan.start``: what a scan checks, against which roster, with which settings."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.SCAN_START,)
    scan_id: int | None = _key("int")
    paths: tuple[str, ...] = _key("strs")
    #: Scans before it was logged lack it (``roster_logged`` is then False).
    roster_version: str | None = _key("str", written="if:roster_logged")
    settings: Mapping[str, Any] | None = _key("map?")
    model: str | None = _key("str")
    #: When the references were read (scans before it was logged lack it).
    started_at: str | None = _key("str")
    files: int | None = _key("int")
    skipped: int | None = _key("int")
    roster_logged: bool = _present("roster_version", default=True)


@dataclass(frozen=True, kw_only=True)
class ScanFile(Body):
    """``scan.file``: what the check of one file found."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.SCAN_FILE,)
    scan_id: int | None = _key("int")
    path: str | None = _key("str")
    sha256: str | None = _key("str")
    kind: str | None = _key("str")
    verdict: str | None = _key("str")
    findings: tuple[Mapping[str, Any], ...] = _key("maps")


@dataclass(frozen=True, kw_only=True)
class ScanFinish(Body):
    """``scan.finish``: a scan's counts, and the opted-out students it could not see."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.SCAN_FINISH,)
    scan_id: int | None = _key("int")
    counts: Mapping[str, Any] = _key("map")
    coverage_gaps: tuple[str, ...] = _key("strs")
    cancelled: bool = _key("flag")
    roster_version: str | None = _key("str")
    #: The face groups a person may decide at once (scan/review.py): each a mapping of
    #: group, student_id and files (stored path -> unsure faces of the student in the
    #: group). Written only when there is one, so earlier records keep their bytes.
    face_groups: tuple[Mapping[str, Any], ...] = _key("maps", written="if_set")


@dataclass(frozen=True, kw_only=True)
class Decision(Body):
    """``decision.approve``/``block``/``override``/``pending``: a person's decision
    about the bytes one check found (``pending``: left for a person to decide)."""

    actions: ClassVar[tuple[LogAction, ...]] = (
        LogAction.DECISION_APPROVE,
        LogAction.DECISION_BLOCK,
        LogAction.DECISION_OVERRIDE,
        LogAction.DECISION_PENDING,
    )
    path: str | None = _key("str")
    sha256: str | None = _key("str")
    verdict: str | None = _key("str")
    scan_id: int | None = _key("int")
    scanned_at: str | None = _key("str")
    roster_version: str | None = _key("str")
    settings: Mapping[str, Any] | None = _key("map?")
    model: str | None = _key("str")
    #: The scan.file record decided on (checks whose row named none: not written).
    scan_record: int | None = _key("int", written="if_set")
    reason: str | None = _key("str", written="if_set")
    #: A block of bytes that changed since the check: what they are now (None: gone).
    current_sha256: str | None = _key("str", written="if:current_logged")
    current_logged: bool = _present("current_sha256", default=False)


@dataclass(frozen=True, kw_only=True)
class SafeCopy(Body):
    """``safecopy``: a copy saved with faces covered and names cut down."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.SAFECOPY,)
    source_path: str | None = _key("str")
    source_sha256: str | None = _key("str")
    copy_path: str | None = _key("str")
    copy_sha256: str | None = _key("str")
    kind: str | None = _key("str")
    faces_covered: int | None = _key("int")
    faces: tuple[Mapping[str, Any], ...] = _key("maps")
    style: str | None = _key("str")
    strength: int | None = _key("int")
    names_rewritten: tuple[Mapping[str, Any], ...] = _key("maps")
    fields_removed: tuple[str, ...] = _key("strs")
    removed: tuple[str, ...] = _key("strs")
    by: str | None = _key("str")
    rescan: Mapping[str, Any] = _key("map")
    roster_version: str | None = _key("str")
    settings: Mapping[str, Any] | None = _key("map?")
    #: Videos only (always False: the copy has no sound).
    audio_kept: bool | None = _key("bool?", written="if_not_none")
    #: Photos: the lines of text with a full name written in the picture, covered.
    texts_covered: tuple[Mapping[str, Any], ...] = _key("maps", written="if_set")


@dataclass(frozen=True, kw_only=True)
class ApprovalWithdrawn(Body):
    """``approval.withdrawn``: an approval that no longer holds, and why."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.APPROVAL_WITHDRAWN,)
    path: str | None = _key("str")
    sha256: str | None = _key("str")
    #: The decision record withdrawn (its seq and hash), what it was, when and by whom.
    withdraws: int | None = _key("int")
    withdraws_hash: str | None = _key("str")
    decision: str | None = _key("str")
    approved_at: str | None = _key("str")
    approved_by: str | None = _key("str")
    #: The students the re-check found that the approved check had not, and why each.
    students: tuple[str, ...] = _key("strs")
    because: tuple[str, ...] = _key("strs")
    #: The roster in force at the re-check, and where its faces came from.
    roster_version: str | None = _key("str")
    source: str | None = _key("str")


@dataclass(frozen=True, kw_only=True)
class ApprovalRechecked(Body):
    """``approval.rechecked``: approvals a re-check matched again and found still holding
    under this roster and the reference faces enrolled up to ``references_as_of``."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.APPROVAL_RECHECKED,)
    #: Each {"decision": its record's seq, "path", "sha256"}.
    holds: tuple[Mapping[str, Any], ...] = _key("maps")
    roster_version: str | None = _key("str")
    #: The newest reference face enrolled when the re-check began (None: none).
    references_as_of: str | None = _key("str")


@dataclass(frozen=True, kw_only=True)
class Takedown(Body):
    """``approval.takedown``: a withdrawn file was removed from where it was posted."""

    actions: ClassVar[tuple[LogAction, ...]] = (LogAction.TAKEDOWN,)
    path: str | None = _key("str")
    sha256: str | None = _key("str")
    #: The approval.withdrawn record it answers.
    withdrawal: int | None = _key("int")
    where: str | None = _key("str")


@dataclass(frozen=True)
class Unreadable:
    """A body that was not a JSON object (damaged): its stored text."""

    text: str


@dataclass(frozen=True)
class Unknown:
    """The body of an action this version does not know, as stored."""

    action: str
    raw: Mapping[str, Any]


LogBody = (
    RosterImport
    | RosterSeal
    | EnrollAdd
    | EnrollRemove
    | Purge
    | ScanStart
    | ScanFile
    | ScanFinish
    | Decision
    | SafeCopy
    | ApprovalWithdrawn
    | ApprovalRechecked
    | Takedown
    | Unreadable
    | Unknown
)

#: The body of every action.
BODY_CLASSES: Mapping[LogAction, type[Body]] = {
    action: cls
    for cls in (
        RosterImport,
        RosterSeal,
        EnrollAdd,
        EnrollRemove,
        Purge,
        ScanStart,
        ScanFile,
        ScanFinish,
        Decision,
        SafeCopy,
        ApprovalWithdrawn,
        ApprovalRechecked,
        Takedown,
    )
    for action in cls.actions
}

_BY_NAME: Mapping[str, type[Body]] = {str(a): cls for a, cls in BODY_CLASSES.items()}

#: The records that seal a roster version (roster/stored.py SEAL_ACTIONS).
Seal = RosterImport | RosterSeal

B = TypeVar("B", bound=Body)


def as_seal(body: LogBody) -> Seal | None:
    """The body if it seals a roster version (an import or an upgrade's seal), else None."""
    return body if isinstance(body, RosterImport | RosterSeal) else None


def body_class(action: str) -> type[Body] | None:
    """The body class of an action, or None if unknown (any other ``decision.*``
    action, which no version wrote, is read as a decision)."""
    cls = _BY_NAME.get(action)
    if cls is None and action.startswith(DECISION_PREFIX):
        return Decision
    return cls


def parse(action: str, raw: Mapping[str, Any]) -> LogBody:
    """The typed body of a record of ``action`` whose stored body is ``raw``."""
    if not isinstance(raw, Mapping) or UNREADABLE_KEY in raw:
        text = raw.get(UNREADABLE_KEY) if isinstance(raw, Mapping) else raw
        return Unreadable(str(text))
    cls = body_class(action)
    if cls is None:
        return Unknown(action, raw)
    # Every Body subclass is one of LogBody's members.
    return cast("LogBody", cls.from_body(raw))


def parse_as(cls: type[B], action: str, raw: Mapping[str, Any]) -> B | None:
    """The body of a record if it is a ``cls`` (its action's body, and readable), else None."""
    body = parse(action, raw)
    return body if isinstance(body, cls) else None
