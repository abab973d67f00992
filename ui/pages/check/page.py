"""Check photos (the home page): drop a folder, watch it being checked, decide on each file.

The check is the core's scan generator on a worker thread (:class:`ScanJob`);
results stream into the grid as each file is done, and the window stays
responsive. Decisions go through :func:`photoguard.scan.decisions.decide`, which
refuses what the policy does not allow (approving a flagged file without a
reason, a file changed since its check) with a sentence shown here.

This module is the page's layout and wiring. Each workflow is a helper beside it with
its own state, progress and cancel: :mod:`.scan_job` (the check), :mod:`.decisions`
and :mod:`.safe_copy`; the words shown are in :mod:`.words` (no Qt).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.roster.names import NameIndex
from photoguard.scan.decisions import DecisionResult
from photoguard.scan.report import FileResult, ScanReport, write_json, write_report_csv
from photoguard.scan.review import groups_to_review
from photoguard.scan.run import FileChecked, FileSkipped
from ui.dialogs.safe_copy import SafeCopyDialog
from ui.images import ThumbnailCache
from ui.models.results import (
    RESULT_ROLE,
    ResultsModel,
    VerdictFilter,
)
from ui.session import Session
from ui.state import DataState, gap_sentence, load_state
from ui.verdicts import STYLES, VERDICT_ORDER, verdict_icon
from ui.widgets.caption_check import CaptionCheck
from ui.widgets.file_detail import FileDetail
from ui.widgets.message_bar import MessageBar
from ui.widgets.recent_checks import check_label
from ui.widgets.result_grid import THUMB_H, THUMB_W, ResultGrid
from ui.workers import ScanJob

from .decisions import DecisionFlow
from .home import HomeView
from .progress import ProgressRow
from .safe_copy import SafeCopyFlow
from .scan_job import ScanFlow
from .words import (
    after_check,
    finished_heading,
    skipped_text,
)

HOME_VIEW = 0
RESULTS_VIEW = 1


class CheckPage(QWidget):
    #: A check finished (for the window title / tests).
    check_finished = Signal(object)
    #: Earlier decisions that still hold, shown after a check (a dict path -> DecisionResult).
    decisions_loaded = Signal(object)
    #: A safe copy was made and is shown (the SafeCopyDialog), or could not be made (None).
    copy_ready = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setAccessibleName("Check photos")
        self.faces_dialog: QWidget | None = None
        self.report: ScanReport | None = None
        self.state: DataState | None = None
        self.skipped: list[FileSkipped] = []
        self.paths: list[Path] = []

        self.thumbnails = ThumbnailCache(self, box=(THUMB_W, THUMB_H))
        self.model = ResultsModel(self)
        self.model.set_thumbnails(self.thumbnails)
        self.proxy = VerdictFilter(self)
        self.proxy.setSourceModel(self.model)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.caption = CaptionCheck()
        self._build_home()
        self._build_results()
        self.stack.setCurrentIndex(HOME_VIEW)

        cancel = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        cancel.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        cancel.activated.connect(self.cancel)

        session.roster_changed.connect(self.refresh)
        session.references_changed.connect(self.refresh)
        session.workspace_changed.connect(self._workspace_changed)
        session.settings_changed.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ building

    def _build_home(self) -> None:
        home = HomeView()
        self.guide = home.guide
        self.guide.go.connect(self.session.show_page)
        self.gap_bar = home.gap_bar
        home.gap_button.clicked.connect(lambda: self.session.show_page.emit("faces"))
        self.drop = home.drop
        self.drop.dropped.connect(self.start_check)
        self.choose_folder_button = home.choose_folder_button
        self.choose_folder_button.clicked.connect(self.choose_folder)
        self.choose_files_button = home.choose_files_button
        self.choose_files_button.clicked.connect(self.choose_files)
        self.why = home.why
        self.work = home.work
        self.recent = home.recent
        self.recent.chosen.connect(self.start_check)
        self.home_caption_slot = home.caption_slot
        self.stack.addWidget(home)

    def _build_results(self) -> None:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.heading.setFont(font)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.heading, 1)
        self.faces_button = QPushButton("Faces to &look at…")
        self.faces_button.setAccessibleName("Decide the faces the check was unsure of, by person")
        self.faces_button.clicked.connect(self.faces_to_look_at)
        self.faces_button.setEnabled(False)
        top.addWidget(self.faces_button)
        self.save_button = QPushButton("&Save report…")
        self.save_button.setAccessibleName("Save the check's report")
        self.save_button.clicked.connect(self.save_report)
        top.addWidget(self.save_button)
        self.new_button = QPushButton("&New check")
        self.new_button.setAccessibleName("Start a new check")
        self.new_button.clicked.connect(self.new_check)
        top.addWidget(self.new_button)
        col.addLayout(top)

        # Progress: bar, count, ETA, cancel (a check's or a safe copy's).
        self.progress_row = ProgressRow()
        self.progress = self.progress_row.bar
        self.progress_text = self.progress_row.text
        self.cancel_button = self.progress_row.cancel_button
        self.cancel_button.clicked.connect(self.cancel)
        col.addWidget(self.progress_row)

        # Verdict filters with counts.
        filters = QHBoxLayout()
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[str, QPushButton] = {}
        for key in ("all", *VERDICT_ORDER):
            b = QPushButton()
            b.setCheckable(True)
            if key != "all":
                b.setIcon(verdict_icon(key, self.palette(), 32))
            self.filter_group.addButton(b)
            self.filter_buttons[key] = b
            b.clicked.connect(lambda _=False, k=key: self.set_filter(k))
            filters.addWidget(b)
        self.filter_buttons["all"].setChecked(True)
        filters.addStretch(1)
        self.skipped_label = QLabel()
        self.skipped_label.setTextFormat(Qt.TextFormat.PlainText)
        filters.addWidget(self.skipped_label)
        col.addLayout(filters)
        self._update_counts()

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.grid = ResultGrid()
        self.grid.setModel(self.proxy)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        split.addWidget(self.grid)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("File and caption")
        self.detail = FileDetail(self.session.tasks)
        self.detail.decide.connect(self.decide_current)
        self.detail.safe_copy.connect(self.make_safe_copy)
        self.copies = SafeCopyFlow(
            self.session, self.progress_row, self.message, self._show_current, self
        )
        self.copies.ready.connect(self.copy_ready)
        self.scans = ScanFlow(self.session, self.progress_row, self.message, self)
        self.scans.arrived.connect(self._arrived)
        self.scans.skipped.connect(self._skipped)
        self.scans.finished.connect(self._finished)
        self.scans.failed.connect(self._failed)
        self.scans.stopped.connect(self._stopped)
        self.decisions = DecisionFlow(self.session, self.model, self.message, self)
        self.decisions.recorded.connect(self._after_decision)
        self.decisions.refused.connect(self._show_current)
        self.decisions.loaded.connect(self._decided_before)
        self.copy_stage = self.copies.stage
        self.tabs.addTab(self.detail, "Selected file")
        caption_tab = QWidget()
        self.results_caption_slot = QVBoxLayout(caption_tab)
        self.tabs.addTab(caption_tab, "Check a caption")
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([570, 478])
        self.split = split
        col.addWidget(split, 1)
        self.stack.addWidget(page)
        self.stack.currentChanged.connect(self._place_caption)
        self._place_caption(HOME_VIEW)

    def _place_caption(self, view: int) -> None:
        slot = self.home_caption_slot if view == HOME_VIEW else self.results_caption_slot
        slot.addWidget(self.caption)

    # ------------------------------------------------------------------ state

    def refresh(self) -> None:
        self.detail.set_user(self.session.user_name)
        self.recent.load()
        self.session.tasks.run(
            load_state,
            self.session.ws,
            on_done=self._state_loaded,
            on_error=self.message.error,
        )

    def _state_loaded(self, state: DataState) -> None:
        self.state = state
        self.recent.load(state.version.label if state.version else None)
        self.guide.set_state(state.version, state.opted_out, state.with_faces)
        # The whole guide until the folder can check anything; then a line about any gap.
        first_steps = state.version is None or (state.opted_out > 0 and state.with_faces == 0)
        self.guide.setVisible(first_steps)
        if state.gaps and not first_steps:
            self.gap_bar.warning(gap_sentence(state.gaps))
        else:
            self.gap_bar.hide()
        self.drop.setEnabled(state.version is not None)
        self.why.setVisible(state.version is None)
        self.work.setVisible(state.version is not None)
        self.model.set_names(state.names)
        style = self.session.ws.settings.caption_names
        self.session.tasks.run(
            NameIndex,
            state.students,
            on_done=lambda index: self.caption.set_students(state.students, style, index),  # type: ignore[arg-type]
            on_error=self.message.error,
        )

    def _workspace_changed(self) -> None:
        if self.job is None:
            self.new_check()
        self.refresh()

    # ------------------------------------------------------------------ starting

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of photos to check")
        if folder:
            self.start_check([Path(folder)])

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Choose photos or videos to check",
            "",
            "Photos and videos (*.jpg *.jpeg *.png *.heic *.heif *.webp *.tif *.tiff *.gif "
            "*.bmp *.mp4 *.mov *.m4v *.avi *.mkv);;All files (*)",
        )
        if files:
            self.start_check([Path(f) for f in files])

    def start_check(self, paths: list[Path]) -> None:
        if self.job is not None:
            self.message.warning("A check is already running: cancel it or wait for it to end.")
            return
        if self.copies.busy:
            self.message.warning("A safe copy is being made: wait for it or cancel it first.")
            return
        gone = [p for p in paths if not p.exists()]
        if gone:
            self.message.error(f"{display(gone[0])} does not exist (any more).")
            return
        self.message.hide()
        self.paths = list(paths)
        self.report = None
        self.skipped = []
        self.model.clear()
        self.thumbnails.clear()
        self.grid.forget_thumbnails()
        self.detail.show_result(None)
        self.set_filter("all")
        self.heading.setText(f"Checking {check_label([str(p) for p in paths])}")
        self.new_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.faces_button.setEnabled(False)
        self.skipped_label.clear()
        self.stack.setCurrentIndex(RESULTS_VIEW)
        self.scans.start(paths)

    @property
    def job(self) -> ScanJob | None:
        """The running check, if any."""
        return self.scans.job

    def cancel(self) -> None:
        """Cancel (or Esc) stops the safe copy being made, else the running check."""
        if self.copies.cancel():
            return
        self.scans.cancel()

    # ------------------------------------------------------------------ events

    def _skipped(self, ev: FileSkipped) -> None:
        self.skipped.append(ev)
        n = len(self.skipped)
        self.skipped_label.setText(skipped_text(n))
        self.skipped_label.setToolTip(
            "\n".join(f"{display(s.skipped.rel)}: {s.skipped.reason}" for s in self.skipped[:40])
        )

    def _arrived(self, pending: list[FileChecked]) -> None:
        for item in pending:
            self.model.add(item.result)
        self._update_counts()
        if not self.grid.currentIndex().isValid():
            self.select_row(0)

    def _finished(self, report: ScanReport) -> None:
        self.report = report
        self.model.set_names({sid: s.display_name for sid, s in report.students.items()})
        # The report's results are final: a file a face group revised (the same person
        # as a face flagged elsewhere in the check) replaces what arrived earlier.
        self.model.extend(report.files)
        self._update_counts()
        kind, text = after_check(report)
        if kind == "success":
            self.message.success(text)
        else:
            self.message.warning(text)
        label = check_label([str(p) for p in self.paths])
        self.heading.setText(finished_heading(report, label))
        self.recent.remember(self.paths, report)
        self.select_row(0)
        self.decisions.look_up(report)
        groups = groups_to_review([(str(r.path), r.findings) for r in report.files])
        self.faces_button.setEnabled(bool(groups) and report.scan_id is not None)
        self.faces_button.setText(
            f"Faces to &look at ({len(groups)})…" if groups else "Faces to &look at…"
        )
        self.check_finished.emit(report)

    def _decided_before(self, found: dict[str, DecisionResult]) -> None:
        # Shown again whatever was found: a lapsed approval's reason is news too.
        self._show_current()
        self.decisions_loaded.emit(found)

    def _failed(self, text: str) -> None:
        self.message.error(text)
        if self.model.rowCount() == 0:
            self.stack.setCurrentIndex(HOME_VIEW)

    def _stopped(self) -> None:
        self.new_button.setEnabled(True)
        self.save_button.setEnabled(self.report is not None)
        self.session.notify_log()

    # ------------------------------------------------------------------ results

    def _update_counts(self) -> None:
        counts = self.model.counts()
        total = sum(counts.values())
        self.filter_buttons["all"].setText(f"All ({total})")
        self.filter_buttons["all"].setAccessibleName(f"Show all {total} files")
        for v in VERDICT_ORDER:
            label = STYLES[v].label
            self.filter_buttons[v].setText(f"{label} ({counts[v]})")
            self.filter_buttons[v].setAccessibleName(f"Show only {label.lower()}: {counts[v]}")

    def set_filter(self, key: str) -> None:
        self.filter_buttons[key].setChecked(True)
        self.proxy.set_verdicts(None if key == "all" else [key])
        if self.proxy.rowCount() and not self.grid.currentIndex().isValid():
            self.select_row(0)

    def select_row(self, row: int) -> None:
        index = self.proxy.index(row, 0)
        if index.isValid():
            self.grid.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def current_result(self) -> FileResult | None:
        index = self.grid.currentIndex()
        found = index.data(RESULT_ROLE) if index.isValid() else None
        return found if isinstance(found, FileResult) else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        result = current.data(RESULT_ROLE) if current.isValid() else None
        key = str(result.path) if result is not None else ""
        self.detail.show_result(
            result,
            self.model.names,
            self.model.decision(key),
            detail=self.model.decision_note(key),
        )
        if result is not None:
            self.tabs.setCurrentWidget(self.detail)

    # ------------------------------------------------------------------ decisions

    def decide_current(self, decision: str, reason: str) -> None:
        result = self.current_result()
        if result is None:
            return
        if self.job is not None:
            self.message.warning("Wait for the check to finish before deciding.")
            return
        self.detail.hold_decisions()
        self.decisions.decide(result, decision, reason)

    def _after_decision(self) -> None:
        """Move on to the next file not yet decided (checking hundreds of photos)."""
        current = self.grid.currentIndex()
        rows = self.proxy.rowCount()
        for step in range(1, rows + 1):
            row = (current.row() + step) % rows
            index = self.proxy.index(row, 0)
            r = index.data(RESULT_ROLE)
            if r is not None and self.model.decision(str(r.path)) is None:
                self.select_row(row)
                return
        self._current_changed(current, QModelIndex())

    # ------------------------------------------------------------------ safe copies

    @property
    def copy_dialog(self) -> SafeCopyDialog | None:
        return self.copies.dialog

    def make_safe_copy(self) -> None:
        """Make a safe copy of the selected file off the UI thread, then show it."""
        result = self.current_result()
        if result is None or self.job is not None or self.copies.busy:
            return
        self.detail.hold_safe_copy()
        self.copies.start(result)

    def _show_current(self) -> None:
        self._current_changed(self.grid.currentIndex(), QModelIndex())

    # ------------------------------------------------------------------ the rest

    def new_check(self) -> None:
        if self.job is not None:
            return
        self.stack.setCurrentIndex(HOME_VIEW)
        self.refresh()

    def faces_to_look_at(self) -> None:
        """One row per person the check was unsure of: decided once for all their photos."""
        if self.report is None:
            return
        from ui.dialogs.faces_to_look_at import open_faces_to_look_at

        report = self.report
        try:
            dialog = open_faces_to_look_at(self.session, report, self)
        except UserError as exc:
            self.message.warning(str(exc))
            return
        dialog.decided.connect(lambda: self.decisions.look_up(report))
        dialog.learned.connect(lambda said: self.message.info(" ".join(said)))
        self.faces_dialog = dialog

    def save_report(self) -> None:
        if self.report is None:
            return
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Save the check's report",
            f"photoguard-check-{self.report.scan_id}.csv",
            "Spreadsheet (CSV) (*.csv);;JSON report (*.json)",
        )
        if not name:
            return
        path = Path(name)
        try:
            if path.suffix.lower() == ".json" or "json" in chosen.lower():
                write_json(self.report, path)
            else:
                write_report_csv(self.report, path)
        except Exception as exc:  # shown, never a traceback
            from ui.workers import error_text

            self.message.error(error_text(exc))
            return
        self.message.success(f"Report saved as {display(path)}.")

    def shutdown(self, wait_ms: int = 15000) -> None:
        """Stop a running check (closing the window)."""
        self.scans.shutdown(wait_ms)
        self.thumbnails.wait(wait_ms)
