"""Which column is which, when photoguard did not recognise the roster file's headers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.roster.columns import HEADER_ALIASES, norm_header
from photoguard.roster.headers import ROLE_LABELS, Headers, mapping_problem
from ui.widgets.message_bar import MessageBar

NONE = "(not in this file)"
#: Roles offered, in order; the flag column is chosen separately.
ROLES_SHOWN = ("id", "last", "first", "name", "preferred", "grade", "homeroom", "yog", "birth")


def guess(role: str, headers: tuple[str, ...]) -> str | None:
    """A header that is one of the role's usual spellings, if any."""
    norms = {norm_header(h): h for h in headers if h}
    for alias in HEADER_ALIASES.get(role, ()):
        found = norms.get(norm_header(alias))
        if found:
            return found
    return None


class ColumnMappingDialog(QDialog):
    """``columns()`` gives the mapping to pass to ``preview_import(columns=...)``."""

    def __init__(
        self, headers: Headers, file_name: str, problem: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which column is which?")
        self.setAccessibleName("Roster column mapping")
        self.resize(560, 520)
        self.headers = headers
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"photoguard could not tell which columns of {display(file_name)} hold the student "
            "ID, the name and the photo opt-out. Choose them below (row "
            f"{headers.row} of the file is its header)."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.problem = MessageBar()
        self.problem.warning(problem)
        layout.addWidget(self.problem)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        choices = [NONE, *[h for h in headers.headers if h]]
        for role in ROLES_SHOWN:
            combo = QComboBox()
            combo.addItems(choices)
            combo.setAccessibleName(ROLE_LABELS[role])
            found = guess(role, headers.headers)
            if found:
                combo.setCurrentText(found)
            combo.currentIndexChanged.connect(self._validate)
            self.combos[role] = combo
            form.addRow(ROLE_LABELS[role] + ":", combo)
        self.flag = QComboBox()
        self.flag.addItems(choices)
        self.flag.setAccessibleName("Photo opt-out or release column")
        self.flag.currentIndexChanged.connect(self._validate)
        form.addRow("Photo permission column:", self.flag)
        meaning = QHBoxLayout()
        self.means_optout = QRadioButton("Y means opted out")
        self.means_optout.setChecked(True)
        self.means_release = QRadioButton("Y means photos are allowed")
        group = QButtonGroup(self)
        group.addButton(self.means_optout)
        group.addButton(self.means_release)
        self.means_optout.toggled.connect(self._validate)
        meaning.addWidget(self.means_optout)
        meaning.addWidget(self.means_release)
        form.addRow("In that column:", meaning)
        layout.addLayout(form)
        note = QLabel(
            "Use either Last name and First name, or one Full name column written "
            "'Last, First'. A blank cell in a 'photos are allowed' column counts as opted out."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What is still missing")
        layout.addWidget(self.status)
        layout.addStretch(1)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("&Preview the import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._validate()

    def set_role(self, role: str, header: str) -> None:
        """Choose ``header`` for ``role`` ("optout"/"release" choose the flag column)."""
        if role in ("optout", "release"):
            self.flag.setCurrentText(header)
            (self.means_optout if role == "optout" else self.means_release).setChecked(True)
        else:
            self.combos[role].setCurrentText(header)
        self._validate()

    def columns(self) -> dict[str, str]:
        out = {
            role: combo.currentText()
            for role, combo in self.combos.items()
            if combo.currentText() != NONE
        }
        if self.flag.currentText() != NONE:
            out["optout" if self.means_optout.isChecked() else "release"] = self.flag.currentText()
        return out

    def _validate(self) -> None:
        problem = mapping_problem(self.columns())
        self.status.setText(problem[0].upper() + problem[1:] + "." if problem else "")
        self.ok.setEnabled(problem is None)
