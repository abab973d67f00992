"""Settings: who you are, the thresholds a check uses, and the data folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photoguard.errors import UserError
from photoguard.files.pathtext import display
from photoguard.references.privacy import Inventory, inventory
from photoguard.scan.cache import clear_cache
from photoguard.vocab import AgeBand
from photoguard.workspace import settings as core_settings
from photoguard.workspace.settings import Settings
from ui.policy import POLICY_2B3
from ui.session import Session
from ui.widgets.message_bar import MessageBar
from ui.workers import error_text

DISTANCE_HELP = (
    "Face distances compare two faces: smaller means more alike. Measured on the test "
    "photos: the same person 0.06 to 0.52, different people 0.65 and up. A face closer than "
    f"the match distance (default {core_settings.MATCH_DISTANCE:.2f}) to an opted-out student "
    "is flagged; one between the match and the review distance (default "
    f"{core_settings.REVIEW_DISTANCE:.2f}) is sent to a person. These are the adults' "
    "distances: the face model is far weaker on children, so a child is flagged only within "
    "the stricter distance of their age band (from the roster's grade or birth date; "
    f"{core_settings.CHILD_BAND_DISTANCES[AgeBand.AGES_5_8][0]:.3f} for ages 5-8), and sent "
    "to a person up to at least the review distance. A missed opted-out child is the costly "
    "mistake: raise the review distance to catch more (and review more photos), never lower "
    "it without measuring."
)


def inventory_text(inv: Inventory) -> str:
    """What is stored, in plain sentences, with anything a person should do."""
    keys = inv.keys.reason
    lines = [
        f"{inv.references} reference face(s) of {inv.students_with_references} opted-out "
        f"student(s), sealed with a key per student; {keys[:1].lower() + keys[1:]}.",
        f"Scan cache: {inv.cache_entries} file(s), "
        f"{inv.cache_entries_with_encodings} of them with face encodings; "
        f"reference faces older than {inv.max_age_days} days are listed as out of date.",
        *inv.notices,
    ]
    return " ".join(lines)


class SettingsPage(QWidget):
    #: What biometric data is stored was read (an Inventory), for the page and tests.
    inventory_loaded = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setAccessibleName("Settings")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        self.message = MessageBar()
        outer.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        holder.setMaximumWidth(980)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 8, 0)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)

        you = QGroupBox("You")
        yf = QFormLayout(you)
        self.user = QLineEdit()
        self.user.setAccessibleName("Your name, as recorded in the approval log")
        self.user.setPlaceholderText("e.g. Ms. Tan (yearbook)")
        yf.addRow("Your name:", self.user)
        yf.addRow(QLabel("Every decision you record in the approval log carries this name."))
        layout.addWidget(you)

        checks = QGroupBox("How photos are checked")
        cf = QFormLayout(checks)
        cf.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.match = QDoubleSpinBox()
        self.match.setRange(0.05, 1.5)
        self.match.setSingleStep(0.01)
        self.match.setDecimals(2)
        self.match.setAccessibleName("Match distance")
        cf.addRow("Match distance (flagged):", self.match)
        self.review = QDoubleSpinBox()
        self.review.setRange(0.05, 1.5)
        self.review.setSingleStep(0.01)
        self.review.setDecimals(2)
        self.review.setAccessibleName("Review distance")
        cf.addRow("Review distance (a person looks):", self.review)
        help_label = QLabel(DISTANCE_HELP)
        help_label.setWordWrap(True)
        cf.addRow(help_label)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(0.1, 30.0)
        self.fps.setSingleStep(0.5)
        self.fps.setDecimals(1)
        self.fps.setAccessibleName("Video frames checked per second")
        cf.addRow("Video frames checked per second:", self.fps)
        self.min_face = QSpinBox()
        self.min_face.setRange(20, 400)
        self.min_face.setSuffix(" px")
        self.min_face.setAccessibleName("Smallest face to find, in pixels")
        cf.addRow("Smallest face to find:", self.min_face)
        self.caption_style = QComboBox()
        self.caption_style.addItem("Keep the last name's initial (Liam O.)", "initial")
        self.caption_style.addItem("Remove the last name (Liam)", "remove")
        self.caption_style.setAccessibleName("How captions are rewritten to first names")
        for box in (self.match, self.review, self.fps, self.min_face):
            box.setMinimumWidth(110)
        cf.addRow("Caption suggestions:", self.caption_style)
        self.read_text = QCheckBox("Read names written in the pictures (name tags, certificates)")
        self.read_text.setAccessibleName("Read text written in the pictures")
        cf.addRow(self.read_text)
        self.mode = QLabel()
        self.mode.setWordWrap(True)
        cf.addRow(self.mode)
        buttons = QHBoxLayout()
        self.save = QPushButton("&Save settings")
        self.save.setAccessibleName("Save settings")
        self.save.clicked.connect(self.save_settings)
        buttons.addWidget(self.save)
        self.defaults = QPushButton("Restore &defaults")
        self.defaults.setAccessibleName("Restore the default thresholds")
        self.defaults.clicked.connect(self.restore_defaults)
        buttons.addWidget(self.defaults)
        buttons.addStretch(1)
        cf.addRow(buttons)
        yearly = QLabel(
            f"Policy 2.b.3: “{POLICY_2B3}” Review these settings and the roster at the same time."
        )
        yearly.setWordWrap(True)
        cf.addRow(yearly)
        layout.addWidget(checks)

        data = QGroupBox("Data folder")
        df = QVBoxLayout(data)
        self.home = QLabel()
        self.home.setTextFormat(Qt.TextFormat.PlainText)
        self.home.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.home.setWordWrap(True)
        self.home.setAccessibleName("Data folder in use")
        df.addWidget(self.home)
        explain = QLabel(
            "The data folder holds the roster, the encrypted reference faces and the approval "
            "log. It is readable by your account only. Open another one to work on a different "
            "school's data."
        )
        explain.setWordWrap(True)
        df.addWidget(explain)
        row = QHBoxLayout()
        self.open_home = QPushButton("Open another data &folder…")
        self.open_home.setAccessibleName("Open another data folder")
        self.open_home.clicked.connect(self.choose_home)
        row.addWidget(self.open_home)
        self.reveal = QPushButton("Show in file manager")
        self.reveal.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.ws.home)))
        )
        row.addWidget(self.reveal)
        row.addStretch(1)
        df.addLayout(row)
        layout.addWidget(data)

        # What biometric data is kept (policy: store the minimum), and the one thing
        # anyone may clear without the office: the scan cache.
        bio = QGroupBox("Biometric data")
        bl = QVBoxLayout(bio)
        self.biometric = QLabel("Reading what is stored…")
        self.biometric.setWordWrap(True)
        self.biometric.setTextFormat(Qt.TextFormat.PlainText)
        self.biometric.setAccessibleName("Biometric data stored")
        bl.addWidget(self.biometric)
        brow = QHBoxLayout()
        self.clear_cache_button = QPushButton("Clear the scan &cache")
        self.clear_cache_button.setAccessibleName("Clear the scan cache")
        self.clear_cache_button.setToolTip(
            "Deletes what earlier checks found in unchanged files (it may hold faces from "
            "scanned photos); the next check of those files takes longer"
        )
        self.clear_cache_button.clicked.connect(self.clear_scan_cache)
        brow.addWidget(self.clear_cache_button)
        brow.addStretch(1)
        bl.addLayout(brow)
        layout.addWidget(bio)
        layout.addStretch(1)

        session.settings_changed.connect(self.load)
        session.workspace_changed.connect(self.load)
        session.references_changed.connect(self.load_inventory)
        session.workspace_changed.connect(self.load_inventory)
        self.load()
        self.load_inventory()

    def load(self) -> None:
        s = self.session.ws.settings
        self.user.setText(self.session.user_name)
        self.match.setValue(s.match_distance)
        self.review.setValue(s.review_distance)
        self.fps.setValue(s.frames_per_second)
        self.min_face.setValue(s.min_face_px)
        self.caption_style.setCurrentIndex(max(0, self.caption_style.findData(s.caption_names)))
        self.read_text.setChecked(s.read_text_in_pictures)
        self.mode.setText(
            "Faces are matched against the opted-out students' reference faces."
            if s.faces
            else "Faces-off mode: faces are found but never matched; every photo with a face "
            "needs a person's review."
        )
        self.home.setText(f"{display(self.session.ws.home)} (school {s.school})")

    # ------------------------------------------------------------------ biometric data

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load_inventory()  # checks since the last look may have filled the cache

    def load_inventory(self) -> None:
        self.session.tasks.run(
            inventory, self.session.ws, on_done=self._inventory_loaded, on_error=self._no_inventory
        )

    def _inventory_loaded(self, inv: Inventory) -> None:
        self.biometric.setText(inventory_text(inv))
        self.inventory_loaded.emit(inv)

    def _no_inventory(self, text: str) -> None:
        self.biometric.setText(f"What is stored could not be read: {text}")

    def clear_scan_cache(self) -> None:
        self.clear_cache_button.setEnabled(False)

        def done(count: int) -> None:
            self.clear_cache_button.setEnabled(True)
            self.message.success(f"Cleared the scan cache ({count} file(s)) and destroyed its key.")
            self.load_inventory()

        def failed(text: str) -> None:
            self.clear_cache_button.setEnabled(True)
            self.message.error(f"The scan cache was not cleared: {text}")

        self.session.tasks.run(clear_cache, self.session.ws.home, on_done=done, on_error=failed)

    def edited(self) -> dict[str, object]:
        return {
            "match_distance": round(self.match.value(), 4),
            "review_distance": round(self.review.value(), 4),
            "frames_per_second": round(self.fps.value(), 2),
            "min_face_px": self.min_face.value(),
            "caption_names": str(self.caption_style.currentData()),
            "read_text_in_pictures": self.read_text.isChecked(),
        }

    def save_settings(self) -> None:
        name = self.user.text().strip()
        if not name:
            self.message.error("Say who you are: your name is recorded with each decision.")
            return
        try:
            self.session.set_user_name(name)
            self.session.save_settings(**self.edited())
        except UserError as exc:
            self.message.error(error_text(exc))
            return
        except OSError as exc:
            self.message.error(error_text(UserError(f"the settings could not be saved: {exc}")))
            return
        self.message.success("Settings saved. Checks from now on use them.")

    def restore_defaults(self) -> None:
        d = Settings()
        self.match.setValue(d.match_distance)
        self.review.setValue(d.review_distance)
        self.fps.setValue(d.frames_per_second)
        self.min_face.setValue(d.min_face_px)
        self.caption_style.setCurrentIndex(max(0, self.caption_style.findData(d.caption_names)))
        self.read_text.setChecked(d.read_text_in_pictures)
        self.message.info("Defaults restored here: choose Save settings to use them.")

    def choose_home(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a photoguard data folder")
        if folder:
            self.open_data_folder(Path(folder))

    def open_data_folder(self, folder: Path) -> None:
        try:
            self.session.open_home(folder)
        except UserError as exc:
            self.message.error(error_text(exc))
            return
        self.message.success(f"Now using the data folder {display(folder)}.")
