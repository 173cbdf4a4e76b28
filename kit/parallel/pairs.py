"""The parallel data set: three string columns ``english``, ``non_english``, ``language`` (ISO 639-1).

Every loader of :mod:`kit.parallel` returns this shape; :func:`concat` joins several, :func:`language_counts`
counts the pairs per language.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import datasets

from kit import catalog
from kit.errors import DataFormatError, KitError

__all__ = ["COLUMNS", "FEATURES", "TRAIN_LANGUAGES", "concat", "language_counts"]

#: The columns of every parallel data set the kit builds.
COLUMNS = ("english", "non_english", "language")
FEATURES = datasets.Features({name: datasets.Value("string") for name in COLUMNS})
#: The seven training languages of the kit (Reimers & Gurevych 2020 evaluate these on STS2017 / Tatoeba).
TRAIN_LANGUAGES = ("de", "es", "fr", "it", "nl", "ar", "tr")


def _languages(languages: str | Iterable[str], argument: str = "languages") -> list[str]:
    """ISO 639-1 codes of ``languages`` (a list, or one string such as ``"de"`` or ``"de,es"``), in order."""
    if isinstance(languages, str):
        languages = [part for part in languages.replace(" ", ",").split(",") if part]
    out: list[str] = []
    for code in languages:
        iso1 = catalog.normalize_language(code, argument=argument)
        if iso1 not in out:
            out.append(iso1)
    if not out:
        raise KitError(f"argument {argument!r} is empty: pass at least one language code such as 'de'")
    return out


def _dataset(
    english: Sequence[str], non_english: Sequence[str], language: Sequence[str] | str
) -> datasets.Dataset:
    if isinstance(language, str):
        language = [language] * len(english)
    return datasets.Dataset.from_dict(
        {"english": list(english), "non_english": list(non_english), "language": list(language)},
        features=FEATURES,
    )


def _columns(ds: datasets.Dataset) -> tuple[list[str], list[str], list[str]]:
    missing = [c for c in COLUMNS if c not in ds.column_names]
    if missing:
        raise DataFormatError(
            f"a parallel data set needs the columns {', '.join(COLUMNS)}; this one has {ds.column_names}"
        )
    return list(ds["english"]), list(ds["non_english"]), list(ds["language"])


def _sample(n: int, k: int | None, seed: int, language: str) -> list[int] | None:
    """Sorted indices of ``k`` of ``n`` rows, reproducible per (seed, language); ``None`` keeps all rows."""
    if k is None or k >= n:
        return None
    if k < 0:
        raise KitError(f"max_per_language must be >= 0 or None, not {k}")
    return sorted(random.Random(f"{seed}:{language}").sample(range(n), k))


def language_counts(ds: datasets.Dataset) -> dict[str, int]:
    """Pairs per language, in order of first appearance.

    >>> language_counts(_dataset(["a", "b", "c"], ["x", "y", "z"], ["de", "fr", "de"]))
    {'de': 2, 'fr': 1}
    """
    counts: dict[str, int] = {}
    for lang in ds["language"]:
        counts[lang] = counts.get(lang, 0) + 1
    return counts


def concat(*parts: datasets.Dataset | Iterable[datasets.Dataset]) -> datasets.Dataset:
    """One data set from several parallel data sets (or lists of them), rows in order.

    >>> a = _dataset(["a"], ["x"], "de"); b = _dataset(["b"], ["y"], "fr")
    >>> list(concat(a, b)["language"])
    ['de', 'fr']
    """
    flat: list[datasets.Dataset] = []
    for part in parts:
        if isinstance(part, datasets.Dataset):
            flat.append(part)
        else:
            flat.extend(part)
    if not flat:
        raise KitError("concat() needs at least one data set")
    for ds in flat:
        missing = [c for c in COLUMNS if c not in ds.column_names]
        if missing:
            raise DataFormatError(
                f"concat(): a part lacks the column(s) {', '.join(missing)}; every part needs {', '.join(COLUMNS)}"
            )
    aligned = []
    for ds in flat:
        if ds.column_names != list(COLUMNS):
            ds = ds.select_columns(list(COLUMNS))
        if ds.features != FEATURES:
            ds = ds.cast(FEATURES)
        aligned.append(ds)
    return aligned[0] if len(aligned) == 1 else datasets.concatenate_datasets(aligned)
