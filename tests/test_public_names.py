"""The public face of a package: the names other packages import from it.

Each name a package lists in ``__all__`` is there and is the object its own module
defines; and the package face costs nothing at start-up: importing it (or the
roster model, or the face model files' module, as commands that never look at a
picture do) loads neither numpy, dlib nor OpenCV, nor the name search.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("photoguard.roster", "photoguard.faces")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_the_one_its_module_defines(package: str) -> None:
    pkg = importlib.import_module(package)
    owners: dict[str, tuple[str, ...]] = pkg._OWNERS
    assert sorted(pkg.__all__) == sorted(n for names in owners.values() for n in names)
    for module, names in owners.items():
        mod = importlib.import_module(f"{package}.{module}")
        for name in names:
            assert getattr(pkg, name) is getattr(mod, name), name
    assert set(pkg.__all__) <= set(dir(pkg))
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018


def test_the_package_faces_load_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import photoguard.faces, photoguard.faces.model, photoguard.roster\n"
        "import photoguard.roster.model\n"
        "from photoguard.roster import stored\n"
        "heavy = ('numpy', 'dlib', 'cv2', 'openpyxl', 'photoguard.roster.names',"
        " 'photoguard.roster.validate', 'photoguard.faces.detect')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing the package faces loaded {out}"
