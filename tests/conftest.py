"""Shared test setup: the tests read the read-only data mirror beside the checkout and keep caches apart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

# Point the kit at the mirror unless the caller chose a data directory already.
if "KIT_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
    os.environ["KIT_DATA_DIR"] = str(SHARED_DATA)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["KIT_DATA_DIR"])
    if not path.is_dir():
        pytest.skip(f"data directory {path} is missing (set KIT_DATA_DIR)")
    return path
