"""Shared test setup for ``tests/`` and the doctests of ``kit/``: the read-only data mirror beside the checkout,
offline hub libraries, and no doctest run of ``python -m kit`` itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED_DATA = REPO.parent / "shared" / "data"

# Point the kit at the mirror unless the caller chose a data directory already.
if "KIT_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
    os.environ["KIT_DATA_DIR"] = str(SHARED_DATA)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

collect_ignore = ["kit/__main__.py"]  # importing it is fine, but it is the CLI's entry point, not a module


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The examples in ``kit/`` read the data directory: without one they are skipped, as the tests are."""
    from kit.config import data_dir

    if data_dir().is_dir():
        return
    skip = pytest.mark.skip(reason=f"data directory {data_dir()} is missing (set KIT_DATA_DIR)")
    for item in items:
        if isinstance(item, pytest.DoctestItem):
            item.add_marker(skip)
