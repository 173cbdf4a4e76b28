"""The leakage guard: drop every training pair whose English or non-English side is in an evaluation set."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import datasets

from kit import catalog
from kit.config import data_dir
from kit.errors import DataFormatError, KitError, UnknownNameError
from kit.parallel.pairs import _columns, _languages
from kit.parallel.report import ParallelReport

__all__ = ["EVAL_SETS", "drop_leaks", "eval_sentences", "normalize_for_matching"]

#: Evaluation sets that :func:`drop_leaks` guards by default.
EVAL_SETS = ("laser-tatoeba", "sts17", "flores200-devtest")


def normalize_for_matching(text: str) -> str:
    """The form sentences are compared in: Unicode NFKC, case-folded, whitespace collapsed.

    >>> normalize_for_matching("  Tom  is\\tHERE. ")
    'tom is here.'
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _split_tsv_pairs(path: Path, first: int, second: int, min_fields: int) -> list[str]:
    out = []
    for number, line in enumerate(catalog.read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) < min_fields:
            raise DataFormatError(
                f"{path}: line {number}: expected at least {min_fields} tab-separated fields"
            )
        out += [fields[first], fields[second]]
    return out


@functools.lru_cache(maxsize=64)
def _eval_sentences(name: str, languages: tuple[str, ...] | None, root: str) -> frozenset[str]:
    sentences: list[str] = []
    info = catalog.get_dataset(name)
    if name == "laser-tatoeba":
        codes = catalog.laser_languages()
        if languages is not None:
            codes = [catalog.laser_code(lang) for lang in languages if lang != "en"]
        for code in codes:
            for part in catalog.pair_files(name, code):
                sentences += catalog.read_lines(catalog.data_path(name, part))
    elif name == "flores200-devtest":
        available = {f.name for f in info.files}
        wanted = ["eng_Latn.devtest"]
        for lang in languages or []:
            wanted.append(f"{catalog.flores_code(lang)}.devtest")
        if languages is None:
            wanted = sorted(n for n in available if n.endswith(".devtest"))
        for fname in dict.fromkeys(wanted):
            if fname in available:
                sentences += catalog.read_lines(catalog.data_path(name, fname))
    elif name == "sts17":
        wanted = None if languages is None else {*languages, "en"}
        for f in info.files:
            if not f.name.startswith("STS."):
                continue
            track = f.name.split(".")[1].split("-")
            if wanted is None or wanted & set(track):
                sentences += _split_tsv_pairs(catalog.data_path(name, f.name), 0, 1, 3)
    elif name == "stsb":
        for split in ("dev", "test"):
            sentences += _split_tsv_pairs(catalog.data_path(name, f"sts-{split}.csv"), 5, 6, 7)
    elif name == "stsb-multi-mt":
        import csv

        langs = sorted({f.name.split("-")[1] for f in info.files if f.name.startswith("stsb-")})
        if languages is not None:
            langs = [lang for lang in langs if lang in {*languages, "en"}]
        for lang in langs:
            for split in ("dev", "test"):
                lines = catalog.read_lines(catalog.data_path(name, f"stsb-{lang}-{split}.csv"))
                for row in csv.reader(lines):
                    sentences += row[:2]
    else:
        raise UnknownNameError(
            f"eval_sentences() knows laser-tatoeba, sts17, flores200-devtest, stsb and stsb-multi-mt, not {name!r}"
        )
    return frozenset(s.strip() for s in sentences if s.strip())


def eval_sentences(name: str, languages: str | Iterable[str] | None = None) -> frozenset[str]:
    """Every sentence (stripped) of an evaluation set, for the given languages (``None``: all of them).

    ``laser-tatoeba``: both sides of the <lang>-eng pairs; ``sts17``: both sentences of every track that
    involves one of ``languages`` or English; ``flores200-devtest``: English plus the languages' files;
    ``stsb`` / ``stsb-multi-mt``: dev and test. Languages an evaluation set lacks are skipped.

    >>> len(eval_sentences("laser-tatoeba", ["de"])) > 1900
    True
    """
    langs = None if languages is None else tuple(sorted(_languages(languages)))
    return _eval_sentences(name, langs, str(data_dir()))


def drop_leaks(
    ds: datasets.Dataset,
    eval_sets: Iterable[str] = EVAL_SETS,
    languages: str | Iterable[str] | None = None,
    *,
    report: ParallelReport | None = None,
) -> tuple[datasets.Dataset, ParallelReport]:
    """Drop every pair whose English or non-English side occurs in an evaluation set.

    Sentences are compared after :func:`normalize_for_matching` (case and whitespace). ``languages``
    selects the evaluation files (default: the languages in ``ds``; English is always included). Each
    evaluation set is a step of the report (``leak: <name>``); a pair found in several is counted under
    the first.

    >>> from kit import catalog
    >>> eng, deu = catalog.pair_files("laser-tatoeba", "de")
    >>> leaked = catalog.read_lines(catalog.data_path("laser-tatoeba", eng))[0]
    >>> from datasets import Dataset
    >>> other = "A sentence no test set has, surely."
    >>> ds = Dataset.from_dict({"english": [leaked, other], "non_english": ["x", "y"], "language": ["de", "de"]})
    >>> kept, report = drop_leaks(ds)
    >>> list(kept["english"]), report.dropped()["leak: laser-tatoeba"]
    (['A sentence no test set has, surely.'], {'de': 1})
    """
    english, other, langs = _columns(ds)
    if report is None:
        report = ParallelReport.of(ds)
    if languages is None:
        present = []
        for lang in dict.fromkeys(langs):
            try:
                present.append(catalog.normalize_language(lang))
            except KitError:
                continue
        languages = present or ["en"]
    wanted = _languages(languages)
    norm_en = [normalize_for_matching(s) for s in english]
    norm_other = [normalize_for_matching(s) for s in other]
    keep = list(range(len(english)))
    for name in eval_sets:
        banned = {normalize_for_matching(s) for s in eval_sentences(name, wanted)}
        keep = [i for i in keep if norm_en[i] not in banned and norm_other[i] not in banned]
        counts: dict[str, int] = dict.fromkeys(report.languages, 0)
        for i in keep:
            counts[langs[i]] = counts.get(langs[i], 0) + 1
        report.add(f"leak: {name}", counts)
    return (ds if len(keep) == len(english) else ds.select(keep)), report
