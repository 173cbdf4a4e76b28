"""The data catalog: every data set the kit uses, by name, with its files, license, source and checksums.

The catalog is a table, not a download script. Each data set names its license, the public page a user with
internet would fetch it from (a GitHub repository at a pinned commit, and the Hugging Face data set a user
would ``load_dataset`` instead), and every file with its path, line count, size and SHA-256 prefix (the same
rows as ``SOURCES.txt`` of the offline mirror). Files are read from the data directory (``KIT_DATA_DIR``, see
:mod:`kit.config` and ``data/README.md``); a missing file is downloaded from its public source when the
network is reachable, written atomically and checked, and otherwise a :class:`~kit.errors.DataNotFoundError`
says in one line which file is missing, where it was looked for and how to provide it.

Example::

    >>> from kit import catalog
    >>> catalog.dataset_names()
    ['tatoeba-challenge', 'flores200-devtest', 'laser-tatoeba', 'sts17', 'sts17-semeval', 'stsb', 'stsb-multi-mt']
    >>> path = catalog.data_path("laser-tatoeba", "tatoeba.deu-eng.deu")
    >>> len(catalog.read_lines(path))
    1000
    >>> catalog.to_iso3("de"), catalog.flores_code("ar"), catalog.tatoeba_challenge_code("zh")
    ('deu', 'arb_Arab', 'cmn_Hans')

Environment variables: ``KIT_DATA_DIR`` (where files live), ``KIT_OFFLINE=1`` (never download; ``KIT_OFFLINE=0``
allows downloads even when ``HF_HUB_OFFLINE=1`` is set), ``HF_HUB_OFFLINE=1`` (treated as offline), and
``KIT_DATA_URL`` (a mirror with the data directory's layout, e.g. ``https://example.org/kit-data`` or
``file:///mnt/data``, used instead of the public sources).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import posixpath
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kit._io import atomic_write, can_connect, sha256_file
from kit.config import data_dir
from kit.errors import (
    ChecksumMismatchError,
    DataFormatError,
    DataNotFoundError,
    UnknownLanguageError,
    UnknownNameError,
)

__all__ = [
    "LANGUAGES",
    "DataFile",
    "DatasetInfo",
    "data_path",
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
    "tatoeba_challenge_code",
    "tatoeba_challenge_languages",
    "to_iso1",
    "to_iso3",
    "verify",
]

# ------------------------------------------------------------------------------------------ languages

#: ISO 639-1 code → (ISO 639-3, English name, FLORES-200 code, Tatoeba Challenge code, LASER Tatoeba code).
LANGUAGES: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("eng", "English", "eng_Latn", "eng", "eng"),
    "de": ("deu", "German", "deu_Latn", "deu", "deu"),
    "es": ("spa", "Spanish", "spa_Latn", "spa", "spa"),
    "fr": ("fra", "French", "fra_Latn", "fra", "fra"),
    "it": ("ita", "Italian", "ita_Latn", "ita", "ita"),
    "nl": ("nld", "Dutch", "nld_Latn", "nld", "nld"),
    "ar": ("ara", "Arabic", "arb_Arab", "ara", "ara"),
    "tr": ("tur", "Turkish", "tur_Latn", "tur", "tur"),
    "pt": ("por", "Portuguese", "por_Latn", "por", "por"),
    "pl": ("pol", "Polish", "pol_Latn", "pol", "pol"),
    "ru": ("rus", "Russian", "rus_Cyrl", "rus", "rus"),
    "uk": ("ukr", "Ukrainian", "ukr_Cyrl", "ukr", "ukr"),
    "ja": ("jpn", "Japanese", "jpn_Jpan", "jpn", "jpn"),
    "zh": ("cmn", "Chinese (Mandarin)", "cmn_Hans", "cmn_Hans", "cmn"),
}

# Every spelling a user or a file name may use for one of the languages above → its ISO 639-1 code.
_ALIASES: dict[str, str] = {}
for _iso1, _codes in LANGUAGES.items():
    for _alias in (_iso1, _codes[0], _codes[2], _codes[3], _codes[4]):
        _ALIASES[_alias.lower()] = _iso1
_ALIASES.update({"zho": "zh", "zho_hans": "zh", "arb": "ar", "ara_arab": "ar"})


def _unknown_language(code: object, argument: str) -> UnknownLanguageError:
    known = ", ".join(sorted(LANGUAGES))
    return UnknownLanguageError(
        f"unknown language code {code!r} for argument {argument!r}: known ISO 639-1 codes are {known} "
        f"(their ISO 639-3 forms such as 'deu' and FLORES codes such as 'deu_Latn' work as well)"
    )


def normalize_language(code: str, *, argument: str = "language") -> str:
    """The ISO 639-1 code of ``code`` (an ISO 639-1/639-3, FLORES or Tatoeba spelling, any case).

    >>> normalize_language("DEU"), normalize_language("arb_Arab"), normalize_language("cmn_Hans")
    ('de', 'ar', 'zh')
    """
    if not isinstance(code, str):
        raise _unknown_language(code, argument)
    iso1 = _ALIASES.get(code.strip().lower())
    if iso1 is None:
        raise _unknown_language(code, argument)
    return iso1


def to_iso1(code: str, *, argument: str = "code") -> str:
    """ISO 639-1 code (``"deu"`` → ``"de"``); see :func:`normalize_language`.

    >>> to_iso1("tur")
    'tr'
    """
    return normalize_language(code, argument=argument)


def to_iso3(code: str, *, argument: str = "code") -> str:
    """ISO 639-3 code used in most file names (``"de"`` → ``"deu"``, ``"ar"`` → ``"ara"``, ``"zh"`` → ``"cmn"``).

    >>> to_iso3("de"), to_iso3("zh")
    ('deu', 'cmn')
    """
    return LANGUAGES[normalize_language(code, argument=argument)][0]


def language_name(code: str, *, argument: str = "code") -> str:
    """English name of a language.

    >>> language_name("nl")
    'Dutch'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][1]


def flores_code(code: str, *, argument: str = "code") -> str:
    """FLORES-200 file code (``"de"`` → ``"deu_Latn"``, ``"ar"`` → ``"arb_Arab"``).

    >>> flores_code("ar")
    'arb_Arab'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][2]


def tatoeba_challenge_code(code: str, *, argument: str = "code") -> str:
    """Tatoeba Challenge file code (``"de"`` → ``"deu"``, ``"zh"`` → ``"cmn_Hans"``).

    >>> tatoeba_challenge_code("zh")
    'cmn_Hans'
    """
    return LANGUAGES[normalize_language(code, argument=argument)][3]


def laser_code(code: str, *, argument: str = "code") -> str:
    """LASER Tatoeba file code: ``"de"`` → ``"deu"``, ``"zh"`` → ``"cmn"``; any of its 112 ISO 639-3 codes passes.

    >>> laser_code("zh"), laser_code("afr")
    ('cmn', 'afr')
    """
    if isinstance(code, str) and code.strip().lower() in laser_languages():
        return code.strip().lower()
    return LANGUAGES[normalize_language(code, argument=argument)][4]


def tatoeba_challenge_languages() -> list[str]:
    """The Tatoeba Challenge file codes of the catalog's pairs with English.

    >>> tatoeba_challenge_languages()[:3]
    ['ara', 'cmn_Hans', 'deu']
    """
    names = (f.name for f in get_dataset("tatoeba-challenge").files)
    suffixes = (name.rsplit(".", 1)[1] for name in names if "/tatoeba-test-" in name)
    return sorted({s for s in suffixes if s not in ("eng", "labels")})


def laser_languages() -> list[str]:
    """The 112 ISO 639-3 codes of the LASER Tatoeba test sets (each paired with English).

    >>> len(laser_languages())
    112
    """
    names = (f.name for f in get_dataset("laser-tatoeba").files if f.name.startswith("tatoeba."))
    return sorted({name.split(".")[1].split("-")[0] for name in names})


# ------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: where it lives under the data directory and what it must contain."""

    dataset: str
    #: path relative to the data set's folder, e.g. ``"tatoeba.deu-eng.deu"``
    name: str
    #: path relative to the data directory, e.g. ``"laser-tatoeba/tatoeba.deu-eng.deu"``
    relpath: str
    #: number of lines (``"\\n"``-terminated records), ``None`` for binary files
    lines: int | None
    size: int
    #: first 12 hex digits of the file's SHA-256
    sha256: str
    #: public URL the file (or, for an archive member, its archive) is downloaded from
    url: str
    #: for a file extracted from an archive of the same data set: (archive name, member path)
    member_of: tuple[str, str] | None = None

    @property
    def path(self) -> Path:
        """Where the file is (or would be) in the current data directory."""
        return data_dir() / self.relpath


@dataclass(frozen=True)
class DatasetInfo:
    """A data set of the catalog: what it is, its license, its online sources and its files."""

    name: str
    title: str
    description: str
    #: short license name for tables; ``license_note`` has the details as stated by the source
    license: str
    license_note: str
    #: folder under the data directory
    root: str
    #: GitHub repository and pinned commit the files are downloaded from
    repository: str
    commit: str
    repo_dir: str
    #: the Hugging Face data set a user with internet would ``load_dataset`` instead (same or equivalent content)
    hf_id: str
    files: tuple[DataFile, ...]
    #: kit role: "train", "dev" or "eval"
    role: str = "eval"

    @property
    def online_source(self) -> str:
        """The public page of the files: the repository folder at the pinned commit."""
        return f"https://github.com/{self.repository}/tree/{self.commit}/{self.repo_dir}".rstrip("/")

    def file(self, name: str) -> DataFile:
        """A file by its name within the data set (``"STS.en-de.txt"``) or its path in the data directory."""
        name = str(name).replace(os.sep, "/")
        for candidate in (name, _strip_root(name, self.root)):
            for f in self.files:
                if candidate in (f.name, f.relpath):
                    return f
        names = [f.name for f in self.files]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else f"; it has {len(names)} files, e.g. {names[0]}"
        )
        raise UnknownNameError(f"data set {self.name!r} has no file {name!r}{hint}")


def _strip_root(name: str, root: str) -> str:
    return name[len(root) + 1 :] if name.startswith(root + "/") else name


def _raw_url(repository: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{urllib.parse.quote(path)}"


# name → (title, role, license, license note, root, repository, commit, folder in repository, HF id, description)
_SPECS: dict[str, dict[str, str]] = {
    "tatoeba-challenge": dict(
        title="Tatoeba Translation Challenge test sets v2021-08-07 (13 language pairs with English)",
        role="train",
        license="CC BY-NC-SA 4.0",
        license_note="Tatoeba Challenge release: CC BY-NC-SA 4.0; underlying Tatoeba sentences: CC BY 2.0 FR",
        root="parallel/tatoeba-opusmt-v2021-08-07",
        repository="Helsinki-NLP/OPUS-MT-testsets",
        commit="ac0f19c0be3cb4e0d9450fcb2d7a9847c4bdd180",
        repo_dir="datasets/helsinki_nlp/tatoeba/testsets",
        hf_id="sentence-transformers/parallel-sentences-tatoeba",
        description=(
            "Line-aligned English/X pairs, one folder per pair (ara-eng, deu-eng, eng-fra, ...): ara deu fra ita "
            "nld spa tur (training languages) and por pol rus ukr jpn cmn_Hans (adding a language). The kit trains "
            "on them; some pairs also occur in LASER Tatoeba, so run kit.parallel.drop_leaks before training."
        ),
    ),
    "flores200-devtest": dict(
        title="FLORES-200 devtest (1,012 sentences, multi-parallel)",
        role="dev",
        license="CC BY-SA 4.0",
        license_note="FLORES-200: CC BY-SA 4.0 (per the OPUS-MT-testsets README)",
        root="parallel/flores200-devtest",
        repository="Helsinki-NLP/OPUS-MT-testsets",
        commit="ac0f19c0be3cb4e0d9450fcb2d7a9847c4bdd180",
        repo_dir="datasets/facebook/flores/flores200_dataset/devtest",
        hf_id="openlanguagedata/flores_plus",
        description=(
            "Wikipedia sentences professionally translated; line i of every <lang>.devtest file is the same "
            "sentence (eng_Latn deu_Latn spa_Latn fra_Latn ita_Latn nld_Latn arb_Arab tur_Latn). A dev set."
        ),
    ),
    "laser-tatoeba": dict(
        title="LASER Tatoeba test sets (112 languages with English, up to 1,000 pairs each)",
        license="CC BY 2.0 FR",
        license_note=(
            "Tatoeba corpus of 2018-11-17 (https://tatoeba.org/eng/terms_of_use: CC BY 2.0 FR); "
            "LASER repository code: BSD (LASER-LICENSE)"
        ),
        root="laser-tatoeba",
        repository="facebookresearch/LASER",
        commit="74bc6ae7ffb7cba670fe0f428d0ede9f666fb821",
        repo_dir="data/tatoeba/v1",
        hf_id="mteb/tatoeba-bitext-mining",
        description=(
            "tatoeba.<xxx>-eng.<xxx> and tatoeba.<xxx>-eng.eng, line-aligned: translation retrieval accuracy "
            "(Artetxe & Schwenk 2019), as reported by Reimers & Gurevych 2020."
        ),
    ),
    "sts17": dict(
        title="STS2017-extended (10 tracks: 6 SemEval-2017 + en-de, fr-en, it-en, nl-en)",
        license="CC BY-SA 4.0",
        license_note=(
            "SemEval STS2017 evaluation sets: CC BY-SA 4.0; the UKP extension (en-de, fr-en, it-en, nl-en) "
            "states no license. Original: "
            "https://public.ukp.informatik.tu-darmstadt.de/reimers/sentence-transformers/datasets/STS2017-extended.zip"
        ),
        root="sts17/STS2017-extended",
        repository="majarall/Semantic-Search",
        commit="abb8ea57d4a35c481d245c1619473c9458ff5f37",
        repo_dir="STS2017-extended",
        hf_id="mteb/sts17-crosslingual-sts",
        description=(
            "STS.<l1>-<l2>.txt: sent1<TAB>sent2<TAB>score (0-5), 250 lines each; the multilingual STS benchmark "
            "of Reimers & Gurevych 2020."
        ),
    ),
    "sts17-semeval": dict(
        title="SemEval-2017 Task 1 (STS) official inputs and gold scores",
        license="CC BY-SA 4.0",
        license_note=(
            "CC BY-SA 4.0 (STS2017.eval.v1.1/LICENSE.txt; text from SNLI, track4b from WMT news commentary). "
            "track6.tr-en input has 500 lines, gold 250: the first 250 are the scored ones."
        ),
        root="sts17/semeval2017-original",
        repository="eduardofv/sts_eval",
        commit="b4cd273eb2c6cc0de34ebeffebd12ebf155ecff6",
        repo_dir="data/sources",
        hf_id="mteb/sts17-crosslingual-sts",
        description="The official zips and their contents; the same sentences and scores as six sts17 tracks.",
    ),
    "stsb": dict(
        title="STS benchmark (English), train/dev/test",
        license="CC BY-SA 4.0 (scores)",
        license_note=(
            "Scores CC BY-SA 4.0; sentence texts under the licenses of their sources (see LICENSE.txt). "
            "Dev and test each contain 125 pairs of STS2017 en-en: do not tune on them when reporting STS2017."
        ),
        root="stsb/original",
        repository="eduardofv/sts_eval",
        commit="b4cd273eb2c6cc0de34ebeffebd12ebf155ecff6",
        repo_dir="data/sources",
        hf_id="sentence-transformers/stsb",
        description=(
            "sts-{train,dev,test}.csv: tab-separated, 7+ columns, score in column 5, sentences in 6 and 7 "
            "(parse with quoting off); extracted from Stsbenchmark.tar.gz."
        ),
    ),
    "stsb-multi-mt": dict(
        title="STSb machine-translated (DeepL) to de, es, fr, it, nl (+ en)",
        license="STSb terms (scores CC BY-SA 4.0)",
        license_note="'distributed under the same license as the original dataset' (STSbenchmark); DeepL translations",
        root="stsb/stsb-multi-mt",
        repository="PhilipMay/stsb-multi-mt",
        commit="30de0dec4ee199b7f42351d3f1a0b19592955385",
        repo_dir="data",
        hf_id="PhilipMay/stsb_multi_mt",
        description="stsb-<lang>-<split>.csv (excel CSV: sentence1,sentence2,score); row i matches STSb row i.",
    ),
}

# The file table, package data: one row per file, tab-separated, with a header. Columns: the data set, the
# file's name within it, lines ("-" for binary), bytes, SHA-256 prefix, and an optional source: "/path" (a path
# from the repository's root instead of repo_dir) or "archive!prefix" (extracted from that archive of the same
# data set, member = prefix + name).
_FILE_TABLE = "data_files.tsv"


def _read_file_table() -> dict[str, list[list[str]]]:
    """The rows of the file table (``kit/data_files.tsv``) by data set, in the table's order."""
    text = resources.files("kit").joinpath(_FILE_TABLE).read_text(encoding="utf-8")
    header, *body = text.splitlines()
    columns = header.split("\t")
    rows: dict[str, list[list[str]]] = {}
    for number, line in enumerate(body, start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        fields += [""] * (len(columns) - len(fields))  # an empty last column may lose its tab
        if len(fields) != len(columns):
            raise DataFormatError(
                f"{_FILE_TABLE}:{number}: expected {len(columns)} columns, got {len(fields)}"
            )
        rows.setdefault(fields[0], []).append(fields[1:])
    return rows


def _parse_table(rows: dict[str, list[list[str]]]) -> dict[str, DatasetInfo]:
    out = {}
    for name, spec in _SPECS.items():
        repository, commit, repo_dir = spec["repository"], spec["commit"], spec["repo_dir"]
        files = []
        for fields in rows[name]:
            fname, lines, size, sha = fields[:4]
            source = fields[4]
            member_of = None
            if "!" in source:
                archive, prefix = source.split("!", 1)
                member_of = (archive, prefix + fname)
                url = _raw_url(repository, commit, posixpath.join(repo_dir, archive))
            elif source.startswith("/"):
                url = _raw_url(repository, commit, source[1:])
            else:
                url = _raw_url(repository, commit, posixpath.join(repo_dir, fname))
            relpath = posixpath.normpath(posixpath.join(spec["root"], fname))
            files.append(
                DataFile(
                    dataset=name,
                    name=fname,
                    relpath=relpath,
                    lines=None if lines == "-" else int(lines),
                    size=int(size),
                    sha256=sha,
                    url=url,
                    member_of=member_of,
                )
            )
        out[name] = DatasetInfo(name=name, files=tuple(files), **spec)
    return out


_CATALOG: dict[str, DatasetInfo] = _parse_table(_read_file_table())


def dataset_names() -> list[str]:
    """Names of the data sets in the catalog.

    >>> "laser-tatoeba" in dataset_names()
    True
    """
    return list(_CATALOG)


def get_dataset(name: str) -> DatasetInfo:
    """A data set of the catalog by name; an unknown name raises :class:`~kit.errors.UnknownNameError`.

    >>> get_dataset("sts17").license
    'CC BY-SA 4.0'
    """
    try:
        return _CATALOG[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(_CATALOG), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownNameError(
            f"unknown data set {name!r}{hint}; the catalog knows: {', '.join(_CATALOG)}"
        ) from None


def files(dataset: str) -> tuple[DataFile, ...]:
    """The files of a data set.

    >>> len(files("sts17"))
    11
    """
    return get_dataset(dataset).files


def pair_files(dataset: str, language: str) -> tuple[str, str]:
    """Names (within ``dataset``) of the English and the ``language`` side of a line-aligned pair.

    Works for ``tatoeba-challenge``, ``laser-tatoeba`` and ``flores200-devtest``; pass the names to
    :func:`data_path`.

    >>> pair_files("tatoeba-challenge", "fr")
    ('eng-fra/tatoeba-test-v2021-08-07.eng', 'eng-fra/tatoeba-test-v2021-08-07.fra')
    >>> pair_files("laser-tatoeba", "zh")
    ('tatoeba.cmn-eng.eng', 'tatoeba.cmn-eng.cmn')
    """
    info = get_dataset(dataset)
    names = {f.name for f in info.files}
    if dataset == "tatoeba-challenge":
        code = tatoeba_challenge_code(language, argument="language")
        for folder in (f"eng-{code}", f"{code}-eng"):
            pair = (f"{folder}/tatoeba-test-v2021-08-07.eng", f"{folder}/tatoeba-test-v2021-08-07.{code}")
            if set(pair) <= names:
                return pair
        available = tatoeba_challenge_languages()
    elif dataset == "laser-tatoeba":
        code = laser_code(language, argument="language")
        pair = (f"tatoeba.{code}-eng.eng", f"tatoeba.{code}-eng.{code}")
        if set(pair) <= names:
            return pair
        available = laser_languages()
    elif dataset == "flores200-devtest":
        code = flores_code(language, argument="language")
        pair = ("eng_Latn.devtest", f"{code}.devtest")
        if set(pair) <= names:
            return pair
        available = sorted(n.split(".")[0] for n in names if n.endswith(".devtest"))
    else:
        raise UnknownNameError(
            f"pair_files() knows tatoeba-challenge, laser-tatoeba and flores200-devtest, not {dataset!r}"
        )
    raise UnknownLanguageError(
        f"data set {dataset!r} has no English-{language} pair; it has: {', '.join(available)}"
    )


# ------------------------------------------------------------------------------------ offline check

_TRUE = {"1", "true", "yes", "on"}
_PROBE_TTL_S = 300.0
_PROBES: dict[tuple[str, int], tuple[float, bool]] = {}


def _offline_flag() -> str | None:
    """The environment setting that makes the kit offline, if any (``KIT_OFFLINE`` wins when set)."""
    kit = os.environ.get("KIT_OFFLINE", "").strip()
    if kit:
        return f"KIT_OFFLINE={kit}" if kit.lower() in _TRUE else None
    value = os.environ.get("HF_HUB_OFFLINE", "").strip()
    return f"HF_HUB_OFFLINE={value}" if value.lower() in _TRUE else None


def offline_reason(url: str = "https://raw.githubusercontent.com", timeout: float = 2.0) -> str | None:
    """Why ``url`` cannot be fetched now (``None`` when it can): an offline setting or an unreachable host.

    ``file://`` URLs are always reachable. Host checks are cached for five minutes and take at most
    ``timeout`` seconds.

    >>> offline_reason("file:///tmp/mirror") is None
    True
    """
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return None
    flag = _offline_flag()
    if flag:
        return flag
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    key = (host, port)
    now = time.monotonic()
    cached = _PROBES.get(key)
    if cached is None or now - cached[0] > _PROBE_TTL_S:
        cached = (now, can_connect(host, port, timeout))
        _PROBES[key] = cached
    return None if cached[1] else f"{host} is unreachable"


def is_online(url: str = "https://raw.githubusercontent.com", timeout: float = 2.0) -> bool:
    """Whether ``url``'s host is reachable and no offline setting is active (never waits longer than ``timeout``).

    >>> isinstance(is_online(), bool)
    True
    """
    return offline_reason(url, timeout) is None


# -------------------------------------------------------------------------------------- data files


def _mirror_url(f: DataFile) -> str | None:
    base = os.environ.get("KIT_DATA_URL", "").strip()
    if not base:
        return None
    return base.rstrip("/") + "/" + urllib.parse.quote(f.relpath)


def _source_url(f: DataFile) -> str:
    return _mirror_url(f) or f.url


def _missing_message(f: DataFile, why: str) -> str:
    root = data_dir()
    source = _source_url(f)
    if f.member_of and not _mirror_url(f):
        source = f"{source} (member {f.member_of[1]})"
    return (
        f"data file {f.relpath} (data set {f.dataset!r}) is not in the data directory {root} and {why}; "
        f"set KIT_DATA_DIR to a folder that holds {f.relpath}, or put the file at {root / f.relpath} "
        f"(download: {source})"
    )


def data_path(dataset: str, relpath: str, *, download: bool = True) -> Path:
    """The path of a catalog file in the data directory, downloading it first if it is missing.

    ``relpath`` is the file's name within the data set (``"STS.en-de.txt"``) or its path in the data
    directory (``"sts17/STS2017-extended/STS.en-de.txt"``). A missing file is fetched from its public source
    (or ``KIT_DATA_URL``) when the network is reachable, written atomically and checked against the
    catalog's SHA-256; otherwise :class:`~kit.errors.DataNotFoundError` names the file, the data directory,
    ``KIT_DATA_DIR`` and the download URL.

    >>> data_path("sts17", "STS.en-de.txt").name
    'STS.en-de.txt'
    """
    f = get_dataset(dataset).file(relpath)
    target = data_dir() / f.relpath
    if target.is_file():
        return target
    if not download:
        raise DataNotFoundError(_missing_message(f, "download=False was passed"))
    _fetch(f, target)
    return target


def _check(f: DataFile, digest: str, size: int) -> None:
    if not digest.startswith(f.sha256) or size != f.size:
        raise ChecksumMismatchError(
            f"{f.relpath}: the downloaded file has SHA-256 {digest[:12]}… and {size} bytes, the catalog expects "
            f"{f.sha256}… and {f.size} bytes; it was not kept (source: {_source_url(f)})"
        )


def _write_checked(f: DataFile, target: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``target`` atomically; a checksum mismatch leaves nothing behind."""
    digest, size = hashlib.sha256(), 0
    try:
        with atomic_write(target, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            _check(f, digest.hexdigest(), size)
    except PermissionError as err:
        raise _Unavailable(f"cannot be written there ({err.strerror}: {err.filename})") from None


class _Unavailable(Exception):
    """Internal: why a file could not be fetched (becomes a DataNotFoundError naming the requested file)."""


def _fetch(f: DataFile, target: Path) -> None:
    try:
        _fetch_or_explain(f, target)
    except _Unavailable as err:
        raise DataNotFoundError(_missing_message(f, str(err))) from None


def _fetch_or_explain(f: DataFile, target: Path) -> None:
    if f.member_of and not _mirror_url(f):
        archive_name, member = f.member_of
        archive = get_dataset(f.dataset).file(archive_name)
        archive_path = data_dir() / archive.relpath
        if not archive_path.is_file():
            try:
                _fetch_or_explain(archive, archive_path)
            except _Unavailable as err:
                raise _Unavailable(f"neither is its archive {archive.relpath}, which {err}") from None
        _write_checked(f, target, [_read_member(archive_path, member)])
        return
    url = _source_url(f)
    why = offline_reason(url)
    if why:
        raise _Unavailable(f"cannot be downloaded ({why})")
    try:
        response = urllib.request.urlopen(url, timeout=30)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise _Unavailable(f"its download failed ({err})") from None
    with response:
        _write_checked(f, target, iter(lambda: response.read(1 << 20), b""))


def _read_member(archive: Path, member: str) -> bytes:
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive, "r:*") as tf:
            handle = tf.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except (KeyError, OSError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise DataFormatError(f"{archive}: cannot extract {member} ({err})") from err


# ------------------------------------------------------------------------------------------- reading


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


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


# ------------------------------------------------------------------------------------------- checks


def verify(dataset: str, *, missing_ok: bool = False) -> list[str]:
    """Problems of a data set's files in the data directory: missing, wrong size, SHA-256 or line count.

    An empty list means every file is present and matches the catalog. Missing files are not downloaded.

    >>> verify("sts17")
    []
    """
    problems = []
    for f in get_dataset(dataset).files:
        path = data_dir() / f.relpath
        if not path.is_file():
            if not missing_ok:
                problems.append(f"{f.relpath}: missing")
            continue
        size = path.stat().st_size
        if size != f.size:
            problems.append(f"{f.relpath}: {size} bytes, expected {f.size}")
        digest = sha256_file(path)
        if not digest.startswith(f.sha256):
            problems.append(f"{f.relpath}: SHA-256 {digest[:12]}…, expected {f.sha256}…")
        if f.lines is not None:
            lines = _count_lines(path.read_bytes())
            if lines != f.lines:
                problems.append(f"{f.relpath}: {lines} lines, expected {f.lines}")
    return problems


_verify = verify


def describe_datasets(verify: bool = False) -> str:
    """A table of the catalog for ``python -m kit data``: name, files present/total, license, HF equivalent.

    With ``verify=True`` every present file's checksum and line count is checked and problems are listed.

    >>> print(describe_datasets().splitlines()[0])  # doctest: +ELLIPSIS
    data directory: ...
    """
    do_verify = verify
    root = data_dir()
    source = "KIT_DATA_DIR" if os.environ.get("KIT_DATA_DIR") else "default; set KIT_DATA_DIR to change"
    header = ["data set", "files", "license", "role", "online (Hugging Face)"]
    if do_verify:
        header.insert(2, "check")
    rows, problems = [], []
    for info in _CATALOG.values():
        present = sum((root / f.relpath).is_file() for f in info.files)
        row = [info.name, f"{present}/{len(info.files)}", info.license, info.role, info.hf_id]
        if do_verify:
            found = _verify(info.name, missing_ok=True)
            problems += found
            row.insert(2, f"{len(found)} problem(s)" if found else "ok" if present else "-")
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"data directory: {root} ({source})", ""]
    for r in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if problems:
        lines += ["", "problems:", *(f"  {p}" for p in problems)]
    missing = sum(not (root / f.relpath).is_file() for info in _CATALOG.values() for f in info.files)
    if missing:
        lines += [
            "",
            f"{missing} file(s) missing: they are downloaded on first use when online; offline, point "
            "KIT_DATA_DIR at a copy (layout: data/README.md).",
        ]
    return "\n".join(lines)
