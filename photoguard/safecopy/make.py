"""Safe copies: a version of a flagged photo or video that can be posted.

When a photo is still wanted (the whole class on stage, one opted-out child at
the edge), :func:`make_safe_copy` makes a copy in which

* every face of an opted-out student is covered (blur, pixelate or a solid box;
  the face box enlarged by about a third, see safecopy_cover.py): faces that
  match (``opted_out_face``) and faces in the review band
  (``possible_opted_out_face``), since "review" is not clear; in faces-off mode
  every face, since none can be told apart. Videos are covered in every frame,
  following each face between samples (safecopy_video.py);
* the metadata is built afresh (metadata_clean.py): GPS and device fields gone,
  full names in captions cut down to the first name and last initial (or the
  first name, as ``Settings.caption_names`` says), face-region names gone, and
  the file name rewritten the same way. Sidecars are never copied;
* the copy is **rescanned at once** with the scan's own detector, matcher and
  verdict (videos on every frame, not the scan's samples). A copy that does not
  come out clear is made again with a larger, stronger cover, up to
  ``len(LEVELS)`` times; if it is still not clear, no copy is offered.

The copy is rendered into a private temporary folder (inside the data folder; a
killed run's leftovers are removed by the next one, see safecopy_leftovers.py) and
described by a
:class:`SafeCopyPreview`, so the app can show it beside the original before
anything is saved; :func:`save_safe_copy` then writes it to the chosen folder
(never the original's folder, never over an existing file) and appends one
``safecopy`` record to the approval log with both SHA-256 values and who made
it. The original is only ever read.

Decoding, covering and detection run in worker processes, as in a scan; the
parent holds the references and the database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoguard.audit import chain as audit
from photoguard.errors import UserError
from photoguard.faces.detect import Box
from photoguard.faces.match import ReferenceSet
from photoguard.faces.model import MODEL_LABEL
from photoguard.media import SNIFF_BYTES, Kind, MediaError, kind_of
from photoguard.metadata import CaptionFields, FieldError, container_kind, read_caption_fields
from photoguard.metadata.fields import PATH_FIELDS
from photoguard.references.enroll import coverage_gaps, load_reference_set
from photoguard.roster import stored as roster_store
from photoguard.roster.first_names import Style
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex
from photoguard.safecopy.cover import LEVELS, STYLES, region_as_box, region_for
from photoguard.safecopy.leftovers import (
    make_temp_folder,
    release,
    remove_stale_partials,
    remove_stale_temp_folders,
    write_partial,
)
from photoguard.safecopy.metadata import (
    FieldChange,
    MetadataPlan,
    OutFormat,
    copy_file_name,
    plan_metadata,
)
from photoguard.safecopy.photo import PhotoJob, RenderedPhoto, output_format, render_photo
from photoguard.safecopy.video import MAX_GAP_S as VIDEO_MAX_GAP_S
from photoguard.safecopy.video import (
    SOURCE_STEP_S,
    Detection,
    RenderedVideo,
    Track,
    VideoScan,
    build_tracks,
    chunks,
    plan_covers,
    probe,
    render_video,
    scan_frames,
    track_boxes,
)
from photoguard.scan.analysis import AnalysisOptions, FaceHit, FileAnalysis, analyze_file
from photoguard.scan.run import CancelToken, file_sha256
from photoguard.scan.verdict import (
    OPTED_OUT_FACE,
    POSSIBLE_OPTED_OUT_FACE,
    UNMATCHED_FACE,
    Assessment,
    assess,
)
from photoguard.scan.workers import WorkerFailure, WorkerPool
from photoguard.workspace.folder import Workspace

#: The log action of a saved safe copy.
ACTION = "safecopy"
#: How long one worker task (a render, a range of frames) may take, seconds.
TASK_TIMEOUT_S = 3600.0
#: Finding types that put a face under a cover.
FACE_FINDINGS = frozenset({OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, UNMATCHED_FACE})

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CoveredFace:
    """One face covered in the copy (for videos: one face followed through frames)."""

    #: The opted-out student it matches; None in faces-off mode.
    student_id: str | None
    distance: float | None
    #: The face as found in the original, [left, top, width, height] in upright pixels
    #: (videos: where it was first found).
    box: tuple[int, int, int, int]
    #: The pixels covered in the copy, same form (videos: at the first frame covered).
    region: tuple[int, int, int, int]
    #: Videos: the first and last second in which this face is covered.
    time_s: float | None = None
    until_s: float | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"box": list(self.box), "region": list(self.region)}
        if self.student_id:
            out["student_id"] = self.student_id
        if self.distance is not None:
            out["distance"] = round(self.distance, 4)
        if self.time_s is not None:
            out["time_s"] = round(self.time_s, 2)
            out["until_s"] = round(self.until_s or self.time_s, 2)
        return out


@dataclass(frozen=True)
class SafeCopyPreview:
    """A safe copy made and rescanned clear, waiting in a temporary folder to be saved.

    ``path`` is the copy itself (show it beside ``source``); call :func:`save_safe_copy`
    to keep it, and :meth:`discard` (or use ``with``) to remove the temporary folder.
    """

    source: Path
    source_sha256: str
    kind: Kind
    #: The copy, in a private temporary folder, already under its final file name.
    path: Path
    copy_sha256: str
    style: str
    #: Which cover strength was needed (0 = the first; see safecopy_cover.LEVELS).
    level: int
    width: int
    height: int
    faces: tuple[CoveredFace, ...]
    #: What happened to each field of the original's metadata and to its file name.
    fields: tuple[FieldChange, ...]
    #: What the original had that the copy does not, in plain words ("GPS location", ...).
    removed: tuple[str, ...]
    #: The rescan of the copy: always ``clear`` (no preview is made otherwise).
    rescan: Assessment
    #: Videos: False (OpenCV writes pictures only). Photos: None.
    audio_kept: bool | None
    #: Plain sentences the person saving the copy should read.
    notes: tuple[str, ...]
    coverage_gaps: tuple[Student, ...] = ()
    roster_version: str = ""
    #: Videos: frames written, and a moment worth showing (the first covered face).
    frames: int = 0
    preview_time_s: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def faces_covered(self) -> int:
        return len(self.faces)

    @property
    def names_rewritten(self) -> tuple[FieldChange, ...]:
        return tuple(f for f in self.fields if f.student_ids)

    def discard(self) -> None:
        """Remove the temporary copy (safe to call twice, and after saving)."""
        release(self.path.parent)

    def __enter__(self) -> SafeCopyPreview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


@dataclass(frozen=True)
class SavedCopy:
    path: Path
    sha256: str
    record_seq: int
    record_hash: str


# ------------------------------------------------------------------------ workers


def _work(task: str, *args: Any) -> Any:
    """What a worker process does for a safe copy. Media errors come back as values."""
    try:
        if task == "analyze":
            return analyze_file(*args)
        if task == "render_photo":
            return render_photo(*args)
        if task == "probe":
            return probe(*args)
        if task == "scan_frames":
            return scan_frames(*args)
        if task == "render_video":
            return render_video(*args)
    except MediaError as exc:
        return WorkerFailure(str(exc))
    except FileExistsError as exc:
        return WorkerFailure(f"{exc.filename} already exists")
    raise ValueError(f"unknown task {task!r}")


def open_pool(processes: int | None = None) -> WorkerPool:
    """Worker processes for safe copies (use with ``with``; share across many copies)."""
    procs = max(1, processes or os.cpu_count() or 1)
    return WorkerPool(_work, processes=procs, timeout_s=TASK_TIMEOUT_S)


class _Runner:
    def __init__(self, pool: WorkerPool, cancel: CancelToken, source: Path) -> None:
        self.pool = pool
        self.cancel = cancel
        self.source = source

    def many(self, tasks: list[tuple[Any, ...]]) -> list[Any]:
        """Run tasks in parallel; results in task order. Raises UserError on failure."""
        results: dict[int, Any] = {}
        for key, result in self.pool.run(list(enumerate(tasks)), lambda: self.cancel.cancelled):
            results[key] = result
        if self.cancel.cancelled:
            raise UserError("the safe copy was cancelled; nothing was saved")
        out = [results.get(i) for i in range(len(tasks))]
        for r in out:
            if isinstance(r, WorkerFailure) or r is None:
                reason = r.reason if isinstance(r, WorkerFailure) else "no result"
                raise UserError(f"no safe copy of {self.source.name} was made: {reason}")
        return out

    def one(self, *task: Any) -> Any:
        return self.many([task])[0]


# --------------------------------------------------------------------------- making


def _style(style: str) -> str:
    if style not in STYLES:
        raise UserError(f"the cover style must be one of {', '.join(STYLES)}, not {style!r}")
    return style


def _captions(path: Path) -> CaptionFields:
    try:
        return read_caption_fields(path, path.parent)
    except Exception as exc:  # the readers promise not to raise; fail closed if one does
        return CaptionFields((), (FieldError("metadata", f"could not be read ({exc})"),))


@dataclass
class _Context:
    ws: Workspace
    source: Path
    style: str
    names: NameIndex
    references: ReferenceSet
    caption_style: Style
    runner: _Runner
    progress: Progress
    processes: int

    @property
    def options(self) -> AnalysisOptions:
        s = self.ws.settings
        return AnalysisOptions(s.min_face_px, s.frames_per_second, s.faces)

    def covers_face(self, encoding: Any) -> tuple[bool, str | None, float | None]:
        """Whether a face must be covered: (cover, student, distance)."""
        if encoding is None:  # faces-off mode: every face
            return True, None, None
        match = self.references.nearest(encoding)
        if match is None or match.distance > self.ws.settings.review_distance:
            return False, None, None
        return True, match.student_id, match.distance

    def rescan(self, copy: Path, analysis: FileAnalysis) -> Assessment:
        return assess(analysis, _captions(copy), self.references, self.names, self.ws.settings)


def make_safe_copy(
    ws: Workspace,
    source: Path | str,
    style: str = "blur",
    *,
    out_dir: Path | str | None = None,
    processes: int | None = None,
    pool: WorkerPool | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> SafeCopyPreview:
    """Make a safe copy of one photo or video and rescan it; nothing is saved yet.

    With ``out_dir``, first check that the copy may be saved there (not the original's
    folder, no file of that name yet), so no time is spent on a copy that cannot be saved.
    Making many copies, pass one ``pool`` from :func:`open_pool` to all of them: its
    workers load the face models once.
    Raises UserError (one sentence) when no clear copy can be made: the file cannot
    be read, it is animated, or a face was still recognised after the strongest cover.
    """
    style = _style(style)
    source = Path(source)
    if not source.is_file():
        raise UserError(f"{source} is not a file")
    with source.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    kind = kind_of(source, head)
    if kind is None:
        raise UserError(f"{source.name} is not a photo or video photoguard can read")
    with ws.db.snapshot() as tx:
        version, students = roster_store.roster_in_force(tx, ws.school)
    settings = ws.settings
    references = load_reference_set(ws) if settings.faces else ReferenceSet([])
    gaps = tuple(coverage_gaps(ws)) if settings.faces else ()
    names = NameIndex(students)
    caption_style: Style = "remove" if settings.caption_names == "remove" else "initial"
    say = progress or (lambda _text: None)
    source_sha = file_sha256(source)
    captions = _captions(source)

    out_format: OutFormat | None = None
    suffix = ".mp4"
    if kind == "photo":
        out_format, suffix = output_format(source)
    name, name_ids = copy_file_name(source.name, names, caption_style, suffix)
    if out_dir is not None:
        check_destination(source, Path(out_dir), name)
    remove_stale_temp_folders(ws.home)  # a killed run's, never one in use
    tmp = make_temp_folder(ws.home)
    target = tmp / name
    try:
        with contextlib.ExitStack() as stack:
            if pool is None:
                pool = stack.enter_context(open_pool(processes))
            procs = pool.processes
            ctx = _Context(
                ws,
                source,
                style,
                names,
                references,
                caption_style,
                _Runner(pool, cancel or CancelToken(), source),
                say,
                procs,
            )
            if out_format is not None:
                made = _photo_copy(ctx, captions, target, out_format)
            else:
                made = _video_copy(ctx, captions, target)
        fields = list(made.fields)
        if name_ids:
            fields.insert(
                0, FieldChange("filename", "rewritten", tuple(name_ids), "full name cut down")
            )
        notes = list(made.notes)
        container = container_kind(head[:16])
        if kind == "photo" and container not in ("JPEG", "PNG"):
            notes.insert(0, f"The {container or source.suffix.lstrip('.').upper()} photo is saved "
                         f"as {'JPEG' if suffix == '.jpg' else 'PNG'}.")  # fmt: skip
        if kind == "video":
            notes.insert(0, "Audio is not kept: the copy has pictures only.")
        if any(f.action == "not copied" for f in fields):
            notes.append("Sidecar files beside the original are not copied.")
        if made.level > 0:
            notes.append(
                "A face was still recognised under the first cover; the copy uses a larger, "
                "stronger one."
            )
        return SafeCopyPreview(
            source=source,
            source_sha256=source_sha,
            kind=kind,
            path=target,
            copy_sha256=file_sha256(target),
            style=style,
            level=made.level,
            width=made.width,
            height=made.height,
            faces=made.faces,
            fields=tuple(fields),
            removed=made.removed,
            rescan=made.rescan,
            audio_kept=False if kind == "video" else None,
            notes=tuple(notes),
            coverage_gaps=gaps,
            roster_version=version.label,
            frames=made.frames,
            preview_time_s=made.preview_time_s,
            settings=settings.report_fields() | {"model": MODEL_LABEL},
        )
    except BaseException:
        release(tmp)
        raise


@dataclass(frozen=True)
class _Made:
    level: int
    width: int
    height: int
    faces: tuple[CoveredFace, ...]
    fields: tuple[FieldChange, ...]
    removed: tuple[str, ...]
    rescan: Assessment
    notes: tuple[str, ...] = ()
    frames: int = 0
    preview_time_s: float | None = None


def _not_clear(source: Path, rescan: Assessment, last_level: bool) -> None:
    """Raise if the rescan found something that a stronger cover cannot fix."""
    others = [f for f in rescan.findings if f.type not in FACE_FINDINGS]
    if others:
        first = others[0]
        where = f" in {first.field}" if first.field else ""
        raise UserError(
            f"the safe copy of {source.name} did not rescan clear ({first.type}{where}: "
            f"{first.detail or rescan.reason}); no copy was made"
        )
    if last_level:
        raise UserError(
            f"a face in the safe copy of {source.name} was still recognised after the "
            f"strongest cover ({rescan.reason}); no copy was made. Try --style box"
        )


def _photo_copy(ctx: _Context, captions: CaptionFields, target: Path, out_format: Any) -> _Made:
    ctx.progress("checking the original")
    analysis = ctx.runner.one("analyze", ctx.source, "photo", ctx.options)
    assert isinstance(analysis, FileAnalysis)
    if analysis.error:
        raise UserError(f"no safe copy of {ctx.source.name} was made: {analysis.error}")
    width, height = analysis.width, analysis.height
    faces: list[CoveredFace] = []
    boxes: list[Box] = []

    def add(box: Box, sid: str | None, distance: float | None, reason: str) -> None:
        boxes.append(box)
        faces.append(CoveredFace(sid, distance, _box4(box), (0, 0, 0, 0), reason=reason))

    for hit in analysis.faces:
        if hit.embedded is not None:
            continue  # in a motion photo's video, which the copy leaves out
        covered, sid, distance = ctx.covers_face(hit.encoding)
        if covered:
            add(hit.box, sid, distance, _reason(sid, distance, ctx.ws.settings.match_distance))
    plan: MetadataPlan = plan_metadata(
        ctx.source, captions, ctx.names, ctx.caption_style, out_format
    )
    # The copy is the still picture alone: a new file, so a motion photo's video is not in it.
    removed = plan.removed + (("motion-photo video",) if analysis.embedded_videos else ())
    for level in range(len(LEVELS)):
        ctx.progress("covering faces")
        target.unlink(missing_ok=True)
        regions = tuple(region_for(b, width, height, level) for b in boxes)
        job = PhotoJob(ctx.source, target, regions, ctx.style, level, plan, width, height)
        rendered = ctx.runner.one("render_photo", job)
        assert isinstance(rendered, RenderedPhoto)
        ctx.progress("rescanning the copy")
        again = ctx.runner.one("analyze", target, "photo", ctx.options)
        assert isinstance(again, FileAnalysis)
        rescan = ctx.rescan(target, again)
        if rescan.verdict == "clear":
            done = tuple(
                CoveredFace(f.student_id, f.distance, f.box, region_as_box(r), reason=f.reason)
                for f, r in zip(faces, regions, strict=True)
            )
            return _Made(level, width, height, done, plan.changes, removed, rescan)
        _not_clear(ctx.source, rescan, level == len(LEVELS) - 1)
        for finding in rescan.findings:
            if finding.type in FACE_FINDINGS and finding.box is not None:
                add(Box(*finding.box), finding.student_id, finding.distance, "found in the rescan")
    raise AssertionError("unreachable")  # pragma: no cover


def _box4(box: Box) -> tuple[int, int, int, int]:
    return (box.left, box.top, box.width, box.height)


def _reason(sid: str | None, distance: float | None, match_distance: float | None) -> str:
    if sid is None:
        return "faces-off mode: every face is covered"
    if distance is not None and match_distance is not None and distance > match_distance:
        return f"looks like an opted-out student (distance {distance:.2f}, review band)"
    return f"matches an opted-out student (distance {distance:.2f})"


def _video_scan(ctx: _Context, path: Path, step: int, declared: int) -> VideoScan:
    """Faces in every ``step``-th frame of a video, in parallel ranges."""
    s = ctx.ws.settings
    parts = chunks(declared, ctx.processes, step)
    results = ctx.runner.many(
        [("scan_frames", path, a, b, step, s.min_face_px, s.faces) for a, b in parts]
    )
    scans: list[VideoScan] = results
    for r in scans:
        if r.error:
            raise UserError(f"no safe copy of {ctx.source.name} was made: {r.error}")
    last = scans[-1]
    return VideoScan(
        fps=last.fps,
        declared_frames=last.declared_frames,
        width=last.width,
        height=last.height,
        frames_read=last.frames_read,
        frames_checked=sum(r.frames_checked for r in scans),
        faces=tuple(f for r in scans for f in r.faces),
    )


def _detections(ctx: _Context, scanned: VideoScan) -> list[Detection]:
    out = []
    for face in scanned.faces:
        covered, sid, distance = ctx.covers_face(face.encoding)
        out.append(Detection(face.frame, face.box, sid, distance, covered))
    return out


def _video_copy(ctx: _Context, captions: CaptionFields, target: Path) -> _Made:
    ctx.progress("checking the original")
    fps, declared, _w, _h = ctx.runner.one("probe", ctx.source)
    step = max(1, round(fps * SOURCE_STEP_S))
    original = _video_scan(ctx, ctx.source, step, declared)
    frame_count = original.frames_read
    width, height = original.width, original.height
    detections = _detections(ctx, original)
    max_gap = max(step, round(VIDEO_MAX_GAP_S * fps))
    changes = tuple(
        FieldChange(c.field, "removed", reason="videos are copied without their metadata")
        for c in captions.fields
        if c.field not in PATH_FIELDS and not c.field.startswith("sidecar:")
    ) + tuple(
        FieldChange(c.field, "not copied", reason="sidecar files are never copied")
        for c in captions.fields
        if c.field.startswith("sidecar:")
    )
    for level in range(len(LEVELS)):
        tracks = build_tracks(detections, max_gap)
        covers = plan_covers(tracks, fps, step, frame_count, width, height, level)
        ctx.progress("covering faces")
        target.unlink(missing_ok=True)
        rendered = ctx.runner.one("render_video", ctx.source, target, covers, ctx.style, level)
        assert isinstance(rendered, RenderedVideo)
        ctx.progress("rescanning the copy, every frame")
        again = _video_scan(ctx, target, 1, rendered.frames)
        analysis = FileAnalysis(
            kind="video",
            width=again.width,
            height=again.height,
            frames_checked=again.frames_checked,
            duration_s=again.frames_read / fps,
            faces=tuple(FaceHit(f.box, f.encoding, round(f.frame / fps, 2)) for f in again.faces),
        )
        rescan = ctx.rescan(target, analysis)
        if rescan.verdict == "clear":
            faces = _track_faces(
                tracks,
                fps,
                step,
                frame_count,
                (width, height),
                level,
                ctx.ws.settings.match_distance,
            )
            first = min((f.time_s for f in faces if f.time_s is not None), default=None)
            return _Made(
                level,
                width,
                height,
                faces,
                _unique(changes),
                (),
                rescan,
                frames=rendered.frames,
                preview_time_s=first,
            )
        _not_clear(ctx.source, rescan, level == len(LEVELS) - 1)
        detections += [d for d in _detections(ctx, again) if d.cover]
    raise AssertionError("unreachable")  # pragma: no cover


def _track_faces(
    tracks: list[Track],
    fps: float,
    step: int,
    frame_count: int,
    size: tuple[int, int],
    level: int,
    match_distance: float,
) -> tuple[CoveredFace, ...]:
    """One entry per face followed through the video: who, and from when to when."""
    out = []
    for t in tracks:
        if not t.covered:
            continue
        frames = [f for f, _box, _grow in track_boxes(t, fps, step, frame_count)]
        first = min(t.detections, key=lambda d: d.frame)
        matched = [d for d in t.detections if d.cover]
        best = min(matched, key=lambda d: 9.0 if d.distance is None else d.distance)
        out.append(
            CoveredFace(
                student_id=best.student_id,
                distance=best.distance,
                box=_box4(first.box),
                region=region_as_box(region_for(first.box, *size, level)),
                time_s=min(frames) / fps,
                until_s=max(frames) / fps,
                reason=_reason(best.student_id, best.distance, match_distance),
            )
        )
    return tuple(sorted(out, key=lambda f: (f.time_s or 0.0, f.box)))


def _unique(changes: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
    seen: dict[tuple[str, str], FieldChange] = {}
    for c in changes:
        seen.setdefault((c.field, c.action), c)
    return tuple(seen.values())


# ---------------------------------------------------------------------------- saving


def _clean_by(by: str) -> str:
    name = " ".join(by.split())
    if not name:
        raise UserError("say who is making the copy (--by NAME)")
    if any(ord(c) < 32 for c in by if c not in " \t"):
        raise UserError("the name of who is making the copy must be one line")
    return name


def check_destination(source: Path, out_dir: Path, name: str | None = None) -> Path:
    """The folder (and file) a copy may be written to; raises UserError if it may not."""
    try:
        same = out_dir.resolve() == source.resolve().parent
    except OSError:
        same = False
    if same:
        raise UserError(
            f"a safe copy is never written into the folder it is copied from ({out_dir}); "
            "choose another output folder"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is not a folder")
    if name is not None and (out_dir / name).exists():
        raise UserError(f"{out_dir / name} already exists; a safe copy never replaces a file")
    return out_dir / name if name else out_dir


def save_safe_copy(
    ws: Workspace, preview: SafeCopyPreview, out_dir: Path | str, by: str
) -> SavedCopy:
    """Write the previewed copy into ``out_dir`` and record it in the approval log."""
    by = _clean_by(by)
    out_dir = Path(out_dir)
    target = check_destination(preview.source, out_dir, preview.name)
    if not preview.path.is_file() or file_sha256(preview.path) != preview.copy_sha256:
        raise UserError("the previewed copy is no longer there as it was made; make it again")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _place(preview.path, target)
    except FileExistsError as exc:
        raise UserError(f"{target} already exists; a safe copy never replaces a file") from exc
    except OSError as exc:
        raise UserError(f"could not write {target}: {exc.strerror or exc}") from exc
    written = file_sha256(target)
    if written != preview.copy_sha256:
        target.unlink(missing_ok=True)
        raise UserError(f"{target} did not read back as written; it was removed")
    body: dict[str, Any] = {
        "source_path": str(preview.source.resolve()),
        "source_sha256": preview.source_sha256,
        "copy_path": str(target.resolve()),
        "copy_sha256": written,
        "kind": preview.kind,
        "faces_covered": preview.faces_covered,
        "faces": [f.as_json() for f in preview.faces],
        "style": preview.style,
        "strength": preview.level,
        "names_rewritten": [f.as_json() for f in preview.names_rewritten],
        "fields_removed": sorted({f.field for f in preview.fields if f.action != "rewritten"}),
        "removed": list(preview.removed),
        "by": by,
        "rescan": {
            "verdict": preview.rescan.verdict,
            "frames_checked": preview.rescan.frames_checked,
            "faces": preview.rescan.faces,
            "reason": preview.rescan.reason,
        },
        "roster_version": preview.roster_version,
        "settings": preview.settings,
    }
    if preview.kind == "video":
        body["audio_kept"] = False
    with ws.db.transaction() as tx:
        record = audit.append(tx, ws.school, by, ACTION, body)
    audit.write_head(ws.home, ws.school, record)
    return SavedCopy(target, written, record.seq, record.hash)


def _place(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` without ever replacing a file at ``target``: written
    beside it under a temporary name of its own, flushed, then linked into place. What
    killed saves left in that folder is removed first (safecopy_leftovers.py)."""
    remove_stale_partials(target.parent)
    partial = write_partial(source, target)
    try:
        try:
            os.link(partial, target)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network shares)
            if target.exists():
                raise FileExistsError(str(target)) from None
            os.rename(partial, target)
    finally:
        release(partial)
