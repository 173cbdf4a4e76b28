"""Semantic textual similarity: STS2017 (the paper's 10 tracks) and STS benchmark (English + 5 translations).

Metric: Spearman rank correlation ×100 between the cosine similarity of the two sentence embeddings and
the gold score, computed by sentence-transformers' ``EmbeddingSimilarityEvaluator``.

STS2017 tracks follow the paper's column order. Two tracks are stored under the other language order
(``ar-en`` in ``STS.en-ar.txt``, ``tr-en`` in ``STS.en-tr.txt``); cosine similarity is symmetric, so the
file is used as it is. ``avg`` is the mean of the 10 tracks, ``cross_avg`` that of the 7 cross-lingual ones.

Example::

    >>> from kit.evaluation.sts import load_sts17_track, sts17_evaluators
    >>> pairs = load_sts17_track("ar-en")                                    # doctest: +SKIP
    >>> pairs.source, len(pairs)                                             # doctest: +SKIP
    ('STS.en-ar.txt', 250)
    >>> evaluators = sts17_evaluators()   # plain ST evaluators, e.g. for a trainer  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

from kit.catalog import normalize_language, read_stsb_multi_mt
from kit.errors import DataFormatError, UnknownLanguageError
from kit.evaluation import _data
from kit.evaluation.embeddings import embed_sets
from kit.evaluation.results import TaskResult
from kit.sources.encoders import Encoder

#: The paper's column order (Reimers & Gurevych 2020, Table 1 + 2 as shown in the sentence-transformers docs).
STS17_TRACKS: tuple[str, ...] = (
    "ar-ar",
    "ar-en",
    "es-es",
    "es-en",
    "en-en",
    "tr-en",
    "en-de",
    "fr-en",
    "it-en",
    "nl-en",
)
#: The cross-lingual tracks (English paired with another language).
STS17_CROSS: tuple[str, ...] = tuple(t for t in STS17_TRACKS if t.split("-")[0] != t.split("-")[1])
#: STSb test: English original plus the stsb-multi-mt translations.
STSB_LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr", "it", "nl")
#: The dev task for choosing recipes: STSb *dev*, English against English and against each translation.
STSB_DEV_TRACKS: tuple[str, ...] = ("en-en", "en-de", "en-es", "en-fr", "en-it", "en-nl")


@dataclass(frozen=True)
class STSPairs:
    """Sentence pairs with gold similarity scores (0-5)."""

    name: str
    sentences1: list[str]
    sentences2: list[str]
    scores: list[float]
    source: str

    def __len__(self) -> int:
        return len(self.scores)

    def evaluator(self, batch_size: int = 32) -> EmbeddingSimilarityEvaluator:
        """sentence-transformers' evaluator for these pairs (cosine; works on a real model too)."""
        return EmbeddingSimilarityEvaluator(
            self.sentences1,
            self.sentences2,
            self.scores,
            batch_size=batch_size,
            main_similarity="cosine",
            name=self.name,
            write_csv=False,
        )


def _score(value: str, where: str) -> float:
    try:
        score = float(value)
    except ValueError:
        raise DataFormatError(f"{where}: score {value!r} is not a number") from None
    if not 0.0 <= score <= 5.0:
        raise DataFormatError(f"{where}: score {score} is outside 0-5")
    return score


def sts17_file(track: str) -> str:
    """The file of a track: ``STS.<a>-<b>.txt`` or, if the data set stores it so, ``STS.<b>-<a>.txt``."""
    if track not in STS17_TRACKS:
        raise UnknownLanguageError(
            f"unknown STS2017 track {track!r} for argument 'tracks'; tracks are: {', '.join(STS17_TRACKS)}"
        )
    a, b = track.split("-")
    for name in (f"STS.{a}-{b}.txt", f"STS.{b}-{a}.txt"):
        if _data.has_file("sts17", name):
            return name
    raise DataFormatError(f"the sts17 data set has no file for track {track}")  # pragma: no cover


def load_sts17_track(track: str) -> STSPairs:
    """One STS2017 track: ``sent1<TAB>sent2<TAB>score`` lines."""
    name = sts17_file(track)
    path, lines = _data.lines("sts17", name)
    s1, s2, scores = [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise DataFormatError(
                f"{path}:{number}: expected sent1<TAB>sent2<TAB>score, got {len(fields)} fields"
            )
        s1.append(fields[0].strip())
        s2.append(fields[1].strip())
        scores.append(_score(fields[2].strip(), f"{path}:{number}"))
    return STSPairs(track, s1, s2, scores, name)


def load_stsb(language: str = "en", split: str = "test") -> STSPairs:
    """STS benchmark pairs: English from the original files, other languages from stsb-multi-mt."""
    code = normalize_language(language, argument="languages")
    if code not in STSB_LANGUAGES:
        raise UnknownLanguageError(
            f"STSb has no language {language!r} (argument 'languages'); languages: {', '.join(STSB_LANGUAGES)}"
        )
    s1, s2, scores = [], [], []
    if code == "en":
        name = f"sts-{split}.csv"
        path, lines = _data.lines("stsb", name)
        # Tab-separated, 7+ columns (some rows carry extra source columns), quotes are literal text.
        for number, fields in enumerate(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(fields) < 7:
                raise DataFormatError(
                    f"{path}:{number}: expected 7+ tab-separated columns, got {len(fields)}"
                )
            scores.append(_score(fields[4], f"{path}:{number}"))
            s1.append(fields[5].strip())
            s2.append(fields[6].strip())
    else:
        name = f"stsb-{code}-{split}.csv"
        path = _data.path("stsb-multi-mt", name)
        for number, (sentence1, sentence2, score) in enumerate(read_stsb_multi_mt(code, split), 1):
            s1.append(sentence1.strip())
            s2.append(sentence2.strip())
            scores.append(_score(score, f"{path}:{number}"))
    return STSPairs(code, s1, s2, scores, name)


def load_stsb_dev_cross(track: str) -> STSPairs:
    """One dev track: STSb dev sentence 1 in English against sentence 2 in English or translated, gold score.

    This is the cross-lingual STS set recipes are chosen on (``--tasks stsb-dev-cross``), so that STS2017 stays
    a test set: a pair is left out when either English sentence occurs in STS2017 (STSb dev holds 125 of its
    en-en pairs). Row *i* of ``stsb-<lang>-dev.csv`` translates row *i* of ``stsb-en-dev.csv``.

    >>> pairs = load_stsb_dev_cross("en-de")
    >>> len(pairs), pairs.sentences1[0], pairs.sentences2[0]
    (1375, 'A man with a hard hat is dancing.', 'Ein Mann mit einem Schutzhelm tanzt.')
    """
    from kit.parallel import eval_sentences, normalize_for_matching

    if track not in STSB_DEV_TRACKS:
        raise UnknownLanguageError(
            f"unknown stsb-dev-cross track {track!r} (argument 'languages'); tracks: {', '.join(STSB_DEV_TRACKS)}"
        )
    language = track.split("-")[1]
    english = read_stsb_multi_mt("en", "dev")
    other = english if language == "en" else read_stsb_multi_mt(language, "dev")
    if len(other) != len(english):
        raise DataFormatError(
            f"stsb-{language}-dev.csv has {len(other)} rows, stsb-en-dev.csv {len(english)}: they must be row-aligned"
        )
    held_out = {normalize_for_matching(s) for s in eval_sentences("sts17", ["en"])}
    s1, s2, scores = [], [], []
    for number, (en_row, other_row) in enumerate(zip(english, other, strict=True), 1):
        if normalize_for_matching(en_row[0]) in held_out or normalize_for_matching(en_row[1]) in held_out:
            continue
        s1.append(en_row[0].strip())
        s2.append(other_row[1].strip())
        scores.append(_score(en_row[2], f"stsb-en-dev.csv:{number}"))
    return STSPairs(track, s1, s2, scores, f"stsb-{language}-dev.csv")


def sts17_evaluators(tracks: Sequence[str] = STS17_TRACKS, batch_size: int = 32):
    """One ``EmbeddingSimilarityEvaluator`` per track (usable directly with a SentenceTransformer)."""
    return [load_sts17_track(t).evaluator(batch_size) for t in tracks]


def _evaluate_pairs(
    task: str,
    encoder: Encoder,
    pairs: list[STSPairs],
    *,
    batch_size: int,
    cache,
    progress: bool,
    averages: dict[str, Sequence[str]],
    config: dict,
) -> TaskResult:
    started = time.perf_counter()
    stats: dict[str, int] = {}
    texts = [t for p in pairs for t in (*p.sentences1, *p.sentences2)]
    model = embed_sets(
        encoder, {task: texts}, batch_size=batch_size, cache=cache, progress=progress, stats=stats
    )[task]
    scores: dict[str, float] = {}
    for p in pairs:
        metrics = p.evaluator(batch_size)(model)
        scores[p.name] = 100.0 * metrics[f"{p.name}_spearman_cosine"]
    for column, members in averages.items():
        if all(m in scores for m in members):
            scores[column] = sum(scores[m] for m in members) / len(members)
    counts = {p.name: len(p) for p in pairs}
    return TaskResult(
        task,
        encoder.name,
        scores,
        counts=counts,
        details={p.name: {"file": p.source} for p in pairs},
        config=config,
        seconds=round(time.perf_counter() - started, 3),
        embedding=stats,
    )


def evaluate_sts17(
    encoder: Encoder,
    tracks: Sequence[str] = STS17_TRACKS,
    *,
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> TaskResult:
    """STS2017: Spearman ×100 per track, ``avg`` (10 tracks) and ``cross_avg`` (7 cross-lingual)."""
    pairs = [load_sts17_track(t) for t in tracks]
    return _evaluate_pairs(
        "sts17",
        encoder,
        pairs,
        batch_size=batch_size,
        cache=cache,
        progress=progress,
        averages={"avg": STS17_TRACKS, "cross_avg": STS17_CROSS},
        config={"tracks": list(tracks), "metric": "spearman_cosine x100", "data": "sts17/STS2017-extended"},
    )


def evaluate_stsb_dev_cross(
    encoder: Encoder,
    tracks: Sequence[str] = STSB_DEV_TRACKS,
    *,
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> TaskResult:
    """The dev STS task: Spearman ×100 per track (:func:`load_stsb_dev_cross`), ``avg`` and ``cross_avg``."""
    pairs = [load_stsb_dev_cross(t) for t in tracks]
    cross = [t for t in tracks if t != "en-en"]
    return _evaluate_pairs(
        "stsb-dev-cross",
        encoder,
        pairs,
        batch_size=batch_size,
        cache=cache,
        progress=progress,
        averages={"avg": list(tracks), "cross_avg": cross},
        config={
            "tracks": list(tracks),
            "split": "dev",
            "metric": "spearman_cosine x100",
            "data": "stsb-multi-mt dev, pairs sharing a sentence with STS2017 left out",
        },
    )


def evaluate_stsb(
    encoder: Encoder,
    languages: Sequence[str] = STSB_LANGUAGES,
    *,
    split: str = "test",
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> TaskResult:
    """STS benchmark: Spearman ×100 per language and their ``avg``."""
    pairs = [load_stsb(code, split) for code in languages]
    return _evaluate_pairs(
        "stsb",
        encoder,
        pairs,
        batch_size=batch_size,
        cache=cache,
        progress=progress,
        averages={"avg": [p.name for p in pairs]},
        config={
            "languages": [p.name for p in pairs],
            "split": split,
            "metric": "spearman_cosine x100",
            "data": "stsb/original (en), stsb/stsb-multi-mt (others)",
        },
    )
