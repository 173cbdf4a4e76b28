"""The curated public API: ``kit`` exports the names a notebook needs, lazily; every package has ``__all__``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import kit

PACKAGES = [
    "kit",
    "kit.sources",
    "kit.catalog",
    "kit.parallel",
    "kit.train",
    "kit.evaluation",
    "kit.visualize",
]


def test_every_exported_name_resolves_to_its_module():
    assert set(kit.__all__) == {*kit._EXPORTS, "__version__"}
    for name, module in kit._EXPORTS.items():
        assert getattr(kit, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kit.nope  # noqa: B018


def test_import_kit_loads_no_heavy_library():
    code = "import sys, kit; print(sorted(m for m in ('torch', 'sentence_transformers', 'datasets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_declare_their_public_names(package):
    module = importlib.import_module(package)
    assert module.__all__ and all(hasattr(module, name) for name in module.__all__)
