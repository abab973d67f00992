"""The scan: a generator of typed events that the command line prints and the app wraps.

One way through the data::

    paths -> walk -> hash -> worker: hash, decode, detect, encode -> match + captions
          -> verdict -> recorded (scan tables + approval log) -> FileChecked event
    every file in -> face groups (groups.py): a file with a face that is the same
          person as a face flagged elsewhere is revised (recorded again) -> FileRevised
          -> decisions (scan --approve), on final verdicts only -> ScanFinished

Decoding and detection run in worker processes (workers.py); the parent owns
the database, holds the decrypted references, reads captions and decides
verdicts. Cancellation is a flag checked between files. Every file met ends as a
:class:`~photoguard.scan.report.FileResult` or a :class:`~photoguard.media.walk.Skipped`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from photoguard import audit
from photoguard.audit import bodies
from photoguard.errors import UserError
from photoguard.faces.match import ReferenceSet
from photoguard.faces.model import MODEL_LABEL
from photoguard.files.clock import utc_timestamp, utcnow
from photoguard.files.hashing import sha256_file
from photoguard.files.pathtext import display, stored
from photoguard.media.walk import Found, Skipped, walk
from photoguard.metadata import (
    CaptionFields,
    FieldError,
    combine,
    read_failing_closed,
    read_outside_fields,
)
from photoguard.references.enroll import load_reference_set, status
from photoguard.roster import stored as roster_store
from photoguard.roster.model import Student
from photoguard.roster.names import NameIndex
from photoguard.scan import stored as scan_store
from photoguard.scan.analysis import AnalysisOptions, FileAnalysis, merge_parts
from photoguard.scan.answers import answered, from_kept
from photoguard.scan.cache import ScanCache, cache_key
from photoguard.scan.failure import WorkerFailure
from photoguard.scan.groups import GROUP_REACHED, CheckedFace, face_groups, reached_by_flags
from photoguard.scan.pinned import CHANGED, FileTask, PinnedAnalysis, run_file_task
from photoguard.scan.report import FileResult, ScanReport
from photoguard.scan.review import groups_to_review
from photoguard.scan.verdict import Finding, assess, with_findings
from photoguard.scan.workers import DEFAULT_TIMEOUT_S, CancelToken, WorkerPool, warm_up
from photoguard.vocab import YOUNGEST_BAND, DecisionKind, FindingType, LogAction
from photoguard.workspace.folder import Workspace

#: Scan records are committed at least this often (seconds) when nothing forces it sooner.
COMMIT_EVERY_S = 1.0


@dataclass(frozen=True)
class ScanOptions:
    #: Record an approval for each clear file (and block/pending for the rest) as this person.
    approve_by: str | None = None
    actor: str | None = None
    processes: int | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    #: Reuse what an earlier scan found in unchanged files (see cache.py).
    use_cache: bool = True


# ---------------------------------------------------------------------------- events


@dataclass(frozen=True)
class ScanStarted:
    scan_id: int
    total: int
    skipped: int
    roster_version: str
    coverage_gaps: tuple[Student, ...]


@dataclass(frozen=True)
class FileSkipped:
    skipped: Skipped


@dataclass(frozen=True)
class FileChecked:
    result: FileResult
    done: int
    total: int
    #: Seconds left, estimated from the pace so far.
    eta_s: float | None


@dataclass(frozen=True)
class FileDecided:
    result: FileResult
    #: The decision recorded (a clear file whose approval was refused is "pending").
    decision: str
    record_seq: int
    #: Why the decision is not what the verdict asked for (an approval refused).
    why: str | None = None


@dataclass(frozen=True)
class FileRevised:
    """A file checked earlier in this check, judged again once every file was in: a face
    in it is the same person as a face flagged elsewhere in the check (groups.py)."""

    result: FileResult
    #: Its verdict before.
    was: str


@dataclass(frozen=True)
class ScanFinished:
    report: ScanReport


ScanEvent = ScanStarted | FileSkipped | FileChecked | FileRevised | FileDecided | ScanFinished


# ------------------------------------------------------------------------------ scan


def file_sha256(path: Path) -> str:
    """The file's SHA-256, opened as a regular file only (what a scan records)."""
    return sha256_file(path, regular_only=True)


def _captions(item: Found, analysis: FileAnalysis | WorkerFailure) -> CaptionFields:
    """The file's captions: embedded ones as the worker read them, plus its sidecars and
    path names (read here: plain Python, no codec)."""
    outside = read_failing_closed(lambda: read_outside_fields(item.path, item.root))
    if isinstance(analysis, WorkerFailure):
        return outside  # the file is an error already; its embedded captions were not read
    if analysis.captions is None:
        missing = FieldError("metadata", "the captions inside the file were not read")
        return combine(outside, CaptionFields((), (missing,)))
    return combine(outside, analysis.captions)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def scan(
    ws: Workspace,
    paths: Sequence[Path],
    options: ScanOptions | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[ScanEvent]:
    """Check every photo and video under ``paths``. Raises UserError before starting if
    there is nothing to check against."""
    options = options or ScanOptions()
    cancel = cancel or CancelToken()
    settings = ws.settings
    actor = options.actor or options.approve_by or audit.default_actor()
    for given in paths:
        if not os.path.lexists(given):
            raise UserError(f"{display(given)} does not exist")
    with ws.db.snapshot() as tx:
        version, students = roster_store.roster_in_force(tx, ws.school)
    # Stamped before the references are read: anything enrolled after this moment
    # was not looked for, and decisions.py refuses approvals on that basis.
    started_at = utc_timestamp()  # to the microsecond: see logged_check.later
    references = load_reference_set(ws) if settings.faces else ReferenceSet([])
    enrolled = status(ws) if settings.faces else []
    gaps = tuple(e.student for e in enrolled if not e.references)
    stale = tuple(e.student for e in enrolled if e.references and e.stale)
    names = NameIndex(students)
    by_id = {s.student_id: s for s in students}
    student_names = {s.student_id: s.display_name for s in students}

    found: list[Found] = []
    skipped: list[Skipped] = []
    for item in walk(paths):
        if isinstance(item, Found):
            found.append(item)
        else:
            skipped.append(item)

    report_settings = settings.report_fields() | {"model": MODEL_LABEL}
    with ws.db.transaction() as tx:
        scan_id = scan_store.start_scan(
            tx, ws.school, actor, version.id, report_settings, started_at=started_at
        )
        record = audit.append(
            tx,
            ws.school,
            actor,
            LogAction.SCAN_START,
            bodies.ScanStart(
                scan_id=scan_id,
                paths=tuple(stored(Path(p).resolve()) for p in paths),
                roster_version=version.label,
                settings=report_settings,
                model=MODEL_LABEL,
                # When the references were read: decisions.py compares enrollments with it.
                started_at=started_at,
                files=len(found),
                skipped=len(skipped),
            ).to_json_dict(),
        )
    audit.write_head(ws.home, ws.school, record)

    yield ScanStarted(scan_id, len(found), len(skipped), version.label, gaps)
    for s in skipped:
        yield FileSkipped(s)

    recorder = _Recorder(ws, scan_id, version.label, actor)
    results: list[FileResult] = []
    #: What the workers found in each result's file (by its index in ``results``): the
    #: face groups are made from it once every file is in.
    analyses: dict[int, FileAnalysis] = {}
    analysis_options = AnalysisOptions(
        min_face_px=settings.min_face_px,
        frames_per_second=settings.frames_per_second,
        encode=settings.faces,
        read_text=settings.read_text_in_pictures,
    )
    cache = ScanCache(ws.home, settings.cache_days) if options.use_cache else None

    def stopped() -> bool:
        return cancel.cancelled

    t0 = time.monotonic()

    def finish(
        i: int, analysis: FileAnalysis | WorkerFailure, sha256: str, cached: bool
    ) -> Iterator[ScanEvent]:
        item = found[i]
        captions = _captions(item, analysis)
        assessment = assess(analysis, captions, references, names)
        if cache is not None and sha256 and isinstance(analysis, FileAnalysis):
            # Faces a person already said are not the students they look like.
            kept = from_kept(cache.answers(sha256))
            assessment = answered(assessment, kept, student_names)
        result = FileResult(
            path=item.path,
            rel=item.rel,
            sha256=sha256,
            kind=item.kind,
            assessment=assessment,
            cached=cached,
        )
        if isinstance(analysis, FileAnalysis):
            analyses[len(results)] = analysis
        results.append(result)
        recorder.add(result, force=False)
        done = len(results)
        elapsed = time.monotonic() - t0
        eta = elapsed / done * (len(found) - done) if done else None
        yield FileChecked(result, done, len(found), eta)

    try:
        # 1. Hash every file; what the cache already knows is matched at once.
        hashes: dict[int, str] = {}
        misses: list[int] = []
        for i, item in enumerate(found):
            if cancel.cancelled:
                break
            try:
                hashes[i] = file_sha256(item.path)
            except OSError as exc:
                yield from finish(
                    i, WorkerFailure(f"unreadable ({exc.strerror or exc})"), "", False
                )
                continue
            if item.unchecked is not None:  # a document or archive: never decoded (walk.py)
                yield from finish(i, WorkerFailure(item.unchecked), hashes[i], False)
                continue
            known = (
                cache.get(cache_key(hashes[i], item.media_kind, analysis_options))
                if cache
                else None
            )
            if known is not None:
                yield from finish(i, known, hashes[i], True)
            else:
                if not misses:
                    warm_up()  # the workers' server imports its libraries while hashing goes on
                misses.append(i)

        # 2. Decode and search the rest in worker processes. A video is split between
        #    the workers (each searches every n-th sample), so one long clip uses every core.
        #    Each worker says which bytes it checked (pinned.py): a file whose bytes are not
        #    the ones hashed in step 1 changed meanwhile, and is an error, never cached.
        processes = max(1, options.processes or os.cpu_count() or 1)
        # Longest work first (videos, then the largest files), so that the last tasks
        # are small ones and no core sits idle long while another finishes a big file.
        misses.sort(key=lambda i: (found[i].kind != "video", -_size(found[i].path)))
        parts_of: dict[int, int] = {}
        tasks: list[tuple[tuple[int, int], tuple[FileTask]]] = []
        for i in misses:
            item = found[i]
            n = processes if item.kind == "video" else 1
            parts_of[i] = n
            tasks.extend(
                ((i, k), (FileTask(item.path, item.media_kind, analysis_options, k, n),))
                for k in range(n)
            )
        collected: dict[int, list[FileAnalysis | WorkerFailure]] = {}
        if tasks and not cancel.cancelled:
            with WorkerPool(
                run_file_task, processes=processes, timeout_s=options.timeout_s
            ) as pool:
                for (i, _k), outcome in pool.run(iter(tasks), stopped):
                    if isinstance(outcome, PinnedAnalysis):
                        if outcome.sha256 != hashes[i]:
                            outcome = WorkerFailure(CHANGED)
                        else:
                            outcome = outcome.analysis
                    if not isinstance(outcome, FileAnalysis | WorkerFailure):
                        outcome = WorkerFailure(f"unexpected result {type(outcome).__name__}")
                    got = collected.setdefault(i, [])
                    got.append(outcome)
                    if len(got) < parts_of[i]:
                        continue
                    failure = next((g for g in got if isinstance(g, WorkerFailure)), None)
                    analysis: FileAnalysis | WorkerFailure
                    if failure is not None:
                        analysis = failure
                    else:
                        analysis = merge_parts([g for g in got if isinstance(g, FileAnalysis)])
                        if cache is not None:
                            cache.put(
                                cache_key(hashes[i], found[i].media_kind, analysis_options),
                                analysis,
                                hashes[i],
                            )
                    yield from finish(i, analysis, hashes[i], False)
                    if stopped():
                        break
    finally:
        if cache is not None:
            cache.close()
    cancelled = cancel.cancelled and len(results) < len(found)

    # 3. Face groups across the whole check: a face that is the same person as a face
    #    flagged elsewhere is at least review (groups.py). Files so revised get a new
    #    scan.file record, which is the one decisions read.
    results[:], revised = _grouped(results, analyses, references)
    for result, was in revised:
        recorder.add(result, force=False)
        yield FileRevised(result, was)
    recorder.flush()
    report = ScanReport(
        scan_id=scan_id,
        roster_version=version.label,
        settings=report_settings,
        files=tuple(results),
        skipped=tuple(skipped),
        coverage_gaps=gaps,
        stale_references=stale,
        young_students=tuple(
            s
            for s in (e.student for e in enrolled if e.references)
            if (d := references.distances_of(s.student_id)) is not None and d.band == YOUNGEST_BAND
        ),
        students=by_id,
        started_at=started_at,
        finished_at=utcnow(),
        cancelled=cancelled,
    )
    # The check's scan.finish record comes before any decision: decisions on a check
    # are refused until it is there (decisions.py), as its verdicts may still change.
    recorder.finish(report)
    # 4. Only now, with every verdict final, are files decided (scan --approve). A
    #    check stopped early decides nothing: what it did not print is not recorded.
    if options.approve_by is not None and not cancel.cancelled:
        for result in results:
            yield _decide(ws, result, options.approve_by)
    yield ScanFinished(report)


def _grouped(
    results: list[FileResult], analyses: dict[int, FileAnalysis], references: ReferenceSet
) -> tuple[list[FileResult], list[tuple[FileResult, str]]]:
    """``results`` with each face finding's group number, and with a review finding
    for each face a flag in its group reaches (in a file with no finding for that
    student yet); and the results so revised, each with its verdict before."""
    faces = [
        CheckedFace(i, k, (hit.embedded, hit.time_s), hit.encoding)
        for i, analysis in analyses.items()
        for k, hit in enumerate(analysis.faces)
        if hit.encoding is not None
    ]
    if not faces:
        return results, []
    groups = face_groups(faces)
    group_of = {(f.file, f.face): g for f, g in zip(faces, groups, strict=True)}
    flagged: dict[tuple[int, int], set[str]] = {}
    already: dict[tuple[int, int], set[str]] = {}
    for i, r in enumerate(results):
        for f in r.findings:
            if f.face is None or f.student_id is None:
                continue
            if f.type == FindingType.ANSWERED_FACE:
                continue  # a person's "not" does not outweigh a flag of the same person
            already.setdefault((i, f.face), set()).add(f.student_id)
            if f.type == FindingType.OPTED_OUT_FACE:
                flagged.setdefault((i, f.face), set()).add(f.student_id)
    extra: dict[int, list[Finding]] = {}
    for m in reached_by_flags(faces, groups, flagged, already):
        hit = analyses[m.face.file].faces[m.face.face]
        assert hit.encoding is not None
        judged = references.distances_of(m.student_id)
        via = results[m.via.file]
        when = f" at {m.via.picture[1]:.1f} s" if m.via.picture[1] is not None else ""
        here = f", in the photo's {hit.embedded} (box in its pixels)" if hit.embedded else ""
        extra.setdefault(m.face.file, []).append(
            Finding(
                FindingType.POSSIBLE_OPTED_OUT_FACE,
                student_id=m.student_id,
                distance=references.distance_to(hit.encoding, m.student_id),
                box=hit.box.as_tuple(),
                time_s=hit.time_s,
                detail=f"{GROUP_REACHED}{via.rel}{when}{here}",
                face=m.face.face,
                age_band=judged.band if judged else None,
                flag_distance=judged.flag if judged else None,
                review_distance=(judged.review_for(profile=hit.profile) if judged else None),
            )
        )
    out: list[FileResult] = []
    revised: list[tuple[FileResult, str]] = []
    for i, r in enumerate(results):
        findings = tuple(
            replace(f, face_group=group_of.get((i, f.face))) if f.face is not None else f
            for f in (*r.findings, *extra.get(i, ()))
        )
        if i in extra:
            new = replace(r, assessment=with_findings(r.assessment, findings))
            revised.append((new, r.verdict))
        else:
            new = replace(r, assessment=replace(r.assessment, findings=findings))
        out.append(new)
    return out, revised


def _decide(ws: Workspace, result: FileResult, by: str) -> FileDecided:
    from photoguard.scan.decisions import decide, decision_for_verdict

    decision = decision_for_verdict(result.verdict)
    try:
        done = decide(ws, result.path, decision, by, sha256=result.sha256 or None)
    except UserError as exc:
        if decision == DecisionKind.APPROVE:
            # Not approvable after all (the bytes or the roster changed meanwhile): pending.
            done = decide(ws, result.path, DecisionKind.PENDING, by, sha256=result.sha256 or None)
            return FileDecided(result, done.decision, done.record_seq, why=str(exc))
        raise
    return FileDecided(result, done.decision, done.record_seq)


class _Recorder:
    """Writes each checked file to the scan tables and the approval log, in small batches.

    Batches commit at least every ``COMMIT_EVERY_S`` seconds; with ``force`` (the
    scan approves files) each file commits before anything is decided about it.
    """

    def __init__(self, ws: Workspace, scan_id: int, roster_label: str, actor: str) -> None:
        self.ws = ws
        self.scan_id = scan_id
        self.roster_label = roster_label
        self.actor = actor
        self.pending: list[FileResult] = []
        self.last_commit = time.monotonic()

    def add(self, result: FileResult, force: bool) -> None:
        self.pending.append(result)
        if force or time.monotonic() - self.last_commit >= COMMIT_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        records: list[audit.Record] = []
        with self.ws.db.transaction() as tx:
            for r in self.pending:
                path = stored(r.path.resolve())
                record = audit.append(
                    tx,
                    self.ws.school,
                    self.actor,
                    LogAction.SCAN_FILE,
                    bodies.ScanFile(
                        scan_id=self.scan_id,
                        path=path,
                        sha256=r.sha256,
                        kind=r.kind,
                        verdict=r.verdict,
                        findings=tuple(_log_finding(f.as_json()) for f in r.findings),
                    ).to_json_dict(),
                )
                # The row names its record: decisions read the record, not the row.
                scan_store.record_file(
                    tx,
                    self.scan_id,
                    path,
                    r.sha256,
                    r.verdict,
                    r.assessment.reason,
                    record_seq=record.seq,
                )
                records.append(record)
        audit.write_head(self.ws.home, self.ws.school, *records)
        self.pending = []
        self.last_commit = time.monotonic()

    def finish(self, report: ScanReport) -> None:
        self.flush()
        with self.ws.db.transaction() as tx:
            scan_store.finish_scan(tx, self.scan_id, report.counts)
            record = audit.append(
                tx,
                self.ws.school,
                self.actor,
                LogAction.SCAN_FINISH,
                bodies.ScanFinish(
                    scan_id=self.scan_id,
                    counts=report.counts,
                    coverage_gaps=tuple(s.student_id for s in report.coverage_gaps),
                    cancelled=report.cancelled,
                    roster_version=self.roster_label,
                    face_groups=tuple(
                        g.as_json()
                        for g in groups_to_review(
                            [(stored(r.path.resolve()), r.findings) for r in report.files]
                        )
                    ),
                ).to_json_dict(),
            )
        audit.write_head(self.ws.home, self.ws.school, record)


def _log_finding(finding: dict[str, object]) -> dict[str, object]:
    """What the log keeps of a finding: no caption text beyond the name's span."""
    kept = {k: v for k, v in finding.items() if k != "text"}
    text = finding.get("text")
    span = finding.get("span")
    if isinstance(text, str) and isinstance(span, list) and len(span) == 2:
        kept["matched"] = text[int(span[0]) : int(span[1])]
    return kept
