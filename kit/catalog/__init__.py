"""The data catalog: every data set the kit uses, by name, with its files, license, source and checksums.

The catalog is a table, not a download script. Each data set names its license, the public page a user with
internet would fetch it from (a GitHub repository at a pinned commit, and the Hugging Face data set a user
would ``load_dataset`` instead), and every file with its path, line count, size and SHA-256 prefix (the same
rows as ``SOURCES.txt`` of the offline mirror). Files are read from the data directory (``KIT_DATA_DIR``, see
:mod:`kit.config` and ``data/README.md``); a missing file is downloaded from its public source when the
network is reachable, written atomically and checked, and otherwise a :class:`~kit.errors.DataNotFoundError`
says in one line which file is missing, where it was looked for and how to provide it.


=============================  ====================================================================
``kit.catalog.languages``      :data:`LANGUAGES` and the code conversions (ISO 639-1/639-3, FLORES, Tatoeba)
``kit.catalog.datasets``       the data sets and their files (``data_files.tsv``, package data),
                               :func:`get_dataset`, :func:`files`, :func:`pair_files`
``kit.catalog.download``       :func:`data_path` (local file or checked download)
``kit.catalog.reading``        :func:`read_lines`, :func:`read_stsb_multi_mt`
``kit.catalog.checks``         :func:`verify`, :func:`data_problems`, :func:`describe_datasets`
                               (``python -m kit data [--verify]``)
=============================  ====================================================================

Example::

    >>> from kit import catalog
    >>> catalog.dataset_names()
    ['tatoeba-challenge', 'flores200-devtest', 'laser-tatoeba', 'sts17', 'sts17-semeval', 'stsb', 'stsb-multi-mt']
    >>> path = catalog.data_path("laser-tatoeba", "tatoeba.deu-eng.deu")
    >>> len(catalog.read_lines(path))
    1000
    >>> catalog.to_iso3("de"), catalog.flores_code("ar"), catalog.tatoeba_challenge_code("zh")
    ('deu', 'arb_Arab', 'cmn_Hans')

Environment variables: ``KIT_DATA_DIR`` (where files live), ``KIT_OFFLINE`` / ``HF_HUB_OFFLINE`` (the kit's one
offline rule, :func:`kit.config.offline_setting`; :func:`offline_reason` and :func:`is_online` are re-exported
from :mod:`kit.config`), and ``KIT_DATA_URL`` (a mirror with the data directory's layout, e.g. ``https://example.org/kit-data`` or
``file:///mnt/data``, used instead of the public sources).
"""

from kit.catalog.checks import data_problems, describe_datasets, verify
from kit.catalog.datasets import (
    DataFile,
    DatasetInfo,
    dataset_names,
    files,
    get_dataset,
    laser_languages,
    pair_files,
    tatoeba_challenge_languages,
)
from kit.catalog.download import data_path
from kit.catalog.languages import (
    LANGUAGES,
    flores_code,
    language_name,
    laser_code,
    normalize_language,
    tatoeba_challenge_code,
    to_iso1,
    to_iso3,
)
from kit.catalog.reading import read_lines, read_stsb_multi_mt
from kit.config import is_online, offline_reason

__all__ = [
    "LANGUAGES",
    "DataFile",
    "DatasetInfo",
    "data_path",
    "data_problems",
    "dataset_names",
    "describe_datasets",
    "files",
    "flores_code",
    "get_dataset",
    "is_online",
    "language_name",
    "laser_code",
    "laser_languages",
    "normalize_language",
    "offline_reason",
    "pair_files",
    "read_lines",
    "read_stsb_multi_mt",
    "tatoeba_challenge_code",
    "tatoeba_challenge_languages",
    "to_iso1",
    "to_iso3",
    "verify",
]
