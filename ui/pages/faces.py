"""Reference faces: enroll opted-out students from picture day, see who is still missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.references.enroll import (
    EnrollResult,
    enroll,
    plan_folder,
    plan_student,
    reference_thumbnails,
)
from photoguard.references.privacy import PurgeResult, purge_student
from photoguard.workspace.folder import Workspace
from ui.dialogs.purge import PurgeDialog
from ui.models.references import (
    COL_NAME,
    MISSING_ROLE,
    STATUS_ROLE,
    ReferencesModel,
)
from ui.models.roster import full_name
from ui.pages.lazy import RosterStatePage
from ui.session import Session
from ui.state import DataState, gap_sentence
from ui.widgets.drop_zone import DropZone
from ui.widgets.message_bar import MessageBar
from ui.workers import clause

PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.heic *.heif *.webp *.tif *.tiff *.bmp);;All files (*)"


class _Progress(QObject):
    """Carries the core's progress callback (called on a worker thread) to the UI thread."""

    changed = Signal(int, int)


def enroll_folder(
    ws: Workspace, folder: Path, by: str, progress: Callable[[int, int], None]
) -> EnrollResult:
    return enroll(ws, plan_folder(ws, folder), by, progress=progress)


def enroll_photos(
    ws: Workspace,
    student_id: str,
    photos: Sequence[Path],
    by: str,
    progress: Callable[[int, int], None],
) -> EnrollResult:
    return enroll(ws, plan_student(ws, student_id, photos), by, progress=progress)


def load_thumbnails(ws: Workspace, student_ids: Sequence[str]) -> dict[str, list[QImage]]:
    out: dict[str, list[QImage]] = {}
    for sid in student_ids:
        images = [QImage.fromData(data) for data in reference_thumbnails(ws, sid)]
        out[sid] = [i for i in images if not i.isNull()]
    return out


def result_sentence(result: EnrollResult) -> str:
    added = sum(result.added.values())
    parts = [
        f"Added {added} reference face(s) for {len(result.added)} student(s)"
        f" from {display(result.plan.source)}."
    ]
    if result.already_enrolled:
        parts.append(f"{result.already_enrolled} photo(s) were already enrolled.")
    if result.rejected:
        parts.append(f"{len(result.rejected)} photo(s) were refused (see below).")
    if result.plan.unmatched:
        parts.append(f"{len(result.plan.unmatched)} could not be matched to the roster.")
    if result.plan.not_opted_out:
        parts.append(
            f"{result.plan.not_opted_out} photo(s) of students who are not opted out were not "
            "read: only opted-out students' faces are stored."
        )
    return " ".join(parts)


class FacesPage(RosterStatePage):
    enrolled = Signal(object)
    purged = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setAccessibleName("Reference faces")
        self.state: DataState | None = None
        self.busy = False
        self.last_result: EnrollResult | None = None
        self._progress = _Progress(self)
        self._progress.changed.connect(self._on_progress)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        # No roster yet.
        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addWidget(QLabel("<h2>Reference faces</h2>"))
        first = QLabel(
            "Reference faces are picture-day photos of the students whose parents opted out. "
            "photoguard compares every face in the photos you check with them. Import the "
            "roster first, so photoguard knows who is opted out."
        )
        first.setWordWrap(True)
        el.addWidget(first)
        go = QPushButton("Go to the roster")
        go.clicked.connect(lambda: self.session.show_page.emit("roster"))
        el.addWidget(go, 0, Qt.AlignmentFlag.AlignLeft)
        el.addStretch(1)
        self.stack.addWidget(empty)

        # The roster is in.
        full = QWidget()
        fl = QVBoxLayout(full)
        fl.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Only opted-out students' faces are stored, encrypted in the data folder. Each "
            "reference photo must show exactly one face, at least 80 pixels wide."
        )
        intro.setWordWrap(True)
        fl.addWidget(intro)
        self.drop = DropZone(
            "Drop the picture-day folder here",
            "A vendor folder with its index.txt, or photos named by student ID (1001.jpg)",
            accessible_name="Drop a picture-day folder",
        )
        self.drop.setMinimumHeight(120)
        self.drop.dropped.connect(self._dropped)
        self.folder_button = self.drop.add_button("Choose a &folder…")
        self.folder_button.clicked.connect(self.choose_folder)
        fl.addWidget(self.drop)
        prog = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Enrollment progress")
        self.progress_text = QLabel()
        prog.addWidget(self.progress, 1)
        prog.addWidget(self.progress_text)
        self.progress_row = QWidget()
        self.progress_row.setLayout(prog)
        prog.setContentsMargins(0, 0, 0, 0)
        self.progress_row.hide()
        fl.addWidget(self.progress_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.model = ReferencesModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Opted-out students and their reference faces")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(44, 44))
        self.table.verticalHeader().setDefaultSectionSize(50)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._student_chosen)
        split.addWidget(self.table)

        side = QTabWidget()
        self.side = side
        student = QWidget()
        sl = QVBoxLayout(student)
        self.student_title = QLabel()
        self.student_title.setTextFormat(Qt.TextFormat.PlainText)
        self.student_title.setWordWrap(True)
        font = self.student_title.font()
        font.setBold(True)
        self.student_title.setFont(font)
        sl.addWidget(self.student_title)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setAccessibleName("Reference face status")
        sl.addWidget(self.missing)
        self.thumbs = QListWidget()
        self.thumbs.setAccessibleName("Reference face thumbnails")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(120, 120))
        self.thumbs.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        sl.addWidget(self.thumbs, 1)
        self.add_photos = QPushButton("Add &photos of this student…")
        self.add_photos.setAccessibleName("Add reference photos of this student")
        self.add_photos.clicked.connect(self.choose_photos)
        sl.addWidget(self.add_photos)
        self.delete_button = QPushButton("&Delete this student's reference faces…")
        self.delete_button.setAccessibleName("Delete this student's reference faces")
        self.delete_button.clicked.connect(self.confirm_purge)
        sl.addWidget(self.delete_button)
        side.addTab(student, "Student")
        problems = QWidget()
        pl = QVBoxLayout(problems)
        pl.addWidget(QLabel("<b>Photos refused</b> (not stored)"))
        self.rejected = QListWidget()
        self.rejected.setAccessibleName("Photos refused, with reasons")
        self.rejected.setWordWrap(True)
        pl.addWidget(self.rejected, 1)
        pl.addWidget(QLabel("<b>Not matched to the roster</b>"))
        self.unmatched = QListWidget()
        self.unmatched.setAccessibleName("Photos not matched to a student")
        self.unmatched.setWordWrap(True)
        pl.addWidget(self.unmatched, 1)
        side.addTab(problems, "Last enrollment")
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        fl.addWidget(split, 1)
        self.stack.addWidget(full)

        self.watch_roster()
        self.refresh()

    # ------------------------------------------------------------------ showing

    def show_state(self, state: DataState) -> None:
        current = self.table.currentIndex().row()
        self.model.set_status(state.references)
        quiet = self.busy or not self.message.isHidden()
        if state.gaps and not quiet:
            self.message.warning(gap_sentence(state.gaps))
        elif not state.references and not quiet:
            self.message.info("No student on the roster is opted out: no reference faces needed.")
        if self.model.rowCount():
            self.table.selectRow(max(0, min(current, self.model.rowCount() - 1)))
        ids = [r.student.student_id for r in state.references if r.references]
        self.session.tasks.run(
            load_thumbnails, self.session.ws, ids, on_done=self._thumbnails_loaded
        )

    def _thumbnails_loaded(self, thumbs: dict[str, list[QImage]]) -> None:
        self.model.set_thumbnails(thumbs)
        self._student_chosen(self.table.currentIndex(), QModelIndex())

    def _student_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.thumbs.clear()
        if not current.isValid():
            self.student_title.setText("Choose a student")
            self.missing.clear()
            self.add_photos.setEnabled(False)
            self.delete_button.setEnabled(False)
            return
        st = current.siblingAtColumn(0).data(STATUS_ROLE)
        self.student_title.setText(f"{full_name(st.student)} ({st.student.student_id})")
        self.add_photos.setEnabled(not self.busy)
        self.delete_button.setEnabled(not self.busy and st.references > 0)
        if current.siblingAtColumn(0).data(MISSING_ROLE):
            self.missing.setText(
                "<b>Missing.</b> No reference face: photos of this student are not caught. "
                "Add a recent photo that shows only this student's face."
            )
        else:
            when = (st.newest or "").replace("T", " ")[:10]
            old = " It is out of date: add this year's picture-day photo." if st.stale else ""
            self.missing.setText(f"{st.references} reference face(s), newest added {when}.{old}")
        for image in self.model.thumbnails(st.student.student_id):
            item = QListWidgetItem(QPixmap.fromImage(image), "")
            self.thumbs.addItem(item)

    # ------------------------------------------------------------------ deleting

    def confirm_purge(self) -> None:
        """Ask (with a reason for the log), then delete the chosen student's faces."""
        index = self.table.currentIndex()
        if not index.isValid() or self.busy:
            return
        st = index.siblingAtColumn(0).data(STATUS_ROLE)
        dialog = PurgeDialog(st.student.display_name, st.student.student_id, self)
        if dialog.exec() == PurgeDialog.DialogCode.Accepted:
            self.purge(st.student.student_id, dialog.reason())

    def purge(self, student_id: str, reason: str | None) -> None:
        if self.busy:
            self.message.warning("An enrollment is running: wait for it to finish.")
            return
        self._start()
        self.session.tasks.run(
            purge_student,
            self.session.ws,
            student_id,
            self.session.user_name,
            reason,
            on_done=self._purged,
            on_error=self._purge_failed,
        )

    def _purged(self, result: PurgeResult) -> None:
        self._finish()
        text = result.reason[0].upper() + result.reason[1:] + "."
        if result.cache_entries_cleared:
            text += " The scan cache was cleared too (it may have held faces)."
        if result.still_opted_out:
            text += " Photos of this student are not recognised until new faces are added."
        if result.retired_key_destroyed:
            self.message.success(text + " The approval log records it.")
        else:
            self.message.warning(text)
        self.session.notify_references()
        self.purged.emit(result)

    def _purge_failed(self, text: str) -> None:
        self._finish()
        self.message.error(f"Nothing was deleted: {clause(text)}")

    # ------------------------------------------------------------------ enrolling

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose the picture-day folder (or photos named by student ID)"
        )
        if folder:
            self.enroll_folder(Path(folder))

    def _dropped(self, paths: list[Path]) -> None:
        folders = [p for p in paths if p.is_dir()]
        if len(folders) != 1:
            self.message.error(
                "Drop one folder: the picture-day delivery, or a folder of photos named by "
                "student ID. To add photos of one student, choose the student and use "
                "'Add photos of this student'."
            )
            return
        self.enroll_folder(folders[0])

    def choose_photos(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        st = index.siblingAtColumn(0).data(STATUS_ROLE)
        files, _ = QFileDialog.getOpenFileNames(
            self, f"Photos of {st.student.display_name}", "", PHOTO_FILTER
        )
        if files:
            self.enroll_photos(st.student.student_id, [Path(f) for f in files])

    def enroll_folder(self, folder: Path) -> None:
        self._run(enroll_folder, self.session.ws, folder)

    def enroll_photos(self, student_id: str, photos: list[Path]) -> None:
        self._run(enroll_photos, self.session.ws, student_id, photos)

    def _run(self, fn: Callable[..., EnrollResult], *args: object) -> None:
        if self.busy:
            self.message.warning("An enrollment is already running.")
            return
        self._start()
        self.progress.setRange(0, 0)
        self.progress_text.setText("Reading the photos…")
        self.progress_row.show()
        self.message.info("Enrolling: finding and encoding each opted-out student's face…")
        self.session.tasks.run(
            fn,
            *args,
            self.session.user_name,
            self._progress.changed.emit,
            on_done=self._enrolled,
            on_error=self._failed,
        )

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress_text.setText(f"{done} of {total} photos")

    def _start(self) -> None:
        """One enrollment or deletion at a time: the others wait (see _finish)."""
        self.busy = True
        self.drop.setEnabled(False)
        self.add_photos.setEnabled(False)
        self.delete_button.setEnabled(False)

    def _finish(self) -> None:
        self.busy = False
        self.drop.setEnabled(True)
        self.add_photos.setEnabled(True)
        self.progress_row.hide()
        self._student_chosen(self.table.currentIndex(), QModelIndex())

    def _enrolled(self, result: EnrollResult) -> None:
        self._finish()
        self.last_result = result
        self.rejected.clear()
        for r in result.rejected:
            self.rejected.addItem(f"{display(r.label)} ({r.student_id}): {r.reason}")
        self.unmatched.clear()
        for u in result.plan.unmatched:
            self.unmatched.addItem(f"{display(u.label)}: {u.reason}")
        if not result.rejected:
            self.rejected.addItem("None")
        if not result.plan.unmatched:
            self.unmatched.addItem("None")
        text = result_sentence(result)
        if result.coverage_gaps:
            text += " " + gap_sentence(result.coverage_gaps)
        if result.rejected or result.coverage_gaps or not result.added:
            self.message.warning(text)
        else:
            self.message.success(text)
        if result.rejected or result.plan.unmatched:
            self.side.setCurrentIndex(1)
        self.session.notify_references()
        self.enrolled.emit(result)

    def _failed(self, text: str) -> None:
        self._finish()
        self.message.error(f"Nothing was enrolled: {clause(text)}")

    def shutdown(self, wait_ms: int = 15000) -> None:
        self.session.tasks.wait(wait_ms)
