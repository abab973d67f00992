"""The core never imports Qt: checked by importing every core module in a clean interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import photoguard


def test_core_imports_no_qt() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(photoguard.__path__, "photoguard.")
        if not m.name.endswith("__main__")
    ]
    assert "photoguard.cli.main" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', "
        "'shiboken6', 'ui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"core modules pulled in Qt or ui: {out}"
