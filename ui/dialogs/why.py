"""Why this app exists: the policy sections it enforces, quoted."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from photoguard import __version__
from ui.policy import QUOTES, SOURCE


def why_html() -> str:
    parts = [
        "<h2>Why photoguard</h2>",
        "<p>Before a photo or video of students is shared, photoguard checks it against the "
        "district's photo rules. It helps; it does not replace your judgement: a person "
        "decides, and every decision is recorded.</p>",
    ]
    for section, text, what in QUOTES:
        parts.append(f"<h3>Section {html.escape(section)}</h3>")
        parts.append(f"<blockquote><i>&ldquo;{html.escape(text)}&rdquo;</i></blockquote>")
        parts.append(f"<p>{html.escape(what)}</p>")
    parts.append(f"<p><small>{html.escape(SOURCE)}. photoguard {__version__}.</small></p>")
    return "".join(parts)


class WhyDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Why photoguard")
        self.setAccessibleName("Why photoguard: the policy it enforces")
        self.resize(620, 640)
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Policy quotes")
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(why_html())
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
