"""Fixtures of the test suite (the environment is set up by the repository's ``conftest.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["KIT_DATA_DIR"])
    if not path.is_dir():
        pytest.skip(f"data directory {path} is missing (set KIT_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def tiny():
    """The smoke preset with all-MiniLM-L6-v2 as student (and, as "self", teacher) on German: a run's mechanics
    (checkpoints, resume, the NaN guard, DDP, memory) at about a third of the smoke preset's cost, for the tests
    that are not about what the student learns (those use the smoke preset itself)."""
    from kit.train import PRESETS

    return PRESETS["smoke"].replace(student="all-MiniLM-L6-v2", languages=("de",))


@pytest.fixture(scope="session")
def tiny_cli(tiny) -> tuple[str, ...]:
    """The ``python -m kit distill`` arguments of the :func:`tiny` config."""
    return ("--preset", "smoke", "--student", tiny.student, "--languages", ",".join(tiny.languages))
