"""Parallel pairs from the Hugging Face hub (``sentence-transformers/parallel-sentences-*``), under the kit's
offline rule (:mod:`kit.config`), failing in one line, and fast, when the hub cannot be reached."""

from __future__ import annotations

from collections.abc import Iterable

import datasets

from kit import catalog
from kit.config import data_dir, hub_offline_mode
from kit.errors import DataFormatError, HubUnavailableError
from kit.parallel.pairs import TRAIN_LANGUAGES, _dataset, _languages, _sample, concat

__all__ = ["HUB_DEFAULT", "load_hub"]

#: The default hub data set (TED2020 talks, what the paper trained on).
HUB_DEFAULT = "sentence-transformers/parallel-sentences-talks"


def load_hub(
    name: str = HUB_DEFAULT,
    subsets: Iterable[str] | None = None,
    split: str = "train",
    max_per_language: int | None = None,
    *,
    languages: str | Iterable[str] | None = None,
    seed: int = 42,
) -> datasets.Dataset:
    """Pairs from a hub data set with the ``english`` / ``non_english`` layout, e.g.
    ``sentence-transformers/parallel-sentences-talks`` (TED2020), ``-tatoeba``, ``-europarl``.

    ``subsets`` are the hub configurations (``"en-de"``, ...); or pass ``languages`` (``["de", "es"]`` →
    ``en-de``, ``en-es``); default: the seven training languages. Uses ``datasets.load_dataset`` (a cached
    copy works offline). When the hub cannot be reached, :class:`~kit.errors.HubUnavailableError` says so in
    one line and names the offline loaders.

    With the hub reachable (or a cached copy):

    >>> ds = load_hub(languages=["de"], max_per_language=1000)  # doctest: +SKIP
    >>> len(ds), ds.column_names  # doctest: +SKIP
    (1000, ['english', 'non_english', 'language'])
    """
    if subsets is None:
        subsets = [f"en-{lang}" for lang in _languages(languages or TRAIN_LANGUAGES)]
    elif isinstance(subsets, str):
        subsets = [subsets]
    parts = []
    for subset in subsets:
        lang = catalog.normalize_language(subset.split("-")[-1], argument="subsets")
        try:
            with hub_offline_mode(timeout=2.0) as offline:
                raw = datasets.load_dataset(name, subset, split=split)
        except Exception as err:
            detail = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
            why = (
                f"the hub is unreachable ({offline}) and no cached copy was found"
                if offline
                else f"{type(err).__name__}: {detail}"
            )
            raise HubUnavailableError(
                f"cannot load {name!r} (subset {subset!r}, split {split!r}) from the Hugging Face hub: {why}. "
                "Offline alternatives: kit.parallel.load_tatoeba_challenge(languages) (files in KIT_DATA_DIR="
                f"{data_dir()}), load_line_aligned(english_file, other_file, language) or load_tsv(path, language)"
            ) from None
        if isinstance(raw, datasets.DatasetDict):
            raw = raw[split]
        missing = [c for c in ("english", "non_english") if c not in raw.column_names]
        if missing:
            raise DataFormatError(
                f"{name} ({subset}) has columns {raw.column_names}; load_hub expects 'english' and 'non_english'"
            )
        keep = _sample(len(raw), max_per_language, seed, lang)
        if keep is not None:
            raw = raw.select(keep)
        parts.append(_dataset(raw["english"], raw["non_english"], lang))
    return concat(parts)
