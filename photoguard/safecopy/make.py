"""Making a safe copy: a version of a flagged photo or video that can be posted.

When a photo is still wanted (the whole class on stage, one opted-out child at
the edge), :func:`make_safe_copy` makes a copy in which

* every face of an opted-out student is covered (blur, pixelate or a solid box;
  the face box enlarged by about a third, see safecopy/cover.py): which faces, and
  why, is safecopy/faces.py. Videos are covered in every frame, following each
  face between samples (safecopy/video.py);
* the metadata is built afresh (safecopy/metadata.py): GPS and device fields gone,
  full names in captions cut down to the first name and last initial (or the
  first name, as ``Settings.caption_names`` says), face-region names gone, and
  the file name rewritten the same way. Sidecars are never copied;
* the copy is **rescanned at once** with the scan's own detector, matcher and
  verdict (safecopy/rescan.py). A copy that does not come out clear is made again
  with a larger, stronger cover, up to ``len(LEVELS)`` times; if it is still not
  clear, no copy is offered.

The copy is rendered into a private temporary folder (inside the data folder; a
killed run's leftovers are removed by the next one, see safecopy/leftovers.py) and
described by a :class:`~photoguard.safecopy.preview.SafeCopyPreview`, so the app can
show it beside the original before anything is saved; safecopy/save.py then writes
it to the chosen folder and records it in the approval log.

Decoding, covering and detection run in worker processes, as in a scan
(safecopy/runner.py); the parent holds the references and the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from photoguard.errors import UserError
from photoguard.faces.detect import Box, overlap
from photoguard.faces.match import Match, ReferenceSet
from photoguard.faces.model import MODEL_LABEL
from photoguard.files.hashing import sha256_file
from photoguard.media import SNIFF_BYTES, kind_of
from photoguard.metadata import CaptionFields, container_kind
from photoguard.metadata.fields import PATH_FIELDS
from photoguard.references.enroll import coverage_gaps, load_reference_set
from photoguard.roster import stored as roster_store
from photoguard.roster.first_names import Style
from photoguard.roster.names import NameIndex
from photoguard.safecopy.cover import LEVELS, STYLES, Region, region_as_box, region_for
from photoguard.safecopy.faces import (
    FACE_FINDINGS,
    CoveredFace,
    box4,
    covered_face,
    must_cover,
    track_faces,
)
from photoguard.safecopy.leftovers import make_temp_folder, release, remove_stale_temp_folders
from photoguard.safecopy.metadata import (
    FieldChange,
    MetadataPlan,
    OutFormat,
    copy_file_name,
    plan_metadata,
)
from photoguard.safecopy.photo import PhotoJob, RenderedPhoto, output_format
from photoguard.safecopy.preview import SafeCopyPreview
from photoguard.safecopy.rescan import (
    assess_copy,
    read_captions,
    refuse_unless_coverable,
    video_analysis,
)
from photoguard.safecopy.runner import (
    Analyze,
    Probe,
    RenderPhoto,
    RenderVideo,
    Runner,
    open_pool,
)
from photoguard.safecopy.save import check_destination
from photoguard.safecopy.text import CoveredText, named_in, texts_to_cover
from photoguard.safecopy.video import MAX_GAP_S as VIDEO_MAX_GAP_S
from photoguard.safecopy.video import (
    SOURCE_STEP_S,
    Detection,
    RenderedVideo,
    VideoScan,
    build_tracks,
    plan_covers,
)
from photoguard.scan.analysis import AnalysisOptions, FileAnalysis
from photoguard.scan.review import ReachedFace, reached_faces
from photoguard.scan.verdict import Assessment
from photoguard.scan.workers import CancelToken, WorkerPool
from photoguard.vocab import VerdictKind
from photoguard.workspace.folder import Workspace

Progress = Callable[[str], None]


def _style(style: str) -> str:
    if style not in STYLES:
        raise UserError(f"the cover style must be one of {', '.join(STYLES)}, not {style!r}")
    return style


@dataclass
class _Context:
    ws: Workspace
    source: Path
    style: str
    names: NameIndex
    references: ReferenceSet
    caption_style: Style
    runner: Runner
    progress: Progress
    #: Faces the file's check made review through a face group (scan/review.py): the
    #: same person as a face flagged elsewhere in the check, covered whatever their
    #: own distance.
    reached: tuple[ReachedFace, ...] = ()

    @property
    def options(self) -> AnalysisOptions:
        s = self.ws.settings
        return AnalysisOptions(
            s.min_face_px, s.frames_per_second, s.faces, read_text=s.read_text_in_pictures
        )

    def covers_face(self, encoding: Any, *, profile: bool) -> tuple[bool, Match | None]:
        """Whether a face must be covered, and whom it may be (the scan's rule)."""
        return must_cover(self.references, encoding, profile=profile)

    def rescan(self, copy: Path, analysis: FileAnalysis) -> Assessment:
        return assess_copy(copy, analysis, self.references, self.names)

    def scan_video(self, path: Path, step: int, declared: int) -> VideoScan:
        s = self.ws.settings
        return self.runner.scan_video(path, step, declared, s.min_face_px, s.faces)


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
    source_sha = sha256_file(source, regular_only=True)
    captions = read_captions(source)
    reached = tuple(reached_faces(ws, source, source_sha)) if settings.faces else ()
    if reached and kind == "video":
        # A video's faces are covered by following matches through its frames; a face
        # that only its check's group says is a student cannot be followed: fail closed.
        raise UserError(
            f"no safe copy of {source.name} was made: its check found a face that is the "
            "same person as a face matched elsewhere in the check; decide it by looking "
            "('photoguard review')"
        )

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
            ctx = _Context(
                ws,
                source,
                style,
                names,
                references,
                caption_style,
                Runner(pool, cancel or CancelToken(), source),
                say,
                reached,
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
            copy_sha256=sha256_file(target, regular_only=True),
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
            texts=made.texts,
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
    texts: tuple[CoveredText, ...] = ()


def _photo_copy(ctx: _Context, captions: CaptionFields, target: Path, out_format: Any) -> _Made:
    ctx.progress("checking the original")
    analysis = ctx.runner.one(Analyze(ctx.source, "photo", ctx.options))
    assert isinstance(analysis, FileAnalysis)
    if analysis.error:
        raise UserError(f"no safe copy of {ctx.source.name} was made: {analysis.error}")
    width, height = analysis.width, analysis.height
    faces: list[CoveredFace] = []
    boxes: list[Box] = []

    for hit in analysis.faces:
        if hit.embedded is not None:
            continue  # in a motion photo's video, which the copy leaves out
        covered, match = ctx.covers_face(hit.encoding, profile=hit.profile)
        if covered:
            boxes.append(hit.box)
            faces.append(covered_face(hit.box, match))
            continue
        same = next((r for r in ctx.reached if overlap(box4(hit.box), r.box) >= 0.5), None)
        if same is not None:
            boxes.append(hit.box)
            faces.append(
                CoveredFace(
                    same.student_id,
                    same.distance,
                    box4(hit.box),
                    (0, 0, 0, 0),
                    reason=same.detail,
                )
            )
    found = [box4(hit.box) for hit in analysis.faces if hit.embedded is None]
    lost = [r for r in ctx.reached if not any(overlap(b, r.box) >= 0.5 for b in found)]
    if lost:
        # Its check said this face is a student's; not found again, it cannot be covered.
        raise UserError(
            f"no safe copy of {ctx.source.name} was made: a face its check found to be the same "
            "person as an opted-out student was not found again where it was; decide it by "
            "looking"
        )
    plan: MetadataPlan = plan_metadata(
        ctx.source, captions, ctx.names, ctx.caption_style, out_format
    )
    # The copy is the still picture alone: a new file, so a motion photo's video is not in it.
    removed = plan.removed + (("motion-photo video",) if analysis.embedded_videos else ())
    texts = texts_to_cover(analysis.texts, ctx.names, width, height)
    for level in range(len(LEVELS)):
        ctx.progress("covering faces")
        target.unlink(missing_ok=True)
        regions = tuple(region_for(b, width, height, level) for b in boxes)
        solid = tuple(_region(t.region) for t in texts)
        job = PhotoJob(ctx.source, target, regions, ctx.style, level, plan, width, height, solid)
        rendered = ctx.runner.one(RenderPhoto(job))
        assert isinstance(rendered, RenderedPhoto)
        ctx.progress("rescanning the copy")
        again = ctx.runner.one(Analyze(target, "photo", ctx.options))
        assert isinstance(again, FileAnalysis)
        rescan = ctx.rescan(target, again)
        if rescan.verdict == VerdictKind.CLEAR:
            done = tuple(
                replace(f, region=region_as_box(r)) for f, r in zip(faces, regions, strict=True)
            )
            notes = (
                (f"{len(texts)} line(s) of text in the picture with a student's full name are "
                 "covered with a solid box.",) if texts else ()
            )  # fmt: skip
            return _Made(
                level, width, height, done, plan.changes, removed, rescan, notes, texts=tuple(texts)
            )
        # Text still read with a name under (or beside) a cover: covered too, next round.
        again_texts = texts_to_cover(again.texts, ctx.names, width, height)
        texts += [t for t in again_texts if t.region not in {x.region for x in texts}]
        refuse_unless_coverable(ctx.source, rescan, level == len(LEVELS) - 1)
        for finding in rescan.findings:
            if finding.type in FACE_FINDINGS and finding.box is not None:
                boxes.append(Box(*finding.box))
                faces.append(
                    CoveredFace(
                        finding.student_id,
                        finding.distance,
                        finding.box,
                        (0, 0, 0, 0),
                        reason="found in the rescan",
                        age_band=finding.age_band,
                        flag_distance=finding.flag_distance,
                        review_distance=finding.review_distance,
                    )
                )
    raise AssertionError("unreachable")  # pragma: no cover


def _refuse_names_written_in_video(ctx: _Context, copy: Path) -> None:
    """A video copy's frames are read for text as a scan reads them; a full name written
    in one is not covered (text is followed through a video's frames nowhere yet), so
    no copy is made (fail closed)."""
    if not ctx.options.read_text:
        return
    ctx.progress("reading the text in the copy")
    read = ctx.runner.one(Analyze(copy, "video", replace(ctx.options, encode=False)))
    assert isinstance(read, FileAnalysis)
    for hit in read.texts:
        if named_in(hit.text, ctx.names):
            at = f" at {hit.time_s:.1f} s" if hit.time_s is not None else ""
            raise UserError(
                f"no safe copy of {ctx.source.name} was made: a student's full name is "
                f"written in the video{at}; names written in videos are not covered yet "
                "(photos: they are), so edit it out first"
            )


def _region(box: tuple[int, int, int, int]) -> Region:
    left, top, w, h = box
    return (left, top, left + w, top + h)


def _detections(ctx: _Context, scanned: VideoScan) -> list[Detection]:
    out = []
    for face in scanned.faces:
        covered, match = ctx.covers_face(face.encoding, profile=face.profile)
        out.append(
            Detection(
                face.frame,
                face.box,
                match.student_id if match else None,
                match.distance if match else None,
                covered,
                match,
            )
        )
    return out


def _video_copy(ctx: _Context, captions: CaptionFields, target: Path) -> _Made:
    ctx.progress("checking the original")
    fps, declared, _w, _h = ctx.runner.one(Probe(ctx.source))
    step = max(1, round(fps * SOURCE_STEP_S))
    original = ctx.scan_video(ctx.source, step, declared)
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
        rendered = ctx.runner.one(RenderVideo(ctx.source, target, covers, ctx.style, level))
        assert isinstance(rendered, RenderedVideo)
        ctx.progress("rescanning the copy, every frame")
        again = ctx.scan_video(target, 1, rendered.frames)
        rescan = ctx.rescan(target, video_analysis(again, fps))
        if rescan.verdict == VerdictKind.CLEAR:
            faces = track_faces(
                tracks,
                fps,
                step,
                frame_count,
                (width, height),
                level,
            )
            _refuse_names_written_in_video(ctx, target)
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
        refuse_unless_coverable(ctx.source, rescan, level == len(LEVELS) - 1)
        detections += [d for d in _detections(ctx, again) if d.cover]
    raise AssertionError("unreachable")  # pragma: no cover


def _unique(changes: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
    seen: dict[tuple[str, str], FieldChange] = {}
    for c in changes:
        seen.setdefault((c.field, c.action), c)
    return tuple(seen.values())
