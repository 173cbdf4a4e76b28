"""Training data of a run: a config's parallel sources → cleaned, leakage-guarded pairs, a dev split, oversampling.

The steps themselves live in :mod:`kit.parallel`; this module applies them in a run's order and counts what
each one kept (the ``data`` entry of ``results.json``).

Example::

    >>> from kit.train import PRESETS
    >>> train, dev, counts = load_parallel_data(PRESETS["smoke"])         # doctest: +SKIP
    >>> counts["train_per_language"]                                      # doctest: +SKIP
    {'ar': 320, 'tr': 320}
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from pathlib import Path
from typing import Any

from kit.errors import KitError
from kit.train.config import DistillConfig

__all__ = ["load_parallel_data"]

logger = logging.getLogger(__name__)


#: The last data set prepared in this process, by its :func:`_data_key`: a notebook prepares a config's pairs to
#: show them (``kit.lessons.labelled_pairs``), then ``distill`` prepares the same pairs again (~20 s for 7 languages).
_LAST_DATA: dict[tuple, tuple] = {}


def _data_key(config: DistillConfig) -> tuple:
    """What decides a config's pairs: its data settings, the data directory, and a data file's size and time."""
    from kit.config import data_dir

    files = []
    for source in [config.data] if Path(config.data).is_file() else config.data.split("+"):
        path = Path(source)
        if path.is_file():
            stat = path.stat()
            files.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return (
        config.data, tuple(config.languages), config.seed, config.max_chars, config.dev_pairs_per_language,
        config.max_pairs_per_language, tuple(sorted(config.oversample.items())), str(data_dir()), tuple(files),
    )  # fmt: skip


def load_parallel_data(config: DistillConfig, *, verbose: bool = True):
    """Load, clean and leakage-guard the training pairs; hold out a dev split. Returns (train, dev, counts).

    The last result is kept in this process and returned again for a config with the same data settings."""
    key = _data_key(config)
    if key in _LAST_DATA:
        train, dev, counts = _LAST_DATA[key]
        if verbose:
            logger.info("Parallel data (prepared before in this process): %s", _summary(counts))
        return train, dev, copy.deepcopy(counts)
    train, dev, counts = _load_parallel_data(config, verbose=verbose)
    _LAST_DATA.clear()
    _LAST_DATA[key] = (train, dev, copy.deepcopy(counts))
    return train, dev, counts


def _summary(counts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in counts.items() if not isinstance(v, dict)}


def _load_parallel_data(config: DistillConfig, *, verbose: bool):
    from kit import parallel

    sources = [config.data] if Path(config.data).is_file() else config.data.split("+")
    parts = [_load_source(source, config, combined=len(sources) > 1) for source in sources]
    raw = parallel.concat([part for part in parts if part is not None])
    cleaned, clean_report = parallel.clean(raw, max_chars=config.max_chars)
    guarded, leak_report = parallel.drop_leaks(cleaned, languages=list(config.languages))
    guarded = guarded.shuffle(seed=config.seed)
    train, dev = _split_dev(guarded, config)
    _check_training_pairs(train, guarded, config)
    train = _oversample(train, config.oversample, seed=config.seed)
    counts = {
        "raw": len(raw),
        "after_cleaning": len(cleaned),
        "after_leakage_guard": len(guarded),
        "train": len(train),
        "dev": len(dev),
        "train_per_language": dict(sorted(parallel.language_counts(train).items())),
        "cleaning": _jsonable(clean_report),
        "leakage": _jsonable(leak_report),
    }
    if verbose:
        logger.info("Parallel data: %s", _summary(counts))
    return train, dev, counts


def _load_source(source: str, config: DistillConfig, *, combined: bool):
    """One data source of ``config.data`` (sources are joined with ``+``)."""
    from kit import parallel

    if source == "tatoeba-challenge":
        return parallel.load_tatoeba_challenge(list(config.languages), seed=config.seed)
    if source == "stsb-multi-mt":
        # Combined with another source, the languages stsb-multi-mt lacks (ar, tr) come from that one; with none of
        # its languages (e.g. languages=("ar", "tr")) it adds nothing.
        if combined and not set(config.languages) & set(parallel.STSB_TRANSLATED):
            logger.info("stsb-multi-mt has none of %s: the other sources give their pairs", config.languages)
            return None
        return parallel.load_stsb_translations(list(config.languages), skip_missing=combined)
    if source.startswith("hub:"):
        return parallel.load_hub(source.removeprefix("hub:"), languages=list(config.languages))
    if len(config.languages) != 1:
        raise KitError(f"a TSV data file ({source}) holds one language; pass exactly one in languages")
    return parallel.load_tsv(source, config.languages[0])


def _split_dev(dataset, config: DistillConfig):
    """Per language: the first ``dev_pairs_per_language`` pairs → dev, the next ``max_pairs`` → train."""
    languages = dataset["language"]
    dev_idx, train_idx, seen = [], [], {}
    for i, lang in enumerate(languages):
        n = seen.get(lang, 0)
        seen[lang] = n + 1
        if n < config.dev_pairs_per_language:
            dev_idx.append(i)
        elif (
            config.max_pairs_per_language is None
            or n - config.dev_pairs_per_language < config.max_pairs_per_language
        ):
            train_idx.append(i)
    return dataset.select(train_idx), dataset.select(dev_idx)


def _check_training_pairs(train, usable, config: DistillConfig) -> None:
    """Every trained language keeps pairs for training after the dev split (else the run would train nothing
    and save the base student as if it were distilled)."""
    from kit import parallel
    from kit.parallel.pairs import _languages

    left = parallel.language_counts(train)
    empty = [lang for lang in _languages(config.languages) if not left.get(lang)]
    if not empty:
        return
    have = parallel.language_counts(usable)
    counts = ", ".join(f"{lang} {have.get(lang, 0)}" for lang in empty)
    raise KitError(
        f"no training pairs for {', '.join(empty)} in {config.data}: the usable pairs ({counts}, after cleaning "
        f"and the leakage guard) all went to the dev split of {config.dev_pairs_per_language} per language; "
        f"supply more than {config.dev_pairs_per_language} pairs per language, or lower dev_pairs_per_language"
    )


def _oversample(dataset, repeats: dict[str, int], *, seed: int):
    """Repeat the pairs of the languages in ``repeats`` (language → times), then reshuffle."""
    if not repeats:
        return dataset
    unknown = sorted(set(repeats) - set(dataset.unique("language")))
    if unknown:
        raise KitError(f"oversample names languages with no training pairs: {', '.join(unknown)}")
    indices = [i for i, lang in enumerate(dataset["language"]) for _ in range(repeats.get(lang, 1))]
    return dataset.select(indices).shuffle(seed=seed)


def _jsonable(report: Any) -> Any:
    if hasattr(report, "to_dict"):
        return report.to_dict()
    if dataclasses.is_dataclass(report):
        return dataclasses.asdict(report)
    return report
