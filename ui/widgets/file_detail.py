"""One checked file, large: the picture with face boxes, what was found, and the decision.

Pictures load off the UI thread; a file selected while another is loading
simply replaces it (late results are dropped).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from photoguard.files.pathtext import display
from photoguard.media.preview import LARGE_PX, Picture
from photoguard.scan.report import FileResult
from photoguard.scan.verdict import FULL_NAME, OPTED_OUT_FACE, POSSIBLE_OPTED_OUT_FACE, Finding
from photoguard.vocab import DecisionKind, FindingType, VerdictKind
from ui import findings as words
from ui.images import load_picture
from ui.models.results import DECISION_LABELS
from ui.verdicts import STYLES, badge_size, colors, paint_badge
from ui.widgets.image_view import FaceBox, ImageView
from ui.workers import TaskRunner

#: Shortcuts of the decision buttons (single keys, as in photo culling tools; typing in a
#: text box never triggers them).
APPROVE_KEY = "A"
BLOCK_KEY = "B"
REASON_KEY = "R"


def badge_pixmap(verdict: str, palette_owner: QWidget, height: int = 24) -> QPixmap:
    probe = QPixmap(1, 1)
    p = QPainter(probe)
    width, _ = badge_size(p, verdict, height)
    p.end()
    ratio = palette_owner.devicePixelRatioF()
    pixmap = QPixmap(round((width + 2) * ratio), round((height + 2) * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_badge(painter, 1, 1, height, verdict, palette_owner.palette())
    painter.end()
    return pixmap


def face_boxes(result: FileResult, names: Mapping[str, str], time_s: float | None) -> list[FaceBox]:
    out: list[FaceBox] = []
    for f in result.findings:
        if f.box is None or f.time_s != time_s:
            continue
        who = names.get(f.student_id or "", f.student_id or "")
        dist = f" · {f.distance:.2f}" if f.distance is not None else ""
        if f.type == OPTED_OUT_FACE:
            out.append(FaceBox(f.box, VerdictKind.FLAGGED, f"{who}{dist}"))
        elif f.type == POSSIBLE_OPTED_OUT_FACE:
            out.append(FaceBox(f.box, VerdictKind.REVIEW, f"Maybe {who}{dist}"))
        elif f.type == FindingType.ANSWERED_FACE:
            out.append(FaceBox(f.box, VerdictKind.CLEAR, f"Not {who} (answered)"))
        elif f.type == FULL_NAME:  # written in the picture: a name tag, a certificate
            out.append(FaceBox(f.box, VerdictKind.FLAGGED, f"Full name of {who}"))
        elif f.type == FindingType.POSSIBLE_FULL_NAME:
            out.append(FaceBox(f.box, VerdictKind.REVIEW, f"Maybe the full name of {who}"))
        else:
            out.append(FaceBox(f.box, VerdictKind.REVIEW, "Face to look at"))
    return out


def captions_html(items: list[Finding], fill: str, ink: str) -> str:
    """Each caption field with a full name, the name marked."""
    by_field: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for f in items:
        if f.type not in (FULL_NAME, FindingType.POSSIBLE_FULL_NAME) or f.text is None:
            continue
        spans = by_field.setdefault((f.field or "", f.text), [])
        if f.span:
            spans.append(f.span)
    parts: list[str] = []
    for (field, text), spans in by_field.items():
        shown: list[str] = []
        pos = 0
        for start, end in sorted(set(spans)):
            if start < pos:
                continue
            shown.append(html.escape(display(text[pos:start])))
            shown.append(
                f'<span style="background-color:{fill}; color:{ink}; font-weight:bold">'
                f"{html.escape(display(text[start:end]))}</span>"
            )
            pos = end
        shown.append(html.escape(display(text[pos:])))
        parts.append(f"<p><b>{html.escape(display(field))}</b><br>{''.join(shown)}</p>")
    return "".join(parts)


class FileDetail(QWidget):
    """Emits ``decide(decision, reason)`` when a decision button is used, and
    ``safe_copy()`` when a safe copy of the file is asked for."""

    decide = Signal(str, str)
    safe_copy = Signal()

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Selected file")
        self._tasks = tasks
        self.result: FileResult | None = None
        self.names: dict[str, str] = {}
        self._request = 0
        self._has_captions = False
        self.user_name = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.badge = QLabel()
        self.badge.setAccessibleName("Verdict")
        head.addWidget(self.badge)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.title, 1)
        layout.addLayout(head)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.reason)
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.found.setAccessibleName("What was found")
        self.found.setTextFormat(Qt.TextFormat.RichText)
        self.found.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.found_scroll = QScrollArea()
        self.found_scroll.setWidget(self.found)
        self.found_scroll.setWidgetResizable(True)
        self.found_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.found_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.found_scroll.viewport().setAutoFillBackground(False)
        self.found.setAutoFillBackground(False)
        layout.addWidget(self.found_scroll)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        self.image = ImageView()
        split.addWidget(self.image)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.times_label = QLabel("<b>Faces in the video</b> (choose a time to see the frame)")
        lower_layout.addWidget(self.times_label)
        self.times = QListWidget()
        self.times.setAccessibleName("Times in the video with faces found")
        self.times.setMaximumHeight(110)
        self.times.currentRowChanged.connect(self._time_chosen)
        lower_layout.addWidget(self.times)
        self.captions = QTextBrowser()
        self.captions.setAccessibleName("Captions with full names marked")
        self.captions.setMaximumHeight(120)
        lower_layout.addWidget(self.captions)
        split.addWidget(lower)
        self.lower_panel = lower
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)

        # Decisions.
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        dl = QVBoxLayout(frame)
        dl.setContentsMargins(8, 6, 8, 6)
        self.decided = QLabel()
        self.decided.setWordWrap(True)
        self.decided.setTextFormat(Qt.TextFormat.PlainText)
        self.decided.setAccessibleName("Decision")
        dl.addWidget(self.decided)
        row = QHBoxLayout()
        self.approve = QPushButton(f"Approve ({APPROVE_KEY})")
        self.approve.setAccessibleName("Approve for sharing")
        self.approve.setToolTip("Record that this clear file may be shared")
        self.approve.setShortcut(QKeySequence(APPROVE_KEY))
        self.approve.clicked.connect(lambda: self.decide.emit(DecisionKind.APPROVE, ""))
        row.addWidget(self.approve)
        self.with_reason = QPushButton(f"Approve with reason… ({REASON_KEY})")
        self.with_reason.setAccessibleName("Approve with a reason after looking")
        self.with_reason.setToolTip(
            "You looked at this file yourself and it may be shared anyway: say why"
        )
        self.with_reason.setShortcut(QKeySequence(REASON_KEY))
        self.with_reason.clicked.connect(self._ask_reason)
        row.addWidget(self.with_reason)
        self.block = QPushButton(f"Block ({BLOCK_KEY})")
        self.block.setAccessibleName("Block: must not be shared")
        self.block.setToolTip("Record that this file must not be shared")
        self.block.setShortcut(QKeySequence(BLOCK_KEY))
        self.block.clicked.connect(lambda: self.decide.emit(DecisionKind.BLOCK, ""))
        row.addWidget(self.block)
        self.copy_button = QPushButton("Make a safe &copy…")
        self.copy_button.setAccessibleName("Make a safe copy with the faces covered")
        self.copy_button.setToolTip(
            "A copy with opted-out students' faces covered and full names cut to first "
            "names, checked again before you can save it; the original is not changed"
        )
        self.copy_button.clicked.connect(self.safe_copy.emit)
        row.addWidget(self.copy_button)
        dl.addLayout(row)
        reason_row = QHBoxLayout()
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason for approving")
        self.reason_edit.setPlaceholderText(
            "Why it may be shared, e.g. 'the face is not the student; checked with the office'"
        )
        self.reason_edit.returnPressed.connect(self._confirm_reason)
        reason_row.addWidget(self.reason_edit, 1)
        self.reason_ok = QPushButton("Record approval")
        self.reason_ok.setAccessibleName("Record approval with this reason")
        self.reason_ok.clicked.connect(self._confirm_reason)
        reason_row.addWidget(self.reason_ok)
        self.reason_cancel = QPushButton("Cancel")
        self.reason_cancel.setAccessibleName("Cancel approving with a reason")
        self.reason_cancel.clicked.connect(self._hide_reason)
        reason_row.addWidget(self.reason_cancel)
        self.reason_box = QWidget()
        self.reason_box.setLayout(reason_row)
        reason_row.setContentsMargins(0, 0, 0, 0)
        self.reason_box.hide()
        dl.addWidget(self.reason_box)
        self.who = QLabel()
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        dl.addWidget(self.who)
        layout.addWidget(frame)
        self.show_result(None)

    # ------------------------------------------------------------------ contents

    def set_user(self, name: str) -> None:
        self.user_name = name
        self.who.setText(f"Decisions are recorded in the approval log as {name}.")

    def hold_decisions(self) -> None:
        """Disable the decision buttons while a decision is being recorded (the next
        :meth:`show_result` enables what applies)."""
        for button in (self.approve, self.with_reason, self.block):
            button.setEnabled(False)

    def hold_safe_copy(self) -> None:
        """Disable the safe-copy button while a copy is being made."""
        self.copy_button.setEnabled(False)

    def show_result(
        self,
        result: FileResult | None,
        names: Mapping[str, str] | None = None,
        decision: str | None = None,
        busy: bool = False,
        detail: str = "",
    ) -> None:
        same = result is not None and self.result is not None and result.path == self.result.path
        self.result = result
        if names is not None:
            self.names = dict(names)
        self._hide_reason()
        if result is None:
            self.title.setText("No file selected")
            self.badge.clear()
            self.reason.setText("Choose a file to see it large, with what was found in it.")
            self.image.set_message("")
            self.times.clear()
            self.times.hide()
            self.times_label.hide()
            self.found.clear()
            self.found_scroll.hide()
            self.captions.hide()
            self._has_captions = False
            self.lower_panel.hide()
            self.decided.clear()
            for b in (self.approve, self.with_reason, self.block, self.copy_button):
                b.setEnabled(False)
            return
        self.title.setText(display(result.rel))
        self.title.setToolTip(display(result.path))
        self.badge.setPixmap(badge_pixmap(result.verdict, self))
        self.badge.setAccessibleDescription(STYLES[result.verdict].label)
        self.reason.setText(f"{STYLES[result.verdict].meaning}: {result.assessment.reason}.")
        unique = words.grouped_lines(result, self.names)
        self.found.setText(
            "<br>".join(f"• {html.escape(x)}" for x in unique[:40])
            + (f"<br>… and {len(unique) - 40} more" if len(unique) > 40 else "")
        )
        self.found_scroll.setVisible(bool(unique))
        width = max(200, self.found_scroll.viewport().width() or self.width() - 20)
        self.found_scroll.setFixedHeight(min(96, self.found.heightForWidth(width) + 4))
        fill, ink = colors(VerdictKind.FLAGGED, self.palette())
        caption_text = captions_html(list(result.findings), fill.name(), ink.name())
        self.captions.setHtml(caption_text)
        self.captions.setVisible(bool(caption_text))
        self._has_captions = bool(caption_text)
        self.set_decision(decision, detail)
        verdict = result.verdict
        self.approve.setEnabled(not busy and verdict == VerdictKind.CLEAR)
        self.with_reason.setEnabled(not busy and verdict != VerdictKind.CLEAR)
        self.block.setEnabled(not busy)
        # A copy helps where something was found (a face or a name); an unreadable
        # file cannot be copied safely, and a clear one needs no copy.
        self.copy_button.setEnabled(
            not busy and verdict in (VerdictKind.FLAGGED, VerdictKind.REVIEW)
        )
        if same:
            return
        times = words.face_times(result) if result.kind == "video" else []
        self.times.blockSignals(True)
        self.times.clear()
        for t in times:
            here = [f for f in result.findings if f.time_s == t]
            who = ", ".join(
                dict.fromkeys(
                    (self.names.get(f.student_id or "", f.student_id or "") or "a face")
                    + (f" ({f.distance:.2f})" if f.distance is not None else "")
                    for f in here
                )
            )
            item = QListWidgetItem(f"{t:.1f} s — {who}")
            item.setData(Qt.ItemDataRole.UserRole, t)
            self.times.addItem(item)
        self.times.blockSignals(False)
        self.times.setVisible(bool(times))
        self.times_label.setVisible(bool(times))
        self.lower_panel.setVisible(bool(times) or self._has_captions)
        if times:
            self.times.setCurrentRow(0)
        else:
            self._load(result, None)

    def set_decision(self, decision: str | None, detail: str = "") -> None:
        if decision:
            label = DECISION_LABELS.get(decision, decision)
            self.decided.setText(f"{label}{' ' + detail if detail else ''}.")
        elif self.result is not None and self.result.verdict != VerdictKind.CLEAR:
            self.decided.setText(
                "Not approved. Look at it yourself: block it, or approve it with a reason."
                + (f" ({detail}.)" if detail else "")
            )
        elif detail:  # an earlier approval that no longer holds, and why
            self.decided.setText(f"Not approved now. {detail}.")
        else:
            self.decided.setText("Not decided yet.")

    # ------------------------------------------------------------------ pictures

    def _time_chosen(self, row: int) -> None:
        item = self.times.item(row)
        if item is not None and self.result is not None:
            self._load(self.result, float(item.data(Qt.ItemDataRole.UserRole)))

    def _load(self, result: FileResult, time_s: float | None) -> None:
        self._request += 1
        request = self._request
        self.image.set_message("Loading…")
        self._tasks.run(
            load_picture,
            result.path,
            result.kind,
            time_s,
            self._picture_px(),
            on_done=lambda got: self._loaded(request, result, time_s, got),
            on_error=lambda text: self._failed(request, text),
        )

    def _picture_px(self) -> int:
        """Decode at about the size shown (scaling a huge picture on every paint is slow)."""
        ratio = self.devicePixelRatioF()
        shown = max(self.image.width(), self.image.height(), 480) * ratio
        return int(min(LARGE_PX, shown * 1.25))

    def _loaded(
        self,
        request: int,
        result: FileResult,
        time_s: float | None,
        got: tuple[Picture, QImage],
    ) -> None:
        if request != self._request:
            return
        picture, image = got
        width = result.assessment.width or picture.width
        height = result.assessment.height or picture.height
        if result.kind == "video":
            width, height = picture.width, picture.height
        self.image.set_picture(image, width, height, face_boxes(result, self.names, time_s))

    def _failed(self, request: int, text: str) -> None:
        if request == self._request:
            self.image.set_message(f"This file cannot be shown: {text}")

    # ------------------------------------------------------------------ reason

    def _ask_reason(self) -> None:
        if self.result is None:
            return
        self.reason_box.show()
        self.reason_edit.setFocus()

    def _hide_reason(self) -> None:
        self.reason_edit.clear()
        self.reason_box.hide()

    def _confirm_reason(self) -> None:
        reason = self.reason_edit.text().strip()
        self.decide.emit(DecisionKind.OVERRIDE, reason)
