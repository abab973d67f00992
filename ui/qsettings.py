"""The app's own preferences (window state, recent checks, your name) in QSettings.

Always an INI file under the user's configuration folder, with the
organisation and application name set here, so tests can point QSettings at a
temporary folder (``QSettings.setPath``) and never touch a person's settings.
What the checks use (thresholds, the data folder's school) lives in the data
folder's settings.json instead, through :mod:`photoguard.workspace.settings`.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "photoguard"
APPLICATION = "photoguard"

RECENT_KEY = "check/recent"
RECENT_MAX = 8


def app_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def read_json(key: str, default: Any) -> Any:
    raw = app_settings().value(key, "")
    if not raw:
        return default
    try:
        return json.loads(str(raw))
    except ValueError:
        return default


def write_json(key: str, value: Any) -> None:
    app_settings().setValue(key, json.dumps(value, ensure_ascii=False))
