"""Faces to look at: a check's unsure faces, one row per person, decided at a glance.

Each row is one face group of the check (photoguard/scan/groups.py) whose faces may be an
opted-out student: the student's reference photos beside a few of the group's faces,
large enough for a teacher who knows the children, and two buttons. "It's Ana" blocks
every file of the group; "Not Ana" (with a reason) approves those that hold nothing
else. The core decides which files take it (photoguard/scan/review.py), from the
check's record in the approval log; this window only shows and asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from photoguard.errors import UserError
from photoguard.files.pathtext import display, stored
from photoguard.references.enroll import reference_thumbnails
from photoguard.scan.report import FileResult, ScanReport
from photoguard.scan.review import (
    CheckGroups,
    GroupDecision,
    GroupToReview,
    check_groups,
    decide_group,
    learn_from_group,
)
from photoguard.scan.verdict import Finding
from photoguard.vocab import FindingType
from ui.images import load_picture, to_qimage
from ui.session import Session

#: Faces of a group shown at most, and how large (px). "Not Ana" is offered only where
#: every face of the group was shown: nobody approves a face they did not see.
FACES_SHOWN = 12
FACE_PX = 120
#: "Not Ana" approves photos the check was unsure of: the reason must say something.
MIN_REASON_CHARS = 8
LOADING = "loading the faces…"


@dataclass(frozen=True)
class GroupFaces:
    """What one row shows: the group, the student's name, the faces to crop."""

    group: GroupToReview
    name: str
    faces: tuple[tuple[FileResult, Finding], ...]
    #: The other students the faces may be, by name ("not" speaks for them too).
    others: tuple[str, ...] = ()

    @property
    def everyone(self) -> str:
        return " or ".join((self.name, *self.others))


def rows_of(report: ScanReport, checked: CheckGroups) -> list[GroupFaces]:
    """The rows, in group order: each group the log lists, with its faces from the report."""
    by_path = {stored(r.path.resolve()): r for r in report.files}
    rows = []
    for g in checked.groups:
        faces = tuple(
            (r, f)
            for path in sorted(g.files)
            if (r := by_path.get(path)) is not None
            for f in r.findings
            if f.type == FindingType.POSSIBLE_OPTED_OUT_FACE and f.face_group == g.group
        )
        others = tuple(report.name(s) for s in g.also)
        rows.append(GroupFaces(g, report.name(g.student_id), faces, others))
    return rows


def face_crop(result: FileResult, finding: Finding) -> QImage | None:
    """The face with a margin, upright, about FACE_PX wide (None: cannot be shown)."""
    if finding.box is None or result.kind == "document":
        return None
    try:
        picture, _ = load_picture(result.path, result.kind, finding.time_s, 1600)
    except UserError:
        return None
    left, top, width, height = (round(v * picture.scale) for v in finding.box)
    pad = width // 3
    box = (
        max(0, left - pad),
        max(0, top - pad),
        min(picture.image.width, left + width + pad),
        min(picture.image.height, top + height + pad),
    )
    crop = picture.image.crop(box)
    crop.thumbnail((FACE_PX, int(FACE_PX * 1.3)))
    return to_qimage(crop)


def load_faces(rows: Sequence[GroupFaces]) -> dict[int, list[QImage]]:
    """Each row's face crops (runs off the UI thread: it decodes photos)."""
    out: dict[int, list[QImage]] = {}
    for i, row in enumerate(rows):
        out[i] = [c for r, f in row.faces[:FACES_SHOWN] if (c := face_crop(r, f)) is not None]
    return out


def _pixmap_label(image: QImage, tip: str) -> QLabel:
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(image))
    label.setToolTip(tip)
    return label


class GroupRow(QGroupBox):
    """One person: references | faces | the two answers."""

    answered = Signal(object, bool, str)  # (row, is a student, which student: id or "")

    def __init__(
        self, row: GroupFaces, references: Sequence[bytes], others: Sequence[bytes] = ()
    ) -> None:
        files = len(row.group.files)
        faces = sum(row.group.files.values())
        also = ""
        if row.others:
            named = ", ".join(row.others[:2])
            rest = len(row.others) - 2
            also = f" (or {named}" + (f" and {rest} more" if rest > 0 else "") + ")"
        super().__init__(
            f"May be {row.name}{also}? {faces} face{'s' * (faces != 1)} in "
            f"{files} photo{'s' * (files != 1)}"
        )
        self.row = row
        line = QHBoxLayout(self)
        refs = QVBoxLayout()
        refs.addWidget(QLabel(f"{row.name}'s reference photo"))
        shown = QHBoxLayout()
        for data in references[:2]:
            image = QImage.fromData(data)
            if not image.isNull():
                # Stored small (references keep a 96 px thumbnail): shown as stored.
                shown.addWidget(_pixmap_label(image, f"{row.name}: reference photo"))
        refs.addLayout(shown)
        if others:
            refs.addWidget(QLabel("and the others' (first photo each)"))
            more = QHBoxLayout()
            for data in others[:3]:
                image = QImage.fromData(data)
                if not image.isNull():
                    small = image.scaledToWidth(56, Qt.TransformationMode.SmoothTransformation)
                    more.addWidget(_pixmap_label(small, "another student these faces may be"))
            if len(others) > 3:
                more_label = QLabel(f"+{len(others) - 3}")
                more_label.setToolTip("Also: " + ", ".join(row.others))
                more.addWidget(more_label)
            refs.addLayout(more)
        refs.addStretch(1)
        line.addLayout(refs)
        found = QVBoxLayout()
        found.addWidget(QLabel("Faces in this check"))
        self.faces = QHBoxLayout()
        self.faces_note = QLabel(LOADING)
        self.faces.addWidget(self.faces_note)
        self.faces.addStretch(1)
        found.addLayout(self.faces)
        found.addStretch(1)
        line.addSpacing(24)
        line.addLayout(found, 1)
        answers = QVBoxLayout()
        first = row.name.split()[0] if row.name else "them"
        self.yes = QPushButton(f"It's {first}")
        self.yes.setAccessibleName(f"It is {row.name}: block every photo of this person")
        self.no = QPushButton("None of them" if row.others else f"Not {first}")
        self.no.setAccessibleName(
            f"It is not {row.everyone}: approve the photos that hold nothing else"
        )
        self.no.setEnabled(False)  # until every face is shown
        self.yes.clicked.connect(lambda: self.answered.emit(self, True, row.group.student_id))
        self.no.clicked.connect(lambda: self.answered.emit(self, False, ""))
        #: "It's another of them": the faces are one of the other students they may be.
        self.other: QPushButton | None = None
        if row.others:
            self.other = QPushButton("It's one of the others…")
            self.other.setAccessibleName(
                "It is another of the students these faces may be: choose who"
            )
            self.other.clicked.connect(self._choose_other)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.learn = QCheckBox(
            "and add a face as their reference"
            if row.others
            else f"and add a face as {first}'s reference"
        )
        self.learn.setToolTip(
            "The clearest of these faces becomes one more reference photo, when this window "
            "closes (children change fast: this year's face is the best reference)"
        )
        self.learn.setChecked(True)
        answers.addWidget(self.yes)
        if self.other is not None:
            answers.addWidget(self.other)
        answers.addWidget(self.learn)
        answers.addWidget(self.no)
        answers.addWidget(self.outcome)
        answers.addStretch(1)
        line.addLayout(answers)
        where = ", ".join(display(r.rel) for r, _f in row.faces[:6])
        self.setToolTip(f"May be {row.everyone}. In: {where}")

    def _choose_other(self) -> None:
        ids = self.row.group.also
        names = [
            f"{n} ({sid})" if self.row.others.count(n) > 1 else n
            for n, sid in zip(self.row.others, ids, strict=True)
        ]
        name, ok = QInputDialog.getItem(self, "Who is it?", "These faces are:", names, 0, False)
        if ok and name in names:
            self.answered.emit(self, True, ids[names.index(name)])

    def show_faces(self, images: Sequence[QImage]) -> None:
        every = len(images) == len(self.row.faces)
        self.faces_note.setText(
            ""
            if every
            else f"{len(self.row.faces) - len(images)} of the faces cannot be shown here: open "
            "those photos, or answer only It's"
        )
        self.no.setEnabled(every and self.yes.isEnabled())
        for image in images:
            # Before the trailing stretch: the faces line up from the left.
            self.faces.insertWidget(
                self.faces.count() - 1, _pixmap_label(image, "a face the check was unsure of")
            )

    def show_outcome(self, done: Sequence[GroupDecision], is_student: bool) -> None:
        decided = [d for d in done if d.result is not None]
        left = [d for d in done if d.result is None]
        said = "Blocked" if is_student else "Approved"
        parts = [f"{said} {len(decided)} photo{'s' * (len(decided) != 1)}."]
        for d in left:
            parts.append(f"Left {display(d.path.rsplit('/', 1)[-1])}: {d.left}.")
        if sum(d.faces_answered for d in done):
            parts.append("A check of the same photos will not ask about these faces again.")
        self.outcome.setText(" ".join(parts))
        if decided:  # nothing recorded: the person may answer again
            self.yes.setEnabled(False)
            if self.other is not None:
                self.other.setEnabled(False)
            self.no.setEnabled(False)
            self.learn.setEnabled(False)


class FacesToLookAt(QDialog):
    """The window: one row per face group to look at."""

    #: A decision was recorded (the check page shows decisions again).
    decided = Signal()
    #: When the window closed, faces were added as references (or could not be): one
    #: sentence each, for the check page to say.
    learned = Signal(list)

    def __init__(self, session: Session, report: ScanReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.report = report
        self.setWindowTitle("Faces to look at")
        self.resize(980, 640)
        layout = QVBoxLayout(self)
        self.checked = check_groups(session.ws, report.scan_id)
        self.rows = rows_of(report, self.checked)
        intro = QLabel(
            "The check was unsure of these faces. Each row is one person, as far as their faces "
            "tell: look at the reference photo and the faces, and answer once for every photo "
            "of that person. Keys: I (it is them) and N (it is not), for the first row not "
            "yet answered."
            if self.rows
            else "The check was sure of every face it found: nothing to look at here."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        inner = QWidget()
        column = QVBoxLayout(inner)
        self.row_widgets: list[GroupRow] = []
        #: Rows confirmed as a student (the row, the student's id and name).
        self._to_learn: list[tuple[GroupFaces, str, str]] = []
        for row in self.rows:
            others = [
                thumbs[0]
                for sid in row.group.also
                if (thumbs := reference_thumbnails(session.ws, sid))
            ]
            widget = GroupRow(row, reference_thumbnails(session.ws, row.group.student_id), others)
            widget.answered.connect(self._answer)
            column.addWidget(widget)
            self.row_widgets.append(widget)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.rows:
            session.tasks.run(load_faces, self.rows, on_done=self._faces_loaded)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """I and N answer the first row not yet answered."""
        row = next((w for w in self.row_widgets if w.yes.isEnabled()), None)
        if row is not None and event.key() in (Qt.Key.Key_I, Qt.Key.Key_N):
            (row.yes if event.key() == Qt.Key.Key_I else row.no).click()
            return
        super().keyPressEvent(event)

    def _faces_loaded(self, faces: dict[int, list[QImage]]) -> None:
        for i, widget in enumerate(self.row_widgets):
            widget.show_faces(faces.get(i, []))

    def ask_reason(self, row: GroupFaces) -> str | None:
        """Why it is not the student (None: the person changed their mind)."""
        text, ok = QInputDialog.getText(
            self,
            f"Not {row.everyone}",
            f"Why are these faces not {row.everyone}? (kept in the approval log)",
            QLineEdit.EchoMode.Normal,
        )
        return text.strip() if ok else None

    def _answer(self, widget: GroupRow, is_student: bool, student_id: str) -> None:
        row = widget.row
        name = self.report.name(student_id) if is_student else row.everyone
        reason = None
        if not is_student:
            reason = self.ask_reason(row)
            if reason is None:
                return
            if len(reason) < MIN_REASON_CHARS:
                widget.outcome.setText(
                    "Nothing recorded: say why in a few words "
                    f"({MIN_REASON_CHARS} letters or more)."
                )
                return
        try:
            done = decide_group(
                self.session.ws,
                self.checked,
                row.group,
                is_student=is_student,
                by=self.session.user_name,
                student_name=name,
                reason=reason,
            )
        except (UserError, OSError) as exc:
            widget.outcome.setText(f"Nothing recorded: {exc}.")
            return
        widget.show_outcome(done, is_student)
        if is_student and widget.learn.isChecked():
            # Added when the window closes: a new reference changes what the check looked
            # for, and the other answers of this check must be recorded first.
            self._to_learn.append((row, student_id, name))
        self.session.notify_log()
        self.decided.emit()

    def done(self, result: int) -> None:
        """Closing: the confirmed faces become references now."""
        said: list[str] = []
        rows, self._to_learn = self._to_learn, []
        for row, student_id, name in rows:
            try:
                learn_from_group(
                    self.session.ws,
                    self.checked,
                    row.group,
                    by=self.session.user_name,
                    student_id=student_id,
                )
                said.append(
                    f"Added one of the faces of this check to {name}'s reference photos: "
                    "check the folder again to use it."
                )
            except (UserError, OSError) as exc:
                said.append(f"No face was added to {name}'s references: {exc}.")
        if said:
            self.session.notify_references()
            self.learned.emit(said)
        super().done(result)


def open_faces_to_look_at(session: Session, report: ScanReport, parent: QWidget) -> FacesToLookAt:
    dialog = FacesToLookAt(session, report, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
