"""Checking the data directory against the catalog: :func:`verify` and the table of ``python -m kit data``."""

from __future__ import annotations

import os

from kit._io import sha256_file
from kit.catalog.datasets import _CATALOG, get_dataset
from kit.config import data_dir

__all__ = ["data_problems", "describe_datasets", "verify"]


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


# ------------------------------------------------------------------------------------------- checks


def verify(dataset: str, *, missing_ok: bool = False) -> list[str]:
    """Problems of a data set's files in the data directory: missing, wrong size, SHA-256 or line count.

    An empty list means every file is present and matches the catalog. Missing files are not downloaded.

    >>> verify("sts17")
    []
    """
    problems = []
    for f in get_dataset(dataset).files:
        path = data_dir() / f.relpath
        if not path.is_file():
            if not missing_ok:
                problems.append(f"{f.relpath}: missing")
            continue
        size = path.stat().st_size
        if size != f.size:
            problems.append(f"{f.relpath}: {size} bytes, expected {f.size}")
        digest = sha256_file(path)
        if not digest.startswith(f.sha256):
            problems.append(f"{f.relpath}: SHA-256 {digest[:12]}…, expected {f.sha256}…")
        if f.lines is not None:
            lines = _count_lines(path.read_bytes())
            if lines != f.lines:
                problems.append(f"{f.relpath}: {lines} lines, expected {f.lines}")
    return problems


_verify = verify


def data_problems() -> list[str]:
    """Every problem ``python -m kit data --verify`` fails on: a missing data directory, or files of the
    catalog missing, of the wrong size, SHA-256 or line count (an empty list: all present and intact).

    >>> data_problems()
    []
    """
    root = data_dir()
    if not root.is_dir():
        return [f"the data directory {root} does not exist (set KIT_DATA_DIR; layout: data/README.md)"]
    return [problem for name in _CATALOG for problem in verify(name)]


def describe_datasets(verify: bool = False) -> str:
    """A table of the catalog for ``python -m kit data``: name, files present/total, license, HF equivalent.

    With ``verify=True`` every present file's checksum and line count is checked and problems are listed.

    >>> print(describe_datasets().splitlines()[0])  # doctest: +ELLIPSIS
    data directory: ...
    """
    do_verify = verify
    root = data_dir()
    source = "KIT_DATA_DIR" if os.environ.get("KIT_DATA_DIR") else "default; set KIT_DATA_DIR to change"
    header = ["data set", "files", "license", "role", "online (Hugging Face)"]
    if do_verify:
        header.insert(2, "check")
    rows, problems = [], []
    for info in _CATALOG.values():
        present = sum((root / f.relpath).is_file() for f in info.files)
        row = [info.name, f"{present}/{len(info.files)}", info.license, info.role, info.hf_id]
        if do_verify:
            found = _verify(info.name, missing_ok=True)
            problems += found
            row.insert(2, f"{len(found)} problem(s)" if found else "ok" if present else "-")
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"data directory: {root} ({source})", ""]
    for r in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if problems:
        lines += ["", "problems:", *(f"  {p}" for p in problems)]
    missing = sum(not (root / f.relpath).is_file() for info in _CATALOG.values() for f in info.files)
    if missing:
        lines += [
            "",
            f"{missing} file(s) missing: they are downloaded on first use when online; offline, point "
            "KIT_DATA_DIR at a copy (layout: data/README.md).",
        ]
    return "\n".join(lines)
