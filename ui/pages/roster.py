"""The opt-out roster: import the Aspen export (preview first), search it, see coverage gaps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.roster.headers import Headers, read_headers
from photoguard.roster.importing import ImportPreview, ImportResult, apply_import, preview_import
from photoguard.scan.recheck import RecheckReport, recheck
from photoguard.workspace.folder import Workspace
from ui.dialogs.column_mapping import ColumnMappingDialog
from ui.dialogs.import_preview import ImportPreviewDialog, MassChangeDialog
from ui.models.roster import COL_NAME, RosterFilter, RosterModel
from ui.pages.lazy import RosterStatePage
from ui.policy import POLICY_3D1
from ui.session import Session
from ui.state import DataState, gap_sentence
from ui.widgets.drop_zone import DropZone, local_paths
from ui.widgets.message_bar import MessageBar
from ui.workers import clause

ROSTER_FILTER = "Roster exports (*.csv *.xlsx *.txt *.tsv);;All files (*)"


@dataclass(frozen=True)
class NeedsMapping:
    """The file's headers were not recognised: ask a person which column is which."""

    path: Path
    headers: Headers
    problem: str


def preview_or_headers(
    ws: Workspace, path: Path, columns: dict[str, str] | None
) -> ImportPreview | NeedsMapping:
    """The import preview; or, when the columns are what is wrong, the file's headers."""
    from photoguard.errors import UserError

    try:
        return preview_import(ws, path, columns)
    except UserError as exc:
        if columns:
            raise
        try:
            headers = read_headers(path)
        except UserError:
            raise exc from None
        if headers.recognised:
            raise
        return NeedsMapping(path, headers, str(exc))


class RosterPage(RosterStatePage):
    #: An import was applied (tests and the window listen).
    imported = Signal(object)
    #: A preview dialog opened (tests drive it).
    preview_opened = Signal(object)
    mapping_opened = Signal(object)
    #: The app asks before a mass change (tests answer it).
    mass_change_asked = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setAccessibleName("Roster")
        self.setAcceptDrops(True)
        self.state: DataState | None = None
        self.dialog: ImportPreviewDialog | None = None
        self.mapping: ColumnMappingDialog | None = None
        self.question: MassChangeDialog | None = None
        self.busy = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        # First run: what to import, and why.
        empty = QWidget()
        el = QVBoxLayout(empty)
        title = QLabel("<h2>Import the photo opt-out roster</h2>")
        el.addWidget(title)
        why = QLabel(
            "The main office exports the students of the school from Aspen, with the column "
            "that records the Privacy Law opt-out, as CSV or Excel. photoguard reads the "
            "student ID, the name and the opt-out flag; you see what changes before it takes "
            f"effect.\n\nPolicy 3.d.1: “{POLICY_3D1}”"
        )
        why.setWordWrap(True)
        why.setTextFormat(Qt.TextFormat.PlainText)
        el.addWidget(why)
        self.drop = DropZone(
            "Drop the roster file here",
            "CSV or .xlsx exported from Aspen",
            accessible_name="Drop the roster file",
        )
        self.drop.dropped.connect(self._dropped)
        b = self.drop.add_button("Choose the roster &file…")
        b.clicked.connect(self.choose_file)
        el.addWidget(self.drop, 1)
        self.stack.addWidget(empty)

        # The roster in force.
        full = QWidget()
        fl = QVBoxLayout(full)
        fl.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.version = QLabel()
        self.version.setWordWrap(True)
        self.version.setTextFormat(Qt.TextFormat.PlainText)
        font = self.version.font()
        font.setBold(True)
        self.version.setFont(font)
        top.addWidget(self.version, 1)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.history.setAccessibleName("Earlier roster imports")
        self.import_button = QPushButton("&Import a new roster…")
        self.import_button.setAccessibleName("Import a new roster")
        self.import_button.setToolTip("Or drop the file anywhere on this page")
        self.import_button.clicked.connect(self.choose_file)
        top.addWidget(self.import_button)
        fl.addLayout(top)
        fl.addWidget(self.history)
        self.gaps = MessageBar()
        self.gaps.setAccessibleName("Coverage gaps")
        fl.addWidget(self.gaps)
        self.gaps_button = QPushButton("Add their reference faces…")
        self.gaps_button.setAccessibleName("Add reference faces for students missing one")
        self.gaps_button.clicked.connect(lambda: self.session.show_page.emit("faces"))
        self.gaps.add_widget(self.gaps_button)
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name or student ID")
        self.search.setAccessibleName("Search the roster")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.search, 1)
        self.opted_only = QCheckBox("&Opted-out students only")
        self.opted_only.setAccessibleName("Show opted-out students only")
        filters.addWidget(self.opted_only)
        self.count = QLabel()
        filters.addWidget(self.count)
        fl.addLayout(filters)
        self.model = RosterModel(self)
        self.proxy = RosterFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setAccessibleName("Students")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(200)
        self.table.horizontalHeader().setStretchLastSection(True)
        fl.addWidget(self.table, 1)
        self.stack.addWidget(full)

        self.search.textChanged.connect(self._filter)
        self.opted_only.toggled.connect(self._filter)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search.setFocus)
        self.watch_roster()
        self.refresh()

    # ------------------------------------------------------------------ showing

    def show_state(self, state: DataState) -> None:
        v = state.version
        assert v is not None, "LazyPage shows the roster page only once a roster is imported"
        self.version.setText(
            f"Roster version {v.id}, imported {v.imported_at.replace('T', ' ')[:16]} UTC by "
            f"{v.imported_by} from {display(v.source_name)}: {v.students} students, "
            f"{v.opted_out} opted out."
        )
        earlier = [h for h in reversed(state.history) if h.id != v.id][:3]
        self.history.setText(
            "Earlier imports: "
            + "; ".join(
                f"version {h.id} on {h.imported_at[:10]} by {h.imported_by} "
                f"({h.students} students, {h.opted_out} opted out)"
                for h in earlier
            )
            + (" and more in the approval log" if len(state.history) > 4 else "")
            if earlier
            else "This is the first roster imported here."
        )
        self.model.set_students(state.students, state.faces)
        self.table.resizeColumnsToContents()
        if state.gaps:
            self.gaps.warning(gap_sentence(state.gaps))
            self.gaps_button.show()
        elif state.opted_out:
            self.gaps.success(f"Every opted-out student ({state.opted_out}) has a reference face.")
            self.gaps_button.hide()
        else:
            self.gaps.hide()
        self._filter()

    def _filter(self) -> None:
        self.proxy.set_search(self.search.text())
        self.proxy.set_opted_out_only(self.opted_only.isChecked())
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} students")

    # ------------------------------------------------------------------ importing

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose the roster exported from Aspen", "", ROSTER_FILTER
        )
        if name:
            self.import_file(Path(name))

    def _dropped(self, paths: list[Path]) -> None:
        files = [p for p in paths if p.is_file()]
        if len(files) != 1:
            self.message.error("Drop one roster file (CSV or .xlsx), not a folder.")
            return
        self.import_file(files[0])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self._dropped(paths)

    def import_file(self, path: Path, columns: dict[str, str] | None = None) -> None:
        """Read the file off the UI thread and show what it would change."""
        if self.busy:
            return
        self.busy = True
        self.message.info(f"Reading {display(path.name)}…")

        def done(got: ImportPreview | NeedsMapping) -> None:
            self.busy = False
            self.message.hide()
            if isinstance(got, NeedsMapping):
                self._ask_mapping(got)
            else:
                self._show_preview(got)

        def failed(text: str) -> None:
            self.busy = False
            self.message.error(f"{display(path.name)} was not imported: {clause(text)}")

        self.session.tasks.run(
            preview_or_headers, self.session.ws, path, columns, on_done=done, on_error=failed
        )

    def _ask_mapping(self, need: NeedsMapping) -> None:
        problem = need.problem[0].upper() + need.problem[1:] + "."
        dialog = ColumnMappingDialog(need.headers, need.path.name, problem, self)
        self.mapping = dialog
        dialog.accepted.connect(lambda: self.import_file(need.path, dialog.columns()))
        dialog.open()
        self.mapping_opened.emit(dialog)

    def _show_preview(self, preview: ImportPreview) -> None:
        """The preview, once what it would withdraw of earlier approvals is known."""
        if preview.base is None:
            self._open_preview(preview, None)
            return
        self.session.tasks.run(
            lambda ws, by: recheck(ws, by=by, roster=preview.roster.students),
            self.session.ws,
            self.session.user_name,
            on_done=lambda ahead: self._open_preview(preview, ahead),
            on_error=lambda _text: self._open_preview(preview, None),
        )

    def _open_preview(self, preview: ImportPreview, ahead: RecheckReport | None) -> None:
        dialog = ImportPreviewDialog(preview, self, ahead)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._confirm(preview))
        dialog.rejected.connect(self._not_imported)
        dialog.open()
        self.preview_opened.emit(dialog)

    def _not_imported(self) -> None:
        self.message.info("The roster was not imported.")

    def _confirm(self, preview: ImportPreview) -> None:
        """Apply the import; a mass change only once a person says so, with the counts."""
        if preview.mass_change is None:
            self.apply(preview)
            return
        question = MassChangeDialog(preview, self)
        self.question = question
        question.accepted.connect(lambda: self.apply(preview, allow_mass_change=True))
        question.rejected.connect(self._not_imported)
        question.open()
        self.mass_change_asked.emit(question)

    def apply(self, preview: ImportPreview, *, allow_mass_change: bool = False) -> None:
        def done(result: ImportResult) -> None:
            v = result.version
            deleted = len(result.references_deleted)
            self.message.success(
                f"Roster version {v.id} is now in force: {v.students} students, {v.opted_out} "
                "opted out."
                + (
                    f" Reference faces of {deleted} student(s) who left or opted back in were "
                    "deleted."
                    if deleted
                    else ""
                )
            )
            self.session.notify_roster()
            self.imported.emit(result)

        self.session.tasks.run(
            partial(apply_import, allow_mass_change=allow_mass_change),
            self.session.ws,
            preview,
            self.session.user_name,
            on_done=done,
            on_error=lambda t: self.message.error(f"The roster was not imported: {clause(t)}"),
        )
