"""The data sets: each one's license, pinned source and files (:class:`DatasetInfo`, :class:`DataFile`).

The per-file rows (name, lines, bytes, SHA-256 prefix, source) are package data, ``data_files.tsv`` beside this
module; the per-data-set facts are :data:`_SPECS` below.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kit.catalog.languages import flores_code, laser_code, tatoeba_challenge_code
from kit.config import data_dir
from kit.errors import DataFormatError, UnknownLanguageError, UnknownNameError

__all__ = [
    "DataFile",
    "DatasetInfo",
    "dataset_names",
    "files",
    "get_dataset",
    "laser_languages",
    "pair_files",
    "tatoeba_challenge_languages",
]

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
    """The rows of the file table (``kit/catalog/data_files.tsv``) by data set, in the table's order."""
    text = resources.files("kit.catalog").joinpath(_FILE_TABLE).read_text(encoding="utf-8")
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
