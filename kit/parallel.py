"""Parallel sentences for distillation: load, clean, and guard against evaluation leakage.

Every loader returns one :class:`datasets.Dataset` with three string columns: ``english``, ``non_english``
and ``language`` (ISO 639-1, e.g. ``"de"``). Sources:

- :func:`load_tatoeba_challenge`: the Tatoeba Challenge pairs of the data catalog (offline training data);
- :func:`load_line_aligned`: any Moses/OPUS-style pair of line-aligned files;
- :func:`load_tsv`: ``english<TAB>translation`` per line;
- :func:`load_hub`: the ``sentence-transformers/parallel-sentences-*`` data sets on the Hugging Face hub;
- :func:`load_flores`: FLORES-200 devtest pairs (a dev set);
- :func:`concat`: several of the above as one data set.

Then :func:`clean` (strip, drop empty / over-long / duplicate pairs) and :func:`drop_leaks` (drop every pair
whose English or non-English side occurs in an evaluation set) each return the data and a
:class:`ParallelReport` that counts the pairs per language after every step.

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

from __future__ import annotations

import functools
import logging
import os
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets

from kit import catalog
from kit.config import data_dir
from kit.errors import DataFormatError, HubUnavailableError, KitError, UnknownLanguageError, UnknownNameError

__all__ = [
    "COLUMNS",
    "EVAL_SETS",
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

#: The columns of every parallel data set the kit builds.
COLUMNS = ("english", "non_english", "language")
FEATURES = datasets.Features({name: datasets.Value("string") for name in COLUMNS})
#: The seven training languages of the kit (Reimers & Gurevych 2020 evaluate these on STS2017 / Tatoeba).
TRAIN_LANGUAGES = ("de", "es", "fr", "it", "nl", "ar", "tr")
#: Evaluation sets that :func:`drop_leaks` guards by default.
EVAL_SETS = ("laser-tatoeba", "sts17", "flores200-devtest")
#: The default hub data set (TED2020 talks, what the paper trained on).
HUB_DEFAULT = "sentence-transformers/parallel-sentences-talks"


# ------------------------------------------------------------------------------------------ helpers


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


# -------------------------------------------------------------------------------------------- report


@dataclass
class ParallelReport:
    """Pairs per language after every step of a pipeline (load → clean → leakage guard ...).

    ``steps`` holds ``(step name, {language: pairs})``; what a step dropped is the difference with the step
    before. Print it for a small table; :meth:`to_dict` / :meth:`to_frame` for JSON and notebooks.

    >>> report = ParallelReport.of(_dataset(["a", "b"], ["x", "y"], "de"))
    >>> report.add("empty", {"de": 1})
    >>> report.dropped()
    {'empty': {'de': 1}}
    >>> print(report)
    step    de  total  dropped
    loaded   2      2
    empty    1      1        1
    """

    steps: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    @classmethod
    def of(cls, ds: datasets.Dataset, step: str = "loaded") -> ParallelReport:
        """A report whose first step counts ``ds``."""
        report = cls()
        report.add(step, ds)
        return report

    def add(self, step: str, data: datasets.Dataset | Mapping[str, int]) -> None:
        """Record the pairs per language after ``step`` (a data set, or its counts)."""
        counts = dict(data) if isinstance(data, Mapping) else language_counts(data)
        self.steps.append((step, counts))

    @property
    def languages(self) -> list[str]:
        """Every language seen in any step, in order of first appearance."""
        out: list[str] = []
        for _, counts in self.steps:
            out += [lang for lang in counts if lang not in out]
        return out

    def counts(self, step: str | None = None) -> dict[str, int]:
        """Pairs per language after ``step`` (default: the last step)."""
        if step is None:
            return dict(self.steps[-1][1]) if self.steps else {}
        for name, counts in self.steps:
            if name == step:
                return dict(counts)
        raise UnknownNameError(f"no step {step!r} in this report; steps: {[s for s, _ in self.steps]}")

    def dropped(self) -> dict[str, dict[str, int]]:
        """Pairs each step removed, per language (steps after the first)."""
        out = {}
        for (_, before), (name, after) in zip(self.steps, self.steps[1:], strict=False):
            out[name] = {lang: before.get(lang, 0) - after.get(lang, 0) for lang in before}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every step with its pairs per language, total and what it dropped."""
        dropped = self.dropped()
        return {
            "steps": [
                {
                    "step": name,
                    "pairs": sum(counts.values()),
                    "per_language": dict(counts),
                    "dropped": dropped.get(name, {}),
                    "dropped_total": sum(dropped.get(name, {}).values()),
                }
                for name, counts in self.steps
            ]
        }

    def to_frame(self):
        """A pandas DataFrame: one row per step, one column per language, plus total and dropped."""
        import pandas as pd

        langs = self.languages
        dropped = self.dropped()
        rows = []
        for name, counts in self.steps:
            row = {lang: counts.get(lang, 0) for lang in langs}
            row["total"] = sum(counts.values())
            row["dropped"] = sum(dropped[name].values()) if name in dropped else None
            rows.append(row)
        frame = pd.DataFrame(rows, index=[name for name, _ in self.steps])
        frame.index.name = "step"
        return frame

    def __str__(self) -> str:
        langs = self.languages
        dropped = self.dropped()
        table = [["step", *langs, "total", "dropped"]]
        for name, counts in self.steps:
            lost = dropped.get(name)
            table.append(
                [
                    name,
                    *(str(counts.get(lang, 0)) for lang in langs),
                    str(sum(counts.values())),
                    "" if lost is None else str(sum(lost.values())),
                ]
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = []
        for row in table:
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


# ------------------------------------------------------------------------------------------- loaders


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


def _hub_offline_reason() -> str | None:
    if datasets.config.HF_HUB_OFFLINE:
        return "offline mode is on (HF_HUB_OFFLINE=1)"
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    return catalog.offline_reason(endpoint)


class _ForceHubOffline:
    """Temporarily switch datasets / huggingface_hub to offline mode, so a cached copy is still used and an
    unreachable hub fails at once instead of after several retries."""

    def __enter__(self) -> None:
        import huggingface_hub.constants as hub_constants

        self._saved = (datasets.config.HF_HUB_OFFLINE, hub_constants.HF_HUB_OFFLINE)
        datasets.config.HF_HUB_OFFLINE = True
        hub_constants.HF_HUB_OFFLINE = True

    def __exit__(self, *exc: object) -> None:
        import huggingface_hub.constants as hub_constants

        datasets.config.HF_HUB_OFFLINE, hub_constants.HF_HUB_OFFLINE = self._saved


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
    offline = _hub_offline_reason()
    parts = []
    for subset in subsets:
        lang = catalog.normalize_language(subset.split("-")[-1], argument="subsets")
        try:
            if offline:
                with _ForceHubOffline():
                    raw = datasets.load_dataset(name, subset, split=split)
            else:
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


# ------------------------------------------------------------------------------------------ cleaning


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

    >>> ds = _dataset([" Hi. ", "", "Hi.", "x" * 20], ["Hallo.", "Leer", "Hallo.", "y"], "de")
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


# ---------------------------------------------------------------------------------- leakage guard


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
    >>> ds = _dataset([leaked, "A sentence no test set has, surely."], ["x", "y"], "de")
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
