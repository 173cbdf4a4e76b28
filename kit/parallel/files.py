"""Parallel pairs from files: line-aligned pairs, TSV, and the catalog's Tatoeba Challenge, stsb-multi-mt and
FLORES-200 sets (all offline, read from the data directory)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

import datasets

from kit import catalog
from kit.errors import DataFormatError, KitError, UnknownLanguageError, UnknownNameError
from kit.parallel.pairs import TRAIN_LANGUAGES, _dataset, _languages, _sample, concat

__all__ = [
    "STSB_TRANSLATED",
    "load_flores",
    "load_line_aligned",
    "load_stsb_translations",
    "load_tatoeba_challenge",
    "load_tsv",
]


def load_line_aligned(
    english_file: str | os.PathLike, other_file: str | os.PathLike, language: str
) -> datasets.Dataset:
    """Pairs from two line-aligned files (Moses/OPUS style): line i of one translates line i of the other.

    Files are split on ``"\\n"`` only (see :func:`kit.catalog.read_lines`). An empty file, files with
    different line counts or bytes that are not UTF-8 raise :class:`~kit.errors.DataFormatError` naming the
    file(s), counts or line.

    >>> from kit import catalog
    >>> eng, deu = catalog.pair_files("laser-tatoeba", "de")
    >>> ds = load_line_aligned(catalog.data_path("laser-tatoeba", eng), catalog.data_path("laser-tatoeba", deu), "de")
    >>> len(ds), ds[0]["language"]
    (1000, 'de')
    """
    lang = catalog.normalize_language(language, argument="language")
    english = catalog.read_lines(english_file)
    other = catalog.read_lines(other_file)
    for path, lines, partner in ((english_file, english, other_file), (other_file, other, english_file)):
        if not lines:
            raise DataFormatError(
                f"{path}: the file is empty; expected one sentence per line, aligned with {partner}"
            )
    if len(english) != len(other):
        raise DataFormatError(
            f"line counts differ: {english_file} has {len(english)} lines but {other_file} has {len(other)}; "
            "line-aligned files need exactly one sentence per line on both sides"
        )
    return _dataset(english, other, lang)


#: First columns of a header row (``english<TAB>translation``, ``en<TAB>de``, ``source<TAB>target``).
_HEADER_FIRST = {"english", "en", "eng", "source", "src"}


def _is_header(fields: list[str]) -> bool:
    """Whether a TSV's first row names its columns: an English-side name, then one bare word."""
    first, second = (field.strip() for field in fields)
    return first.lower() in _HEADER_FIRST and re.fullmatch(r"[A-Za-z_\-]{2,30}", second) is not None


def load_tsv(path: str | os.PathLike, language: str) -> datasets.Dataset:
    """Pairs from a tab-separated file: ``english<TAB>translation`` per line.

    A line without exactly one tab raises :class:`~kit.errors.DataFormatError` naming the file and line. A
    first row that names the columns (``english<TAB>translation``, ``en<TAB>pt``, ``source<TAB>target``) is a
    header, not a pair: it is skipped.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "de.tsv"
    >>> _ = p.write_text("Hello.\\tHallo.\\nThanks.\\tDanke.\\n", encoding="utf-8")
    >>> load_tsv(p, "de")[1]
    {'english': 'Thanks.', 'non_english': 'Danke.', 'language': 'de'}
    """
    lang = catalog.normalize_language(language, argument="language")
    lines = catalog.read_lines(path)
    if not lines:
        raise DataFormatError(f"{path}: the file is empty; expected english<TAB>translation per line")
    english, other = [], []
    for number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataFormatError(
                f"{path}: line {number}: expected 'english<TAB>translation' (2 tab-separated fields), "
                f"found {len(fields)} field(s): {line[:60]!r}"
            )
        if number == 1 and _is_header(fields):
            logging.getLogger(__name__).info("%s: line 1 is a header (%s), not a pair: skipped", path, line)
            continue
        english.append(fields[0])
        other.append(fields[1])
    return _dataset(english, other, lang)


def load_tatoeba_challenge(
    languages: str | Iterable[str] = TRAIN_LANGUAGES,
    max_per_language: int | None = None,
    seed: int = 42,
) -> datasets.Dataset:
    """English/X pairs of the Tatoeba Challenge test sets v2021-08-07 (the catalog's ``tatoeba-challenge``).

    ``languages``: ISO codes among de es fr it nl ar tr pt pl ru uk ja zh. ``max_per_language`` keeps a
    random subset (reproducible for a ``seed``, file order preserved). Languages are concatenated in order.
    These sets overlap the LASER Tatoeba test sets a little: call :func:`drop_leaks` before training.

    >>> ds = load_tatoeba_challenge(["nl"], max_per_language=3, seed=1)
    >>> len(ds), set(ds["language"])
    (3, {'nl'})
    """
    parts = []
    for lang in _languages(languages):
        if lang == "en":
            raise KitError(
                "argument 'languages': 'en' is the English side of every pair; pass the other language"
            )
        english_name, other_name = catalog.pair_files("tatoeba-challenge", lang)
        ds = load_line_aligned(
            catalog.data_path("tatoeba-challenge", english_name),
            catalog.data_path("tatoeba-challenge", other_name),
            lang,
        )
        keep = _sample(len(ds), max_per_language, seed, lang)
        parts.append(ds if keep is None else ds.select(keep))
    return concat(parts)


#: Languages of stsb-multi-mt that :func:`load_stsb_translations` can pair with the English original.
STSB_TRANSLATED = ("de", "es", "fr", "it", "nl")


def load_stsb_translations(
    languages: str | Iterable[str] = STSB_TRANSLATED, split: str = "train", *, skip_missing: bool = False
) -> datasets.Dataset:
    """English/X sentence pairs from the STS benchmark and its DeepL translations (stsb-multi-mt).

    Row *i* of ``stsb-<lang>-<split>.csv`` translates row *i* of ``stsb-en-<split>.csv``, so each row gives two
    parallel pairs (sentence1 and sentence2); the similarity scores are not used. These are captions, news
    headlines and forum posts, the genres of STS2017, where Tatoeba is short conversational sentences. Use the
    ``train`` split for training: STSb dev and test share pairs with STS2017 (``drop_leaks`` removes any
    sentence an evaluation set holds, whatever the split).

    ``skip_missing=True`` leaves out languages stsb-multi-mt lacks (ar, tr, ...) instead of raising.

    >>> ds = load_stsb_translations(["nl"])
    >>> len(ds), ds[0]["english"], ds[0]["non_english"]
    (11498, 'A plane is taking off.', 'Er gaat een vliegtuig opstijgen.')
    """
    wanted = _languages(languages)
    unknown = [lang for lang in wanted if lang not in STSB_TRANSLATED]
    if unknown and not skip_missing:
        raise UnknownLanguageError(
            f"argument 'languages': stsb-multi-mt has no {', '.join(unknown)}; it has {', '.join(STSB_TRANSLATED)}"
        )
    english_rows = catalog.read_stsb_multi_mt("en", split)
    parts = []
    for lang in (lang for lang in wanted if lang in STSB_TRANSLATED):
        other_rows = catalog.read_stsb_multi_mt(lang, split)
        if len(other_rows) != len(english_rows):
            raise DataFormatError(
                f"stsb-{lang}-{split}.csv has {len(other_rows)} rows, stsb-en-{split}.csv {len(english_rows)}:"
                " the two must be row-aligned"
            )
        english = [row[i] for row in english_rows for i in (0, 1)]
        other = [row[i] for row in other_rows for i in (0, 1)]
        parts.append(_dataset(english, other, lang))
    if not parts:
        raise KitError(f"stsb-multi-mt has none of the languages {', '.join(wanted)}")
    return concat(parts)


def load_flores(languages: str | Iterable[str] = TRAIN_LANGUAGES, split: str = "devtest") -> datasets.Dataset:
    """English/X pairs of FLORES-200 (1,012 per language): a clean dev set for the training languages.

    >>> ds = load_flores(["de", "ar"])
    >>> len(ds), ds[0]["english"][:20]
    (2024, '"We now have 4-month')
    """
    if split != "devtest":
        raise UnknownNameError(
            f"the catalog has the FLORES-200 'devtest' split only, not {split!r} (the dev split is not in the "
            "offline mirror); use split='devtest', or load openlanguagedata/flores_plus from the hub"
        )
    parts = []
    for lang in _languages(languages):
        english_name, other_name = catalog.pair_files("flores200-devtest", lang)
        parts.append(
            load_line_aligned(
                catalog.data_path("flores200-devtest", english_name),
                catalog.data_path("flores200-devtest", other_name),
                lang,
            )
        )
    return concat(parts)
