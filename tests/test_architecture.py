"""The core never imports Qt (every core module imported in a clean interpreter), and the
layer rules in .importlinter hold and would catch each wrong arrow they exist for."""

from __future__ import annotations

import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


# --------------------------------------------------------------- layer rules (import-linter)

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: One arrow each contract in .importlinter exists to stop (issue 16 found them all).
WRONG_ARROWS = [
    ("The core never imports Qt or the app", "photoguard/scan/verdict.py", "import ui.verdicts"),
    (
        "Workers never reach the store",
        "photoguard/scan/analysis.py",
        "import photoguard.store.engine",
    ),
    ("The core's layers", "photoguard/media/photo.py", "import photoguard.faces.detect"),
    (
        "A verdict is decided from results alone",
        "photoguard/scan/verdict.py",
        "import photoguard.scan.workers",
    ),
    (
        "The store imports no domain code",
        "photoguard/store/per_folder.py",
        "import photoguard.workspace.district",
    ),
    ("The store imports no domain code", "photoguard/store/schema.py", "import photoguard.audit"),
    (
        "The store imports no domain code",
        "photoguard/store/schema.py",
        "import photoguard.roster.stored",
    ),
    ("The core's layers", "photoguard/scan/verdict.py", "import photoguard.safecopy.make"),
    ("The app's layers", "ui/state.py", "import ui.pages.log"),
    ("The app reads and writes data through", "ui/state.py", "import photoguard.store.engine"),
]


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True
    )


def test_layer_rules_hold() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("contract", "module", "line"), WRONG_ARROWS)
def test_each_layer_rule_can_fail(tmp_path: Path, contract: str, module: str, line: str) -> None:
    for tree in ("photoguard", "ui"):
        shutil.copytree(ROOT / tree, tmp_path / tree, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    with (tmp_path / module).open("a", encoding="utf-8") as f:
        f.write(f"\n{line}  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    words = " ".join(done.stdout.split())  # long contract names wrap
    assert re.search(re.escape(contract) + r"[^.]*? BROKEN", words), done.stdout
