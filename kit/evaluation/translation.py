"""Translation accuracy and MSE against a teacher on a parallel set (any; FLORES-200 devtest built in).

- accuracy: sentence-transformers' ``TranslationEvaluator`` — nearest neighbour by cosine, both directions,
  ×100 (``src2trg``: English → other language, ``trg2src``: back).
- MSE: sentence-transformers' ``MSEEvaluator`` — mean squared error ×100 between the teacher's embeddings of
  the English side and the evaluated model's embeddings of the other side (the distillation objective).

Example::

    >>> from kit.sources import as_encoder
    >>> from kit.evaluation.translation import evaluate_parallel, load_flores
    >>> eng, deu = load_flores("de")                                         # doctest: +SKIP
    >>> evaluate_parallel(as_encoder("multilingual-e5-small"), eng, deu,
    ...                   teacher=as_encoder("all-MiniLM-L6-v2"))           # doctest: +SKIP
    {'src2trg': 95.1, 'trg2src': 94.7, 'accuracy': 94.9, 'mse': 0.21}
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sentence_transformers.sentence_transformer.evaluation import MSEEvaluator, TranslationEvaluator

from kit import catalog
from kit.errors import DataFormatError, KitError, UnknownLanguageError
from kit.evaluation import _data
from kit.evaluation.embeddings import embed_sets
from kit.evaluation.results import TaskResult
from kit.sources.encoders import Encoder

#: FLORES-200 devtest languages of the kit's data mirror (ISO 639-1), English excluded.
FLORES_LANGUAGES: tuple[str, ...] = ("ar", "de", "es", "fr", "it", "nl", "tr")


def load_flores(language: str) -> tuple[list[str], list[str]]:
    """English and ``language`` sides of FLORES-200 devtest (1,012 line-aligned sentences)."""
    try:
        eng_name, xxx_name = catalog.pair_files("flores200-devtest", language)
    except UnknownLanguageError as err:
        raise UnknownLanguageError(
            f"{err} (argument 'languages'; FLORES languages: {', '.join(FLORES_LANGUAGES)})"
        ) from None
    eng_path, eng = _data.lines("flores200-devtest", eng_name)
    xxx_path, xxx = _data.lines("flores200-devtest", xxx_name)
    if len(eng) != len(xxx):
        raise DataFormatError(f"{xxx_path} has {len(xxx)} lines but {eng_path} has {len(eng)}: not aligned")
    return eng, xxx


def parallel_metrics(model, source: list[str], target: list[str], name: str, teacher_model=None) -> dict:
    """The library's evaluators on precomputed embeddings (``model``, ``teacher_model``: PrecomputedModel)."""
    raw = TranslationEvaluator(source, target, name=name, write_csv=False)(model)
    out = {
        "src2trg": 100.0 * raw[f"{name}_src2trg_accuracy"],
        "trg2src": 100.0 * raw[f"{name}_trg2src_accuracy"],
    }
    out["accuracy"] = (out["src2trg"] + out["trg2src"]) / 2
    if teacher_model is not None:
        if teacher_model.dim != model.dim:
            raise KitError(
                f"MSE needs equal widths: teacher {teacher_model.name!r} has {teacher_model.dim} dimensions, "
                f"{model.name!r} has {model.dim}; evaluate without a teacher or with one of the same width"
            )
        evaluator = MSEEvaluator(source, target, teacher_model=teacher_model, name=name, write_csv=False)
        out["mse"] = -evaluator(model)[f"{name}_negative_mse"]
    return out


def evaluate_parallel(
    encoder: Encoder,
    source: Sequence[str],
    target: Sequence[str],
    *,
    teacher: Encoder | None = None,
    name: str = "parallel",
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> dict[str, float]:
    """Accuracy (both ways, ×100) and, with a ``teacher``, MSE ×100 on any parallel set.

    ``source`` is the English side (what the teacher embeds), ``target`` its translation.
    """
    source, target = list(source), list(target)
    if len(source) != len(target) or not source:
        raise DataFormatError(
            f"{name}: {len(source)} source vs {len(target)} target sentences (need equal, > 0)"
        )
    model = embed_sets(
        encoder, {name: source + target}, batch_size=batch_size, cache=cache, progress=progress
    )
    teacher_model = None
    if teacher is not None:
        teacher_model = embed_sets(teacher, {name: source}, batch_size=batch_size, cache=cache)[name]
    return parallel_metrics(model[name], source, target, name, teacher_model)


def evaluate_flores(
    encoder: Encoder,
    languages: Sequence[str] | None = None,
    *,
    teacher: Encoder | None = None,
    batch_size: int = 32,
    cache=True,
    progress: bool = False,
) -> TaskResult:
    """FLORES-200 devtest, English vs each language: ``<lang>`` accuracy ×100, ``avg``; with a teacher also
    ``mse_<lang>`` and ``mse_avg``."""
    started = time.perf_counter()
    codes = [catalog.normalize_language(c, argument="languages") for c in (languages or FLORES_LANGUAGES)]
    codes = list(dict.fromkeys(c for c in codes if c != "en"))
    if not codes:
        raise UnknownLanguageError("argument 'languages' selects no FLORES language other than English")
    sides = {code: load_flores(code) for code in codes}
    stats: dict[str, int] = {}
    # One pass over the union: the English side is shared by every language.
    models = embed_sets(
        encoder,
        {code: eng + xxx for code, (eng, xxx) in sides.items()},
        batch_size=batch_size,
        cache=cache,
        progress=progress,
        stats=stats,
    )
    teacher_model = None
    if teacher is not None:
        english = list(dict.fromkeys(t for eng, _ in sides.values() for t in eng))
        teacher_model = embed_sets(teacher, {"flores-eng": english}, batch_size=batch_size, cache=cache)[
            "flores-eng"
        ]
    scores: dict[str, float] = {}
    details: dict[str, dict[str, float]] = {}
    for code, (eng, xxx) in sides.items():
        details[code] = parallel_metrics(models[code], eng, xxx, f"flores-{code}", teacher_model)
        scores[code] = details[code]["accuracy"]
    counts = {code: len(eng) for code, (eng, _) in sides.items()}
    scores["avg"] = sum(scores[c] for c in codes) / len(codes)
    if teacher is not None:
        for code in codes:
            scores[f"mse_{code}"] = details[code]["mse"]
        scores["mse_avg"] = sum(details[c]["mse"] for c in codes) / len(codes)
    return TaskResult(
        "flores",
        encoder.name,
        scores,
        counts=counts,
        details=details,
        config={
            "languages": codes,
            "teacher": teacher.name if teacher is not None else None,
            "metric": "translation accuracy x100 (mean of eng->xxx, xxx->eng); MSE x100 vs teacher(eng)",
            "data": "flores200-devtest",
        },
        seconds=round(time.perf_counter() - started, 3),
        embedding=stats,
    )
