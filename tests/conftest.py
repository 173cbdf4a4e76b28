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
