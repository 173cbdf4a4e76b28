"""The one place where :mod:`kit.evaluation` reads data files: through :mod:`kit.catalog`.

Files come from the data directory (``KIT_DATA_DIR``); :func:`kit.catalog.data_path` says clearly which file
is missing and how to provide it.
"""

from __future__ import annotations

from pathlib import Path

from kit import catalog


def path(dataset: str, name: str) -> Path:
    """Path of a catalog file (``path("sts17", "STS.en-de.txt")``)."""
    return catalog.data_path(dataset, name)


def lines(dataset: str, name: str) -> tuple[Path, list[str]]:
    """A catalog file's path and its lines (split on ``"\\n"`` only: some sentences contain U+2028)."""
    file = path(dataset, name)
    return file, catalog.read_lines(file)


def has_file(dataset: str, name: str) -> bool:
    """Whether the catalog lists ``name`` in ``dataset`` (present on disk or not)."""
    return any(f.name == name for f in catalog.files(dataset))
