"""Parallel sentences for distillation: load, clean, and guard against evaluation leakage.

Every loader returns one :class:`datasets.Dataset` with three string columns: ``english``, ``non_english``
and ``language`` (ISO 639-1, e.g. ``"de"``). Then :func:`clean` (strip, drop empty / over-long / duplicate
pairs) and :func:`drop_leaks` (drop every pair whose English or non-English side occurs in an evaluation set)
each return the data and a :class:`ParallelReport` that counts the pairs per language after every step.

=============================  ==================================================================
``kit.parallel.pairs``         the data set's columns, :func:`concat`, :func:`language_counts`
``kit.parallel.files``         :func:`load_tatoeba_challenge` (the catalog's offline training data),
                               :func:`load_line_aligned` (Moses/OPUS files), :func:`load_tsv`,
                               :func:`load_stsb_translations`, :func:`load_flores` (a dev set)
``kit.parallel.hub``           :func:`load_hub`: ``sentence-transformers/parallel-sentences-*``
``kit.parallel.cleaning``      :func:`clean`
``kit.parallel.leakage``       :func:`drop_leaks`, :func:`eval_sentences`, :func:`normalize_for_matching`
``kit.parallel.report``        :class:`ParallelReport`: pairs per language after every step
=============================  ==================================================================

Example::

    >>> from kit import parallel
    >>> ds = parallel.load_tatoeba_challenge(["de", "fr"], max_per_language=500, seed=0)
    >>> ds.column_names, len(ds)
    (['english', 'non_english', 'language'], 1000)
    >>> ds, report = parallel.clean(ds, max_chars=200)
    >>> ds, report = parallel.drop_leaks(ds, report=report)
    >>> print(report)  # doctest: +SKIP
    step                  de    fr  total  dropped
    loaded               500   500   1000
    ...
"""

from kit.parallel.cleaning import clean
from kit.parallel.files import (
    STSB_TRANSLATED,
    load_flores,
    load_line_aligned,
    load_stsb_translations,
    load_tatoeba_challenge,
    load_tsv,
)
from kit.parallel.hub import HUB_DEFAULT, load_hub
from kit.parallel.leakage import EVAL_SETS, drop_leaks, eval_sentences, normalize_for_matching
from kit.parallel.pairs import COLUMNS, FEATURES, TRAIN_LANGUAGES, concat, language_counts
from kit.parallel.report import ParallelReport

__all__ = [
    "COLUMNS",
    "EVAL_SETS",
    "FEATURES",
    "HUB_DEFAULT",
    "STSB_TRANSLATED",
    "TRAIN_LANGUAGES",
    "ParallelReport",
    "clean",
    "concat",
    "drop_leaks",
    "eval_sentences",
    "language_counts",
    "load_flores",
    "load_hub",
    "load_line_aligned",
    "load_stsb_translations",
    "load_tatoeba_challenge",
    "load_tsv",
    "normalize_for_matching",
]
