"""The main window: a sidebar of pages, one job each, and the window's remembered state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.scan.recheck import RecheckReport
from ui.dialogs.why import WhyDialog
from ui.pages.check import CheckPage
from ui.pages.faces import FacesPage
from ui.pages.log import LogPage
from ui.pages.roster import RosterPage
from ui.pages.settings import SettingsPage
from ui.qsettings import app_settings
from ui.session import Session
from ui.widgets.message_bar import MessageBar

#: (key, sidebar label, standard icon, shortcut)
PAGES = (
    ("check", "Check photos", QStyle.StandardPixmap.SP_DialogApplyButton, "Ctrl+1"),
    ("roster", "Roster", QStyle.StandardPixmap.SP_FileDialogDetailedView, "Ctrl+2"),
    ("faces", "Reference faces", QStyle.StandardPixmap.SP_DirIcon, "Ctrl+3"),
    ("log", "Approval log", QStyle.StandardPixmap.SP_FileDialogContentsView, "Ctrl+4"),
    ("settings", "Settings", QStyle.StandardPixmap.SP_FileDialogInfoView, "Ctrl+5"),
)

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
PAGE_KEY = "window/page"


class MainWindow(QMainWindow):
    #: The window closed (the app quits when the window it was started with closes).
    closed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("photoguard-main")
        self.setWindowTitle("photoguard")
        self.resize(1280, 800)
        self.setMinimumSize(QSize(760, 520))

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Pages")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(200)
        self.nav.setSpacing(2)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.08)
        self.nav.setFont(font)
        row.addWidget(self.nav)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        #: Above every page: approvals a roster or reference change withdrew.
        self.banner = MessageBar()
        self.banner.setAccessibleName("Withdrawn approvals")
        self.banner_button = QPushButton("Show them…")
        self.banner_button.clicked.connect(self.show_withdrawn)
        self.banner.add_widget(self.banner_button)
        column.addWidget(self.banner)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        row.addLayout(column, 1)
        self.setCentralWidget(central)
        self.withdrawn_dialog: QWidget | None = None

        self.check = CheckPage(session)
        self.roster = RosterPage(session)
        self.faces = FacesPage(session)
        self.log = LogPage(session)
        self.settings = SettingsPage(session)
        self.pages: dict[str, QWidget] = {
            "check": self.check,
            "roster": self.roster,
            "faces": self.faces,
            "log": self.log,
            "settings": self.settings,
        }
        for key, label, icon, shortcut in PAGES:
            item = QListWidgetItem(self.style().standardIcon(icon), label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{label} ({shortcut})")
            item.setSizeHint(QSize(180, 40))
            self.nav.addItem(item)
            self.stack.addWidget(self.pages[key])
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        session.show_page.connect(self.show_page)
        session.approvals_rechecked.connect(self.approvals_rechecked)
        session.workspace_changed.connect(self._update_status)
        session.roster_changed.connect(self._update_status)
        self._build_menus()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.status)
        self._update_status()
        self.restore_state()

    # ------------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        act = QAction("&Check a folder…", self)
        act.setShortcut(QKeySequence.StandardKey.Open)
        act.triggered.connect(self._check_folder)
        file_menu.addAction(act)
        act = QAction("&Import roster…", self)
        act.setShortcut(QKeySequence("Ctrl+I"))
        act.triggered.connect(self._import_roster)
        file_menu.addAction(act)
        file_menu.addSeparator()
        act = QAction("&Quit", self)
        act.setShortcut(QKeySequence.StandardKey.Quit)
        act.setMenuRole(QAction.MenuRole.QuitRole)
        act.triggered.connect(self.close)
        file_menu.addAction(act)

        go = self.menuBar().addMenu("&Go")
        for key, label, _icon, shortcut in PAGES:
            act = QAction(label, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(lambda _=False, k=key: self.show_page(k))
            go.addAction(act)
        go.addSeparator()
        act = QAction("&Withdrawn approvals…", self)
        act.triggered.connect(self.show_withdrawn)
        go.addAction(act)

        help_menu = self.menuBar().addMenu("&Help")
        act = QAction("&Why photoguard (the policy)", self)
        act.setShortcut(QKeySequence.StandardKey.HelpContents)
        act.triggered.connect(self.show_why)
        help_menu.addAction(act)
        act = QAction("&About photoguard", self)
        act.setMenuRole(QAction.MenuRole.AboutRole)
        act.triggered.connect(self.show_why)
        help_menu.addAction(act)

    def _check_folder(self) -> None:
        self.show_page("check")
        self.check.choose_folder()

    def _import_roster(self) -> None:
        self.show_page("roster")
        self.roster.choose_file()

    def show_why(self) -> None:
        WhyDialog(self).open()

    # ------------------------------------------------------------------ consent changed

    def approvals_rechecked(self, report: RecheckReport | str) -> None:
        """After an import or enrollment: say which approved photos no longer hold."""
        if isinstance(report, str):
            self.banner.error(f"Earlier approvals could not be checked again: {report}")
            return
        affected = report.affected
        cannot = f" {len(report.cannot)} could not be checked again." if report.cannot else ""
        if not affected:
            if report.cannot:
                self.banner.warning(
                    f"{len(report.cannot)} approved photo(s) could not be checked again against "
                    "the new roster (the file is gone and no longer remembered): look at them."
                )
            return
        self.banner.warning(
            f"{len(affected)} approved photo(s) now show {report.who()}, whom their check did "
            "not look for (newly opted out or enrolled): "
            f"their approval is withdrawn, and they may already be posted.{cannot}"
        )

    def show_withdrawn(self) -> None:
        from ui.dialogs.withdrawn import open_withdrawn

        self.withdrawn_dialog = open_withdrawn(self.session, self)

    # ------------------------------------------------------------------ pages

    def show_page(self, key: str) -> None:
        for i in range(self.nav.count()):
            if self.nav.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(i)
                return

    def current_page(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else "check"

    def _update_status(self) -> None:
        ws = self.session.ws
        self.status.setText(f"Data folder: {display(ws.home)} · school {ws.school}")
        self.setWindowTitle(f"photoguard — {ws.school}")

    # ------------------------------------------------------------------ state

    def restore_state(self) -> None:
        s = app_settings()
        geometry = s.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        page = s.value(PAGE_KEY)
        if isinstance(page, str) and page in self.pages and page != "settings":
            self.show_page(page)

    def save_state(self) -> None:
        s = app_settings()
        s.setValue(GEOMETRY_KEY, self.saveGeometry())
        s.setValue(STATE_KEY, self.saveState())
        s.setValue(PAGE_KEY, self.current_page())
        s.sync()

    def start_check(self, paths: list[Path]) -> None:
        self.show_page("check")
        self.check.start_check(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        busy = self.check.job is not None or self.faces.busy
        if busy:
            answer = QMessageBox.question(
                self,
                "Quit photoguard?",
                "A check or an enrollment is still running. Stop it and quit? Files not "
                "reached are not checked.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_state()
        self.check.shutdown()
        self.faces.shutdown()
        self.session.close()
        event.accept()
        self.closed.emit()
