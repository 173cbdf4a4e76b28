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

# One block per data set; one row per file: name within the data set, lines ("-" for binary), bytes,
# SHA-256 prefix, and an optional source: "/path" (a path from the repository's root instead of repo_dir)
# or "archive!prefix" (extracted from that archive of the same data set, member = prefix + name).
_FILE_TABLE = """
[tatoeba-challenge]
ara-eng/tatoeba-test-v2021-08-07.ara 10305 508337 cf210526bd68
ara-eng/tatoeba-test-v2021-08-07.ara.labels 10305 41285 310c9b08c3a6
ara-eng/tatoeba-test-v2021-08-07.eng 10305 347329 8c2e22aa222b
deu-eng/tatoeba-test-v2021-08-07.deu 17565 782297 a06d3300c051
deu-eng/tatoeba-test-v2021-08-07.eng 17565 672653 5d0e3169914a
eng-fra/tatoeba-test-v2021-08-07.eng 12681 458041 714a848bd6ab
eng-fra/tatoeba-test-v2021-08-07.fra 12681 546578 095313ff0401
eng-ita/tatoeba-test-v2021-08-07.eng 17320 523406 ef0c6a6d746c
eng-ita/tatoeba-test-v2021-08-07.ita 17320 571767 3735d63c036d
eng-nld/tatoeba-test-v2021-08-07.eng 12696 401546 9153a68be809
eng-nld/tatoeba-test-v2021-08-07.nld 12696 433562 751bdb510294
eng-spa/tatoeba-test-v2021-08-07.eng 16583 622066 74da6b3ced81
eng-spa/tatoeba-test-v2021-08-07.spa 16583 666192 204c4d49224a
eng-tur/tatoeba-test-v2021-08-07.eng 13907 490245 f316c20e76fb
eng-tur/tatoeba-test-v2021-08-07.tur 13907 532189 0622af57035c
eng-tur/tatoeba-test-v2021-08-07.tur.labels 13907 55628 b9c5101474bb
eng-por/tatoeba-test-v2021-08-07.eng 13222 468043 e6e3bdd486f1
eng-por/tatoeba-test-v2021-08-07.por 13222 511349 8a5148ff3b55
eng-pol/tatoeba-test-v2021-08-07.eng 10099 337255 f50bafc8d8b6
eng-pol/tatoeba-test-v2021-08-07.pol 10099 362711 91ae42bec690
eng-rus/tatoeba-test-v2021-08-07.eng 19425 649753 3d89c0281402
eng-rus/tatoeba-test-v2021-08-07.rus 19425 1142501 643d0d8beeda
eng-ukr/tatoeba-test-v2021-08-07.eng 13127 385285 4ee18d8e7b05
eng-ukr/tatoeba-test-v2021-08-07.ukr 13127 675458 6c65c0e91083
eng-jpn/tatoeba-test-v2021-08-07.eng 13862 554540 719c6299f189
eng-jpn/tatoeba-test-v2021-08-07.jpn 13862 756971 5c256148253d
eng-cmn_Hans/tatoeba-test-v2021-08-07.eng 4450 171658 92a32a6975fb
eng-cmn_Hans/tatoeba-test-v2021-08-07.cmn_Hans 4450 156126 3b712b3d5732
../OPUS-MT-testsets-README.md 17 843 11ef5c8efcc6 /README.md
[flores200-devtest]
LICENSE-CC-BY-SA 427 20146 387de84dbfb3 /LICENSE-CC-BY-SA
README 7 285 a1b7eb3a097f /datasets/facebook/flores/flores200_dataset/README
arb_Arab.devtest 1012 212288 ff09a52e6388
deu_Latn.devtest 1012 157370 9a1bfa90d153
eng_Latn.devtest 1012 133108 612e9fbe8799
fra_Latn.devtest 1012 165038 82f5b000db41
ita_Latn.devtest 1012 158271 4166da51aba2
nld_Latn.devtest 1012 148765 2b22cf9a1c2c
spa_Latn.devtest 1012 160955 40fcb836b49b
tur_Latn.devtest 1012 148925 c0fe28cee25f
[laser-tatoeba]
LASER-LICENSE 30 1577 05ec63ab2a81 /LICENSE
README.md 28 1226 5fbce42e75e8
tatoeba.afr-eng.afr 1000 30586 7bb9e073ad84
tatoeba.afr-eng.eng 1000 29049 0b700c125efb
tatoeba.amh-eng.amh 168 6120 ffd4b09d5d67
tatoeba.amh-eng.eng 168 3752 37fe0d20ece5
tatoeba.ang-eng.ang 134 7989 f489d684ff08
tatoeba.ang-eng.eng 134 7191 b5c9ac7e664d
tatoeba.ara-eng.ara 1000 43582 e67a0ae072b7
tatoeba.ara-eng.eng 1000 29068 3c11838c963f
tatoeba.arq-eng.arq 911 45583 cf0b5fc39a19
tatoeba.arq-eng.eng 911 31811 207118ea873a
tatoeba.arz-eng.arz 477 18076 49e2a2a33eda
tatoeba.arz-eng.eng 477 13402 08b5b66d6b0f
tatoeba.ast-eng.ast 127 4662 6e2106cdff01
tatoeba.ast-eng.eng 127 4621 a2ee8eefb796
tatoeba.awa-eng.awa 231 11307 c9c7fcb5a3f2
tatoeba.awa-eng.eng 231 4970 d9898a996db3
tatoeba.aze-eng.aze 1000 31763 b0daccaaebea
tatoeba.aze-eng.eng 1000 27637 7c428a247940
tatoeba.bel-eng.bel 1000 61876 f474ca183685
tatoeba.bel-eng.eng 1000 36056 e34d5dffdc15
tatoeba.ben-eng.ben 1000 65990 ac3385695d6a
tatoeba.ben-eng.eng 1000 25713 67fbe75fec54
tatoeba.ber-eng.ber 1000 33513 cfa3f8751c09
tatoeba.ber-eng.eng 1000 30114 70d5d8d83c19
tatoeba.bos-eng.bos 354 8716 66f1cf9d0925
tatoeba.bos-eng.eng 354 9004 cabfe870a406
tatoeba.bre-eng.bre 1000 26762 1d7f931af5e4
tatoeba.bre-eng.eng 1000 24318 41979358a546
tatoeba.bul-eng.bul 1000 65500 f9fa90cf3599
tatoeba.bul-eng.eng 1000 36779 4b03b3b52ffb
tatoeba.cat-eng.cat 1000 37589 512c42703dc6
tatoeba.cat-eng.eng 1000 36226 84cce1bb2e1f
tatoeba.cbk-eng.cbk 1000 33549 912143ae5618
tatoeba.cbk-eng.eng 1000 29177 ef6d617bd806
tatoeba.ceb-eng.ceb 600 18251 767be046e436
tatoeba.ceb-eng.eng 600 17887 655d1001266a
tatoeba.ces-eng.ces 1000 32284 0ca1f07a72f5
tatoeba.ces-eng.eng 1000 32112 ac195f54f697
tatoeba.cha-eng.cha 137 5676 235129c1e28a
tatoeba.cha-eng.eng 137 5540 0e5d75335a30
tatoeba.cmn-eng.cmn 1000 33410 965d033966fc
tatoeba.cmn-eng.eng 1000 35521 29ba36232488
tatoeba.cor-eng.cor 1000 23059 ffbbe24eabf4
tatoeba.cor-eng.eng 1000 21790 8375121e5b98
tatoeba.csb-eng.csb 253 9199 65348b923548
tatoeba.csb-eng.eng 253 7988 89260657ab4b
tatoeba.cym-eng.cym 575 17072 9b39ea9bd808
tatoeba.cym-eng.eng 575 15507 6b78a8e6537e
tatoeba.dan-eng.dan 1000 35944 8d8b3c0d8156
tatoeba.dan-eng.eng 1000 34882 5fee23e7bf54
tatoeba.deu-eng.deu 1000 57121 edfa6f75a425
tatoeba.deu-eng.eng 1000 48446 eb9cc83a42f2
tatoeba.dsb-eng.dsb 479 14715 cb328fa5948d
tatoeba.dsb-eng.eng 479 13964 3aa1d341d875
tatoeba.dtp-eng.dtp 1000 34919 d61a4559f6a0
tatoeba.dtp-eng.eng 1000 30145 1ada19a5e424
tatoeba.ell-eng.ell 1000 52202 4fb3d3d30bda
tatoeba.ell-eng.eng 1000 26759 1f630710e718
tatoeba.epo-eng.eng 1000 41834 f446c78b332c
tatoeba.epo-eng.epo 1000 43007 a0f49a840224
tatoeba.est-eng.eng 1000 29732 bb033b105961
tatoeba.est-eng.est 1000 29996 94856999ef35
tatoeba.eus-eng.eng 1000 32008 1e80f0174ad5
tatoeba.eus-eng.eus 1000 34060 4255fb70a6c2
tatoeba.fao-eng.eng 262 7774 5481a99b039b
tatoeba.fao-eng.fao 262 8614 299abb1658b8
tatoeba.fin-eng.eng 1000 35812 322e610359f4
tatoeba.fin-eng.fin 1000 39857 8db3c734f755
tatoeba.fra-eng.eng 1000 36291 5634220f8a26
tatoeba.fra-eng.fra 1000 43727 644172ff9642
tatoeba.fry-eng.eng 173 6098 222ef1b50e42
tatoeba.fry-eng.fry 173 6137 2fc95443e777
tatoeba.gla-eng.eng 829 24905 248f651a1c17
tatoeba.gla-eng.gla 829 30522 58a3647950c0
tatoeba.gle-eng.eng 1000 26500 da1952830c7d
tatoeba.gle-eng.gle 1000 31923 d5f33fb7a98a
tatoeba.glg-eng.eng 1000 37853 509066bbb163
tatoeba.glg-eng.glg 1000 38723 b165fd7ca253
tatoeba.gsw-eng.eng 117 2302 dafa199e25bf
tatoeba.gsw-eng.gsw 117 2403 6007a6e27732
tatoeba.heb-eng.eng 1000 35840 73c27ed0f76c
tatoeba.heb-eng.heb 1000 47660 4a07ca4b8a6f
tatoeba.hin-eng.eng 1000 34090 adfce2269a55
tatoeba.hin-eng.hin 1000 88468 15e4fb0a394b
tatoeba.hrv-eng.eng 1000 33075 e937275feb38
tatoeba.hrv-eng.hrv 1000 31859 be6bb15973e3
tatoeba.hsb-eng.eng 483 14204 9bc9399674d9
tatoeba.hsb-eng.hsb 483 14437 05ddb2c8866c
tatoeba.hun-eng.eng 1000 33554 5323266e91dd
tatoeba.hun-eng.hun 1000 35335 56bd0682be8c
tatoeba.hye-eng.eng 742 24018 f95ae935c26a
tatoeba.hye-eng.hye 742 44668 5030d8ad769e
tatoeba.ido-eng.eng 1000 33152 d16dc2e53dee
tatoeba.ido-eng.ido 1000 32781 6751b92a655f
tatoeba.ile-eng.eng 1000 25308 5743127146b2
tatoeba.ile-eng.ile 1000 25372 a5e4f9304110
tatoeba.ina-eng.eng 1000 41683 a71b750144c5
tatoeba.ina-eng.ina 1000 45819 f4f5952c0b00
tatoeba.ind-eng.eng 1000 34875 62a3f5127b60
tatoeba.ind-eng.ind 1000 39969 4f03cd70cba0
tatoeba.isl-eng.eng 1000 36662 3e12960758a3
tatoeba.isl-eng.isl 1000 43159 fd0ba00d801b
tatoeba.ita-eng.eng 1000 31596 738bf8f981e4
tatoeba.ita-eng.ita 1000 34237 9b3f369d0ed9
tatoeba.jav-eng.eng 205 6456 172776353690
tatoeba.jav-eng.jav 205 7457 ad88399db8f9
tatoeba.jpn-eng.eng 1000 39239 b42129b34e1b
tatoeba.jpn-eng.jpn 1000 53844 56040bd69491
tatoeba.kab-eng.eng 1000 30267 f4e9d9e6d6e3
tatoeba.kab-eng.kab 1000 32459 a912470ad96c
tatoeba.kat-eng.eng 746 21193 d70a14aa64fd
tatoeba.kat-eng.kat 746 50967 6ef69b5efbf3
tatoeba.kaz-eng.eng 575 17491 0ab684e7032c
tatoeba.kaz-eng.kaz 575 29687 f20c682582a8
tatoeba.khm-eng.eng 722 19984 fea8fabec264
tatoeba.khm-eng.khm 722 54000 45c41f8ea2f5
tatoeba.kor-eng.eng 1000 35085 f900cf3c9b72
tatoeba.kor-eng.kor 1000 44054 e550c84184ec
tatoeba.kur-eng.eng 410 12488 7cec4358a4ef
tatoeba.kur-eng.kur 410 13089 478b0fd516eb
tatoeba.kzj-eng.eng 1000 34027 23d41e6211b2
tatoeba.kzj-eng.kzj 1000 39282 94eaec42d55c
tatoeba.lat-eng.eng 1000 35993 5d9982f67de2
tatoeba.lat-eng.lat 1000 33861 dc8bf14fe0db
tatoeba.lfn-eng.eng 1000 32295 de3b206d5dc1
tatoeba.lfn-eng.lfn 1000 39195 df11cbb84fc0
tatoeba.lit-eng.eng 1000 31864 5dfc3ef9437f
tatoeba.lit-eng.lit 1000 33379 1fa3d054d66d
tatoeba.lvs-eng.eng 1000 30270 c380ec2f7006
tatoeba.lvs-eng.lvs 1000 32936 04032a8c2264
tatoeba.mal-eng.eng 687 21765 4d80cdbb844c
tatoeba.mal-eng.mal 687 72952 1a896f54f85a
tatoeba.mar-eng.eng 1000 27890 709d09b697dc
tatoeba.mar-eng.mar 1000 72652 b2931584fbe6
tatoeba.max-eng.eng 284 8213 7b8ca880b1b9
tatoeba.max-eng.max 284 9461 1b76deb55586
tatoeba.mhr-eng.eng 1000 30840 ee0544549431
tatoeba.mhr-eng.mhr 1000 54264 a882b273da47
tatoeba.mkd-eng.eng 1000 30512 0f6275c29c99
tatoeba.mkd-eng.mkd 1000 53314 8dde3dc54e5b
tatoeba.mon-eng.eng 440 15716 f8a75164467f
tatoeba.mon-eng.mon 440 28812 559722662c36
tatoeba.nds-eng.eng 1000 30549 5c34dfa60d15
tatoeba.nds-eng.nds 1000 32909 87742c2dd6dc
tatoeba.nld-eng.eng 1000 35397 3b8836749df5
tatoeba.nld-eng.nld 1000 37866 d564d4ce1c62
tatoeba.nno-eng.eng 1000 34294 30a795ce448d
tatoeba.nno-eng.nno 1000 34278 5a1c185fe5e5
tatoeba.nob-eng.eng 1000 34016 deedb3cebc89
tatoeba.nob-eng.nob 1000 34465 0b67d741b2af
tatoeba.nov-eng.eng 257 6816 7f3a5abd3338
tatoeba.nov-eng.nov 257 6900 8877783074fe
tatoeba.oci-eng.eng 1000 29602 a8b7e855fbce
tatoeba.oci-eng.oci 1000 32150 2b21da72dbe0
tatoeba.orv-eng.eng 835 24031 7ebde69cccbf
tatoeba.orv-eng.orv 835 36996 f2e50ada1fcd
tatoeba.pam-eng.eng 1000 29776 40b46cdce45d
tatoeba.pam-eng.pam 1000 33688 1e518a5ce369
tatoeba.pes-eng.eng 1000 34853 b5c6cf8c8d93
tatoeba.pes-eng.pes 1000 58866 f15537137234
tatoeba.pms-eng.eng 525 18090 e9e88117fda8
tatoeba.pms-eng.pms 525 20440 78313c26a468
tatoeba.pol-eng.eng 1000 34638 d21cca6c6c28
tatoeba.pol-eng.pol 1000 36510 93e1378a66df
tatoeba.por-eng.eng 1000 35854 deb4568cfb7b
tatoeba.por-eng.por 1000 39331 b0c926a232c9
tatoeba.ron-eng.eng 1000 34494 1064c638220d
tatoeba.ron-eng.ron 1000 37990 ad5c4a9f4920
tatoeba.rus-eng.eng 1000 33650 7b26f52d6085
tatoeba.rus-eng.rus 1000 58822 446ff2cae660
tatoeba.slk-eng.eng 1000 30429 3f2639abbbd8
tatoeba.slk-eng.slk 1000 30331 7f8c6a3b47f4
tatoeba.slv-eng.eng 823 27388 2acd8423aab2
tatoeba.slv-eng.slv 823 25808 d5da94df8c2d
tatoeba.spa-eng.eng 1000 34776 89e4470f4572
tatoeba.spa-eng.spa 1000 37490 f9628cea4048
tatoeba.sqi-eng.eng 1000 34531 3c6bb4206f56
tatoeba.sqi-eng.sqi 1000 38615 8c21a43c4253
tatoeba.srp-eng.eng 1000 33032 1ca4b0be067c
tatoeba.srp-eng.srp 1000 40083 cf94fd118b84
tatoeba.swe-eng.eng 1000 30029 50fdff247854
tatoeba.swe-eng.swe 1000 32219 9b2a15609f8c
tatoeba.swg-eng.eng 112 3210 d7390e0640b1
tatoeba.swg-eng.swg 112 3511 145d8b70802f
tatoeba.swh-eng.eng 390 10822 e8539647caff
tatoeba.swh-eng.swh 390 9645 1c672915446c
tatoeba.tam-eng.eng 307 8888 e7c5106acdd1
tatoeba.tam-eng.tam 307 30553 bde87fb1dded
tatoeba.tat-eng.eng 1000 33722 8c74036c1d70
tatoeba.tat-eng.tat 1000 58824 26bd52530c11
tatoeba.tel-eng.eng 234 6806 1efc2ef57d9b
tatoeba.tel-eng.tel 234 18337 7e1a1bcd106c
tatoeba.tgl-eng.eng 1000 31632 e7c9beda3f30
tatoeba.tgl-eng.tgl 1000 36506 f99165dc0519
tatoeba.tha-eng.eng 548 18439 2881c82d2c5f
tatoeba.tha-eng.tha 548 44759 65c7b3c01a56
tatoeba.tuk-eng.eng 203 4584 e9050787bd9d
tatoeba.tuk-eng.tuk 203 4638 de146697aea5
tatoeba.tur-eng.eng 1000 34278 a768df7dd3d1
tatoeba.tur-eng.tur 1000 37607 1ffa0acc0060
tatoeba.tzl-eng.eng 104 2150 66cdcc256695
tatoeba.tzl-eng.tzl 104 2093 543d203fc3ab
tatoeba.uig-eng.eng 1000 32161 186b73449aca
tatoeba.uig-eng.uig 1000 57891 0d69dc4f7bea
tatoeba.ukr-eng.eng 1000 29851 f0df48c6911c
tatoeba.ukr-eng.ukr 1000 52080 7d11ce165460
tatoeba.urd-eng.eng 1000 31893 dab35fda3f73
tatoeba.urd-eng.urd 1000 56819 2efc22dc6188
tatoeba.uzb-eng.eng 428 11203 251736984128
tatoeba.uzb-eng.uzb 428 13569 553247158454
tatoeba.vie-eng.eng 1000 38686 a1f60bd8ae6c
tatoeba.vie-eng.vie 1000 52721 6dbb02d778b0
tatoeba.war-eng.eng 1000 33354 6e377e03ee29
tatoeba.war-eng.war 1000 38472 3349a3c8c229
tatoeba.wuu-eng.eng 1000 38391 576cbe9a7644
tatoeba.wuu-eng.wuu 1000 36435 72b3261f8acd
tatoeba.xho-eng.eng 142 3758 88bc39204f33
tatoeba.xho-eng.xho 142 3669 a98016214a4e
tatoeba.yid-eng.eng 848 27576 d6c5c87e0a3d
tatoeba.yid-eng.yid 848 53228 cfbf9d77cb47
tatoeba.yue-eng.eng 1000 38646 a96000ddf71d
tatoeba.yue-eng.yue 1000 36440 09c6fb4a35e2
tatoeba.zsm-eng.eng 1000 36411 ff0d1e56b9a1
tatoeba.zsm-eng.zsm 1000 42798 d72274770693
[sts17]
Readme.txt 22 986 888196258e07
STS.ar-ar.txt 250 32252 d6d28b154c04
STS.en-ar.txt 250 28216 6a0b05fe7d30
STS.en-de.txt 250 23745 a152aaa71a90
STS.en-en.txt 250 24419 a7d7a6eb1e54
STS.en-tr.txt 250 24607 18e8cfaec82f
STS.es-en.txt 250 26218 7a36aac0fe81
STS.es-es.txt 250 28546 5482fac30aa3
STS.fr-en.txt 250 26080 cf1dc0d54932
STS.it-en.txt 250 25981 65c25db633f9
STS.nl-en.txt 250 25200 e5a5ee7ac018
[sts17-semeval]
STS2017.eval.v1.1/LICENSE.txt 17 943 cc776de72fe6 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/README.txt 54 1519 5c3aa707d942 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track1.ar-ar.txt 250 30019 a4f24daa03de Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track2.ar-en.txt 250 25968 e70c95463233 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track3.es-es.txt 250 26296 9daa6bf43dcd Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track4a.es-en.txt 250 23968 312de93aa424 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track4b.es-en.txt 250 60862 caadaa457aa5 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track5.en-en.txt 250 22169 8d493844c101 Sts2017.eval.v1.1.zip!
STS2017.eval.v1.1/STS.input.track6.tr-en.txt 500 45317 3054157d3d25 Sts2017.eval.v1.1.zip!
STS2017.gs/STS.gs.track1.ar-ar.txt 250 2250 4a7ad1eb5219 Sts2017.gs.zip!
STS2017.gs/STS.gs.track2.ar-en.txt 250 2250 e37e117a1623 Sts2017.gs.zip!
STS2017.gs/STS.gs.track3.es-es.txt 250 2250 96f9d7914e31 Sts2017.gs.zip!
STS2017.gs/STS.gs.track4a.es-en.txt 250 2250 043319c5223d Sts2017.gs.zip!
STS2017.gs/STS.gs.track4b.es-en.txt 250 500 67e226bbd2b0 Sts2017.gs.zip!
STS2017.gs/STS.gs.track5.en-en.txt 250 2250 a767d322cc3e Sts2017.gs.zip!
STS2017.gs/STS.gs.track6.tr-en.txt 250 2250 f0aceb6d7337 Sts2017.gs.zip!
Sts2017.eval.v1.1.zip - 87902 29abfa07b461
Sts2017.gs.zip - 3138 80d7636119de
[stsb]
LICENSE.txt 136 6641 3dfc3217395f Stsbenchmark.tar.gz!stsbenchmark/
Stsbenchmark.tar.gz - 409630 557a86abbd2b
correlation.pl 119 2119 64cba57b061b Stsbenchmark.tar.gz!stsbenchmark/
readme.txt 174 5994 e9488363d211 Stsbenchmark.tar.gz!stsbenchmark/
sts-dev.csv 1500 255680 5d7e944d8b02 Stsbenchmark.tar.gz!stsbenchmark/
sts-test.csv 1379 282419 affe45928a66 Stsbenchmark.tar.gz!stsbenchmark/
sts-train.csv 5749 901177 0f71910b59aa Stsbenchmark.tar.gz!stsbenchmark/
[stsb-multi-mt]
LICENSE 125 6456 c1453eb5164e /LICENSE
README.md 59 4067 6516782bf29a /README.md
stsb-de-dev.csv 1500 242726 40ddf84ce3d2
stsb-de-test.csv 1379 188602 a92ce1015b20
stsb-de-train.csv 5749 847845 7a393283b1ec
stsb-en-dev.csv 1500 204675 d29586e96558
stsb-en-test.csv 1379 158891 11523b625219
stsb-en-train.csv 5749 708863 e1e84fec60bb
stsb-es-dev.csv 1500 240097 7afece0711ad
stsb-es-test.csv 1379 189142 2b6f60e63f19
stsb-es-train.csv 5749 864921 c0b1e809c1d5
stsb-fr-dev.csv 1500 249002 d9f0ed00811d
stsb-fr-test.csv 1379 195020 f7da31a1d885
stsb-fr-train.csv 5749 888493 29cece1d7e71
stsb-it-dev.csv 1500 237958 ee6435537682
stsb-it-test.csv 1379 186156 e6f0be0552dd
stsb-it-train.csv 5749 849516 2e6563f62deb
stsb-nl-dev.csv 1500 229492 d2b2a895824d
stsb-nl-test.csv 1379 177327 a0ee96b6ee9e
stsb-nl-train.csv 5749 810934 4d60f75ec8e7
"""


def _parse_table(table: str) -> dict[str, DatasetInfo]:
    rows: dict[str, list[list[str]]] = {}
    current = None
    for line in table.strip().splitlines():
        if line.startswith("["):
            current = line.strip("[]")
            rows[current] = []
        elif line.strip():
            rows[current].append(line.split())  # type: ignore[index]
    out = {}
    for name, spec in _SPECS.items():
        repository, commit, repo_dir = spec["repository"], spec["commit"], spec["repo_dir"]
        files = []
        for fields in rows[name]:
            fname, lines, size, sha = fields[:4]
            source = fields[4] if len(fields) > 4 else ""
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


_CATALOG: dict[str, DatasetInfo] = _parse_table(_FILE_TABLE)


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
