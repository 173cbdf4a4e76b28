"""``evaluate(models, tasks, languages)``: every model on every task, and the ``python -m kit evaluate`` command.

Tasks:

=========  =========================================================================================
sts17      STS2017, the paper's 10 tracks: Spearman ×100, ``avg`` and ``cross_avg`` (7 cross-lingual)
stsb       STS benchmark test: English + de es fr it nl (stsb-multi-mt), Spearman ×100, ``avg``
stsb-dev-  the DEV task recipes are chosen on: STSb dev sentence 1 in English against sentence 2 in
cross      English, de, es, fr, it, nl (pairs shared with STS2017 left out), ``avg`` and ``cross_avg``
tatoeba    LASER Tatoeba retrieval, mean of both directions ×100, ``avg`` (default: the 7 training
           languages; ``languages="all"``: all 112)
flores     FLORES-200 devtest English vs ar de es fr it nl tr: translation accuracy ×100, and with a
           ``teacher`` MSE ×100 against the teacher's English embeddings
=========  =========================================================================================

``languages`` is one selection for all tasks (each task takes the codes it has; sts17 always runs its 10
tracks so that it stays comparable with the paper) or a dict ``{task: selection}`` applied strictly.

Example::

    >>> from kit.evaluation import evaluate
    >>> results = evaluate(["all-MiniLM-L6-v2", "use-multilingual"], tasks="sts17,tatoeba")  # doctest: +SKIP
    >>> results.table("sts17")["avg"]                                                     # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit import catalog
from kit.cache import EmbeddingCache
from kit.config import data_dir
from kit.errors import KitError, UnknownLanguageError
from kit.evaluation.results import EvaluationResults, TaskResult
from kit.evaluation.sts import (
    STSB_LANGUAGES,
    evaluate_sts17,
    evaluate_stsb,
    evaluate_stsb_dev_cross,
    sts17_file,
)
from kit.evaluation.tables import baseline_deltas, comparison_figure, comparison_table, to_markdown
from kit.evaluation.tatoeba import evaluate_tatoeba, resolve_language, resolve_languages
from kit.evaluation.translation import FLORES_LANGUAGES, evaluate_flores
from kit.sources.encoders import Encoder, as_encoder

logger = logging.getLogger(__name__)

TASKS: tuple[str, ...] = ("sts17", "stsb", "stsb-dev-cross", "tatoeba", "flores")


class UnknownTaskError(KitError, ValueError):
    """A task name the evaluation does not know."""


def parse_tasks(tasks: str | Sequence[str]) -> list[str]:
    """Task names from ``"sts17,stsb"`` or a list; an unknown one raises :class:`UnknownTaskError`."""
    names = [t.strip().lower() for t in (tasks.split(",") if isinstance(tasks, str) else tasks)]
    names = [t for t in names if t]
    unknown = [t for t in names if t not in TASKS]
    if unknown or not names:
        raise UnknownTaskError(
            f"unknown task {', '.join(map(repr, unknown)) or '(none given)'} for argument 'tasks'; "
            f"tasks are: {', '.join(TASKS)}"
        )
    return list(dict.fromkeys(names))


def _supported(task: str, code: str) -> str | None:
    """``code`` in the task's own spelling, or ``None`` when the task has no such language."""
    try:
        if task == "tatoeba":
            return resolve_language(code)
        iso1 = catalog.normalize_language(code)
    except UnknownLanguageError:
        return None
    if task in ("stsb", "stsb-dev-cross"):
        return iso1 if iso1 in STSB_LANGUAGES else None
    if task == "flores":
        return iso1 if iso1 in FLORES_LANGUAGES else None
    return None


def _task_languages(task: str) -> list[str]:
    if task == "tatoeba":
        return catalog.laser_languages()
    return list(STSB_LANGUAGES if task in ("stsb", "stsb-dev-cross") else FLORES_LANGUAGES)


def _strict(task: str, selection: Any) -> Any:
    """A per-task selection, checked before any model runs (every code must be one of the task's)."""
    if selection is None:
        return None
    if task == "sts17":  # a list of tracks
        tracks = [t.strip() for t in selection.split(",")] if isinstance(selection, str) else list(selection)
        for track in tracks:
            sts17_file(track)
        return tracks
    if task == "tatoeba":
        return resolve_languages(selection)
    codes = (
        [c.strip() for c in selection.split(",") if c.strip()] if isinstance(selection, str) else selection
    )
    for code in codes:
        if _supported(task, code) is None:
            raise UnknownLanguageError(
                f"task {task!r} has no language {code!r} (argument 'languages'); "
                f"its languages: {', '.join(_task_languages(task))}"
            )
    return list(dict.fromkeys(_supported(task, c) for c in codes))


def _is_english(code: str) -> bool:
    try:
        return catalog.normalize_language(code) == "en"
    except UnknownLanguageError:
        return False


def _select_languages(tasks: list[str], languages: Any) -> dict[str, Any]:
    """Per task: ``None`` (its default), ``"all"``, or a list of codes (a code no selected task has: error)."""
    if languages is None:
        return {t: None for t in tasks}
    if isinstance(languages, Mapping):
        unknown = [t for t in languages if t not in TASKS]
        if unknown:
            parse_tasks(unknown)
        return {t: _strict(t, languages.get(t)) for t in tasks}
    if isinstance(languages, str):
        if languages.strip().lower() == "all":
            return {t: ("all" if t == "tatoeba" else None) for t in tasks}
        languages = [c.strip() for c in languages.split(",") if c.strip()]
    codes = list(languages)
    per_task: dict[str, Any] = {t: [] for t in tasks}
    with_languages = [t for t in tasks if t != "sts17"]
    for code in codes:
        found = {t: _supported(t, code) for t in with_languages}
        if any(found.values()) or _is_english(code):
            for t, value in found.items():
                if value is not None:
                    per_task[t].append(value)
            continue
        if not any(_supported(t, code) for t in TASKS if t != "sts17"):
            valid = ", ".join(sorted({*catalog.laser_languages(), *STSB_LANGUAGES, *FLORES_LANGUAGES}))
            raise UnknownLanguageError(
                f"unknown language {code!r} for argument 'languages'; valid codes: {valid} "
                "(ISO 639-1 codes of the Tatoeba languages work too)"
            )
        # A language of some task, but of none of those selected: not silently ignored.
        lists = "; ".join(f"{t}: {', '.join(_task_languages(t))}" for t in with_languages)
        raise UnknownLanguageError(
            f"language {code!r} (argument 'languages') is in none of the selected tasks; their languages: {lists}"
        )
    for t in with_languages:
        if not per_task[t]:
            raise UnknownLanguageError(
                f"argument 'languages' ({', '.join(codes)}) selects no language of task {t!r}; "
                f"its languages: {', '.join(_task_languages(t))}"
            )
    per_task = {t: list(dict.fromkeys(codes)) for t, codes in per_task.items()}
    per_task["sts17"] = None
    return per_task


def _resolve_models(models: Any, precision: str = "float32") -> list[Encoder]:
    if isinstance(models, Mapping):
        encoders = [as_encoder(spec, name=str(label), precision=precision) for label, spec in models.items()]
    elif isinstance(models, str) or not isinstance(models, Sequence):
        encoders = [as_encoder(models, precision=precision)]
    else:
        encoders = [as_encoder(m, precision=precision) for m in models]
    seen: dict[str, int] = {}
    for enc in encoders:  # unique labels: "x", "x #2", ...
        seen[enc.name] = seen.get(enc.name, 0) + 1
        if seen[enc.name] > 1:
            enc.name = f"{enc.name} #{seen[enc.name]}"
    return encoders


def evaluate(
    models: Any,
    tasks: str | Sequence[str] = ("sts17",),
    languages: Any = None,
    *,
    batch_size: int = 32,
    teacher: Any = None,
    cache: bool | EmbeddingCache = True,
    precision: str = "float32",
    progress: bool = False,
    on_result: Callable[[TaskResult], None] | None = None,
) -> EvaluationResults:
    """Evaluate one or several encoders on the given tasks.

    Args:
        models: a registry name, a model folder, a ``SentenceTransformer``, a callable ``texts -> array``, a
            list of those, or a dict ``{label: model}``.
        tasks: names from :data:`TASKS`, as a list or ``"sts17,tatoeba"``.
        languages: ``None`` (each task's default), ``"all"``, codes (ISO 639-1/639-3) shared by the tasks, or
            ``{task: codes}``.
        batch_size: encoding batch size.
        teacher: an encoder whose English embeddings the ``flores`` MSE is measured against.
        cache: keep evaluation-set embeddings on disk (only for encoders with a stable identity); an
            :class:`~kit.cache.EmbeddingCache` uses that cache folder.
        precision: ``"float32"`` (default; what the reference numbers use) or ``"bf16"`` (SentenceTransformers
            only: ~2.5x faster on CPUs with AVX512-BF16/AMX, scores within a few tenths; for big sweeps
            such as Tatoeba over 112 languages).
        progress: show a progress bar while encoding.
        on_result: called with each :class:`TaskResult` as soon as it is ready.
    """
    task_names = parse_tasks(tasks)
    selection = _select_languages(task_names, languages)
    encoders = _resolve_models(models, precision)
    teacher_enc = as_encoder(teacher) if teacher is not None else None
    options = {"batch_size": batch_size, "cache": cache, "progress": progress}
    results: list[TaskResult] = []
    for enc in encoders:
        for task in task_names:
            sel = selection[task]
            if task == "sts17":
                result = evaluate_sts17(enc, **({"tracks": sel} if sel else {}), **options)
            elif task == "stsb":
                result = evaluate_stsb(enc, **({"languages": sel} if sel else {}), **options)
            elif task == "stsb-dev-cross":
                tracks = {"tracks": [f"en-{code}" for code in sel]} if sel else {}
                result = evaluate_stsb_dev_cross(enc, **tracks, **options)
            elif task == "tatoeba":
                result = evaluate_tatoeba(enc, sel, **options)
            else:
                result = evaluate_flores(enc, sel, teacher=teacher_enc, **options)
            result.config["model_fingerprint"] = enc.fingerprint
            logger.info("%s on %s: %.1f s", enc.name, task, result.seconds)
            if on_result is not None:
                on_result(result)
            results.append(result)
    config = {
        "models": [{"name": e.name, "fingerprint": e.fingerprint, "cached": bool(cache and e.fingerprint)}
                   for e in encoders],
        "tasks": task_names,
        "languages": languages if languages is None or isinstance(languages, str | Mapping) else list(languages),
        "batch_size": batch_size,
        "precision": precision,
        "teacher": teacher_enc.name if teacher_enc is not None else None,
        "data_dir": str(data_dir()),
    }  # fmt: skip
    return EvaluationResults(results, config)


def evaluate_for_results(
    model: Any, tasks: Sequence[str] = ("sts17",), languages: Any = None
) -> dict[str, float]:
    """Flat metrics of one model (``sts17_avg``, ``sts17_cross_avg``, ``tatoeba_avg``, ...) for results.json."""
    results = evaluate(model, tasks=tasks, languages=languages)
    return next(iter(results.summary().values()))


def report(results: EvaluationResults) -> str:
    """The printed report: the STS2017 comparison (with deltas to the measured baselines) and other tables."""
    parts: list[str] = []
    for task in results.tasks:
        if task == "sts17":
            parts += ["## STS2017 (Spearman x100): this run beside published and measured rows", ""]
            parts.append(to_markdown(comparison_table(results).drop(columns=["source"])))
            deltas = baseline_deltas(results)
            if len(deltas):
                parts += ["", "Difference to the kit's measured baseline (this run - baseline):", ""]
                parts.append(to_markdown(deltas))
        else:
            table = results.table(task)
            if table.shape[1] > 12:  # e.g. Tatoeba over 112 languages: languages as rows
                table = table.T
                table.index.name = "column"
            parts += [f"## {task}", "", to_markdown(table)]
        parts.append("")
    timing = ", ".join(f"{r.model}/{r.task} {r.seconds:.1f} s" for r in results.results)
    parts.append(f"time: {timing}")
    return "\n".join(parts)


def run_cli_evaluate(args: argparse.Namespace) -> int:
    """``python -m kit evaluate --model A --model B [--tasks ...] [--languages ...] [--out DIR]``."""
    started = time.perf_counter()

    def announce(r: TaskResult) -> None:
        encoded = r.embedding.get("texts_encoded", 0)
        print(f"[{r.model} / {r.task}] {r.seconds:.1f} s, {encoded} texts encoded", file=sys.stderr)

    results = evaluate(
        args.model,
        tasks=args.tasks,
        languages=getattr(args, "languages", None),
        batch_size=getattr(args, "batch_size", 32),
        teacher=getattr(args, "teacher", None),
        cache=not getattr(args, "no_cache", False),
        precision="bf16" if getattr(args, "bf16", False) else "float32",
        progress=getattr(args, "progress", False),
        on_result=announce,
    )
    text = report(results)
    print(text)
    if args.out:
        out = Path(args.out)
        csv_path, json_path = results.save(out)
        (out / "results.md").write_text(text + "\n", encoding="utf-8")
        written = [csv_path, json_path, out / "results.md"]
        if "sts17" in results.tasks:
            table = comparison_table(results)
            table.to_csv(out / "sts17_comparison.csv", float_format="%.2f")
            written.append(out / "sts17_comparison.csv")
            if getattr(args, "figure", False):
                comparison_figure(table).write_html(out / "sts17_comparison.html", include_plotlyjs=True)
                written.append(out / "sts17_comparison.html")
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
