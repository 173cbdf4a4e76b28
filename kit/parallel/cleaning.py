"""Cleaning parallel pairs: strip, then drop empty, over-long and duplicate pairs, counted per step."""

from __future__ import annotations

import datasets

from kit.parallel.pairs import _columns, _dataset
from kit.parallel.report import ParallelReport

__all__ = ["clean"]


def clean(
    ds: datasets.Dataset,
    max_chars: int = 500,
    *,
    min_chars: int = 1,
    drop_duplicates: bool = True,
    report: ParallelReport | None = None,
) -> tuple[datasets.Dataset, ParallelReport]:
    """Strip both sides, then drop empty pairs, over-long pairs and duplicate pairs.

    Steps (each a row of the report): ``empty`` (a side shorter than ``min_chars`` after stripping),
    ``too long`` (a side longer than ``max_chars`` characters), ``duplicate`` (the same English, non-English
    and language as an earlier pair). Pass ``report`` to extend an existing report.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict(
    ...     {"english": [" Hi. ", "", "Hi.", "x" * 20], "non_english": ["Hallo.", "Leer", "Hallo.", "y"],
    ...      "language": ["de"] * 4}
    ... )
    >>> cleaned, report = clean(ds, max_chars=10)
    >>> list(cleaned["english"]), report.dropped()
    (['Hi.'], {'empty': {'de': 1}, 'too long': {'de': 1}, 'duplicate': {'de': 1}})
    """
    english, other, langs = _columns(ds)
    if report is None:
        report = ParallelReport.of(ds)
    rows = [(e.strip(), o.strip(), lang) for e, o, lang in zip(english, other, langs, strict=True)]

    def step(name: str, keep) -> None:
        nonlocal rows
        rows = [row for row in rows if keep(row)]
        counts: dict[str, int] = dict.fromkeys(report.languages, 0)
        for row in rows:
            counts[row[2]] = counts.get(row[2], 0) + 1
        report.add(name, counts)

    step("empty", lambda r: len(r[0]) >= min_chars and len(r[1]) >= min_chars)
    step("too long", lambda r: len(r[0]) <= max_chars and len(r[1]) <= max_chars)
    if drop_duplicates:
        seen: set[tuple[str, str, str]] = set()

        def first_time(row: tuple[str, str, str]) -> bool:
            if row in seen:
                return False
            seen.add(row)
            return True

        step("duplicate", first_time)
    if not rows:
        return _dataset([], [], []), report
    e, o, lang = zip(*rows, strict=True)
    return _dataset(e, o, lang), report
