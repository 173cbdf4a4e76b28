"""The benchmark scripts keep up with the kit: every name they import exists, and each one parses its arguments.

A benchmark runs for minutes to hours, so the suite does not run them; it checks what breaks silently when
``kit/`` is reshaped (a moved module, a renamed function imported inside ``main``) and each script's ``--help``.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
# the runnable ones; the others are helpers the scripts import (layer_drop.py)
ENTRY_POINTS = [script for script in SCRIPTS if '__name__ == "__main__"' in script.read_text()]
CHECKED_PACKAGES = ("kit", "sentence_transformers", "transformers")


def _imports(script: Path) -> list[tuple[int, str, str]]:
    found = []
    for node in ast.walk(ast.parse(script.read_text(), filename=str(script))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in CHECKED_PACKAGES:
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name, "") for a in node.names if a.name.split(".")[0] in CHECKED_PACKAGES
            ]
    return found


def test_there_are_benchmarks_to_check():
    assert len(ENTRY_POINTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_exists(script):
    missing = []
    for line, module_name, name in _imports(script):
        module = importlib.import_module(module_name)
        if name and not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                missing.append(f"{script.name}:{line}: from {module_name} import {name}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("script", ENTRY_POINTS, ids=lambda p: p.name)
def test_every_benchmark_parses_its_arguments(script):
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()
