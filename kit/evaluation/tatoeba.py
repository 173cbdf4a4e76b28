"""Tatoeba translation retrieval (LASER test sets: 112 languages paired with English, up to 1,000 pairs).

For each language, every sentence retrieves its nearest neighbour by cosine similarity among the other
side's sentences; accuracy is computed in both directions (``xxx→eng`` and ``eng→xxx``) and averaged, the
way mteb and LASER report it. The computation is sentence-transformers' ``TranslationEvaluator`` (which
counts a retrieved duplicate of the gold sentence as correct).

Languages are ISO 639-3 codes as in the LASER file names (``deu``, ``cmn``, ``zsm`` ...) or ISO 639-1
codes (``de``, ``zh``, ``ms``); ``"all"`` is all 112.

Example::

    >>> from kit.evaluation.tatoeba import resolve_languages
    >>> resolve_languages(["de", "fra", "zh"])                               # doctest: +SKIP
    ['deu', 'fra', 'cmn']
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sentence_transformers.sentence_transformer.evaluation import TranslationEvaluator

from kit import catalog
from kit.errors import DataFormatError, UnknownLanguageError
from kit.evaluation import _data
from kit.evaluation.embeddings import embed_sets
from kit.evaluation.results import TaskResult
from kit.sources.encoders import Encoder

#: The kit's training languages (Reimers & Gurevych 2020's STS2017 languages), as LASER codes.
TRAINING_LANGUAGES: tuple[str, ...] = ("ara", "deu", "fra", "ita", "nld", "spa", "tur")

# ISO 639-1 (and macrolanguage ISO 639-3) codes of LASER languages that kit.catalog does not list; LASER
# uses individual-language codes (cmn, lvs, pes, zsm, nob, swh) where ISO 639-1 names the macrolanguage.
_ISO1_TO_LASER = {
    "af": "afr", "am": "amh", "ar": "ara", "az": "aze", "be": "bel", "bn": "ben", "bs": "bos", "br": "bre",
    "bg": "bul", "ca": "cat", "cs": "ces", "ch": "cha", "zh": "cmn", "kw": "cor", "cy": "cym", "da": "dan",
    "de": "deu", "el": "ell", "eo": "epo", "et": "est", "eu": "eus", "fo": "fao", "fi": "fin", "fr": "fra",
    "fy": "fry", "gd": "gla", "ga": "gle", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hrv", "hu": "hun",
    "hy": "hye", "io": "ido", "ie": "ile", "ia": "ina", "id": "ind", "is": "isl", "it": "ita", "jv": "jav",
    "ja": "jpn", "ka": "kat", "kk": "kaz", "km": "khm", "ko": "kor", "ku": "kur", "la": "lat", "lt": "lit",
    "lv": "lvs", "ml": "mal", "mr": "mar", "mk": "mkd", "mn": "mon", "nl": "nld", "nn": "nno", "nb": "nob",
    "no": "nob", "oc": "oci", "fa": "pes", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk",
    "sl": "slv", "es": "spa", "sq": "sqi", "sr": "srp", "sv": "swe", "sw": "swh", "ta": "tam", "tt": "tat",
    "te": "tel", "tl": "tgl", "th": "tha", "tk": "tuk", "tr": "tur", "ug": "uig", "uk": "ukr", "ur": "urd",
    "uz": "uzb", "vi": "vie", "xh": "xho", "yi": "yid", "ms": "zsm",
    "zho": "cmn", "lav": "lvs", "fas": "pes", "per": "pes", "msa": "zsm", "may": "zsm", "nor": "nob",
    "swa": "swh", "chi": "cmn", "ger": "deu", "fre": "fra", "dut": "nld", "gre": "ell", "cze": "ces",
}  # fmt: skip


def tatoeba_languages() -> list[str]:
    """The 112 LASER Tatoeba languages (ISO 639-3 codes, sorted)."""
    return catalog.laser_languages()


def resolve_language(code: str, argument: str = "languages") -> str:
    """The LASER code of ``code`` (ISO 639-1 or 639-3, any case); unknown → a clear error listing the codes."""
    known = tatoeba_languages()
    text = code.strip().lower() if isinstance(code, str) else ""
    candidate = _ISO1_TO_LASER.get(text, text)
    if candidate in known:
        return candidate
    try:
        candidate = catalog.laser_code(text, argument=argument)
    except UnknownLanguageError:
        candidate = ""
    if candidate in known:
        return candidate
    raise UnknownLanguageError(
        f"unknown Tatoeba language {code!r} for argument {argument!r}; valid codes (ISO 639-3 as in the LASER "
        f"files, or their ISO 639-1 codes): {', '.join(known)}"
    )


def resolve_languages(languages: Sequence[str] | str | None, argument: str = "languages") -> list[str]:
    """LASER codes of a selection: ``None`` → the 7 training languages, ``"all"`` → all 112."""
    if languages is None:
        return list(TRAINING_LANGUAGES)
    if isinstance(languages, str):
        if languages.strip().lower() == "all":
            return tatoeba_languages()
        languages = [c for c in languages.split(",") if c.strip()]
    codes = [resolve_language(c, argument) for c in languages]
    if not codes:
        raise UnknownLanguageError(f"argument {argument!r} selects no Tatoeba language")
    return list(dict.fromkeys(codes))


@dataclass(frozen=True)
class TatoebaPairs:
    language: str
    sentences: list[str]
    english: list[str]

    def __len__(self) -> int:
        return len(self.sentences)

    def evaluator(self, batch_size: int = 32) -> TranslationEvaluator:
        """sentence-transformers' retrieval evaluator: source = this language, target = English."""
        return TranslationEvaluator(
            self.sentences, self.english, batch_size=batch_size, name=self.language, write_csv=False
        )


def load_tatoeba(language: str) -> TatoebaPairs:
    """The line-aligned LASER test pairs of one language with English."""
    code = resolve_language(language)
    eng_name, xxx_name = catalog.pair_files("laser-tatoeba", code)
    xxx_path, xxx = _data.lines("laser-tatoeba", xxx_name)
    eng_path, eng = _data.lines("laser-tatoeba", eng_name)
    if len(xxx) != len(eng):
        raise DataFormatError(f"{xxx_path} has {len(xxx)} lines but {eng_path} has {len(eng)}: not aligned")
    return TatoebaPairs(code, xxx, eng)


def evaluate_tatoeba(
    encoder: Encoder,
    languages: Sequence[str] | str | None = None,
    *,
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> TaskResult:
    """Accuracy ×100 per language (mean of both directions) and ``avg`` over the selected languages.

    ``details[lang]`` has ``xxx2eng`` and ``eng2xxx``. Each language's texts are one cache entry; languages
    that miss are encoded together in one length-sorted pass.
    """
    started = time.perf_counter()
    codes = resolve_languages(languages)
    pairs = [load_tatoeba(c) for c in codes]
    stats: dict[str, int] = {}
    models = embed_sets(
        encoder,
        {p.language: [*p.sentences, *p.english] for p in pairs},
        batch_size=batch_size,
        cache=cache,
        progress=progress,
        stats=stats,
    )
    scores: dict[str, float] = {}
    details: dict[str, dict[str, float]] = {}
    for p in pairs:
        metrics = p.evaluator(batch_size)(models[p.language])
        there = 100.0 * metrics[f"{p.language}_src2trg_accuracy"]
        back = 100.0 * metrics[f"{p.language}_trg2src_accuracy"]
        details[p.language] = {"xxx2eng": there, "eng2xxx": back}
        scores[p.language] = (there + back) / 2
    scores["avg"] = sum(scores[c] for c in codes) / len(codes)
    return TaskResult(
        "tatoeba",
        encoder.name,
        scores,
        counts={p.language: len(p) for p in pairs},
        details=details,
        config={
            "languages": codes,
            "metric": "nearest-neighbour (cosine) accuracy x100, mean of xxx->eng and eng->xxx",
            "data": "laser-tatoeba",
        },
        seconds=round(time.perf_counter() - started, 3),
        embedding=stats,
    )
