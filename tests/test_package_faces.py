"""Each package's public face (its ``__init__``) names what other packages use, and
importing it costs nothing: its names load from their modules on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LAZY_PACKAGES = ("photoguard.audit", "photoguard.safecopy", "photoguard.store")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_public_name_is_the_one_its_module_defines(name: str) -> None:
    package = importlib.import_module(name)
    homes: dict[str, str] = package._HOMES
    assert sorted(package.__all__) == sorted(homes)
    for public, module in homes.items():
        owner = importlib.import_module(f"{name}.{module}")
        assert getattr(package, public) is getattr(owner, public), public


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_an_unknown_name_is_an_attribute_error(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError):
        _ = package.no_such_name


def test_importing_the_packages_loads_no_image_or_face_library() -> None:
    code = (
        "import sys\n"
        f"for name in {LAZY_PACKAGES!r}:\n"
        "    __import__(name)\n"
        "heavy = ('numpy', 'cv2', 'dlib', 'PIL', 'av', 'pillow_heif', 'face_recognition')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing the packages loaded {out}"
