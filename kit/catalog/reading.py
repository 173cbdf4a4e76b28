"""Reading data files: lines split on ``"\\n"`` only (alignment-safe), and stsb-multi-mt's CSV rows."""

from __future__ import annotations

import os
from pathlib import Path

from kit.catalog.download import data_path
from kit.errors import DataFormatError, DataNotFoundError

__all__ = ["read_lines", "read_stsb_multi_mt"]


def read_lines(path: str | os.PathLike) -> list[str]:
    """The lines of a UTF-8 text file, split on ``"\\n"`` only (a trailing ``"\\r"`` is removed).

    Unicode line separators (U+2028, U+2029, U+0085) stay inside their line, unlike ``str.splitlines()``,
    so line-aligned files keep their alignment. A byte-order mark is dropped. Bytes that are not valid
    UTF-8 raise :class:`~kit.errors.DataFormatError` naming the file and the line.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_text("one\\u2028still one\\r\\ntwo\\n", encoding="utf-8")
    >>> read_lines(p)
    ['one\\u2028still one', 'two']
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise DataNotFoundError(f"{path}: no such file") from err
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise DataFormatError(
            f"{path}: line {line}: not valid UTF-8 (byte 0x{data[err.start]:02x} at column {column})"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_stsb_multi_mt(language: str, split: str) -> list[tuple[str, str, str]]:
    """The rows ``(sentence1, sentence2, score)`` of stsb-multi-mt's ``stsb-<language>-<split>.csv``.

    Row *i* of every language translates row *i* of ``stsb-en-<split>.csv``. Quoted CSV (sentences may hold
    commas and quotes); a row without exactly three fields raises an error naming the file and line.

    >>> read_stsb_multi_mt("de", "test")[0]
    ('Ein Mädchen frisiert ihr Haar.', 'Ein Mädchen bürstet sich die Haare.', '2.5')
    """
    import csv
    import io

    path = data_path("stsb-multi-mt", f"stsb-{language}-{split}.csv")
    text = "\n".join(read_lines(path))
    rows = []
    for number, fields in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if len(fields) != 3:
            raise DataFormatError(
                f"{path}:{number}: expected sentence1,sentence2,score, got {len(fields)} fields"
            )
        rows.append((fields[0], fields[1], fields[2]))
    return rows
