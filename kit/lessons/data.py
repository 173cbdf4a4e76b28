"""Parallel data and measurements of the notebooks: TSV files, STS and Tatoeba of a few models, learning curves."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit._io import atomic_write
from kit.errors import KitError
from kit.lessons.runs import differences, run_record


def write_tsv(dataset: Any, path: str | os.PathLike) -> Path:
    """Write a parallel data set (columns ``english``, ``non_english``) as ``english<TAB>translation`` lines.

    Tabs and line breaks inside a sentence become spaces, so every line has exactly two fields (what
    :func:`kit.parallel.load_tsv` reads back).

    >>> import tempfile, pathlib
    >>> p = write_tsv({"english": ["Hi."], "non_english": ["Olá."]}, pathlib.Path(tempfile.mkdtemp()) / "pt.tsv")
    >>> p.read_text(encoding="utf-8")
    'Hi.\\tOlá.\\n'
    """
    path = Path(path)

    def flat(text: str) -> str:
        return " ".join(text.replace("\t", " ").splitlines()).strip()

    lines = [
        f"{flat(e)}\t{flat(x)}\n" for e, x in zip(dataset["english"], dataset["non_english"], strict=True)
    ]
    if not lines:
        raise KitError("the data set is empty: nothing to write")
    with atomic_write(path, "w") as handle:
        handle.write("".join(lines))
    return path


def sts_models(config: Any, distilled: str | os.PathLike) -> dict[str, Any]:
    """The models of notebook 5's STS2017 table: teacher, base student and distilled student, labelled.

    A ``"self"`` teacher is the base student's own English side; a teacher that is the base student (the FAST
    lessons distil all-MiniLM-L6-v2 into a copy of itself) gets one row. The paper's kind of English teacher,
    all-MiniLM-L6-v2, is always included.

    >>> from kit.train import PRESETS
    >>> list(sts_models(PRESETS["cpu"], "runs/x/model"))
    ['English teacher: all-MiniLM-L6-v2', 'teacher = base student: multilingual-e5-small', 'distilled student']
    """
    teachers = [spec.model for spec in config.teacher_specs]
    models: dict[str, Any] = {}
    if "all-MiniLM-L6-v2" not in (*teachers, config.student):
        models["English teacher: all-MiniLM-L6-v2"] = "all-MiniLM-L6-v2"
    for teacher in teachers:
        if teacher == config.student:
            models[f"teacher = base student: {teacher}"] = teacher
        else:
            models[f"teacher: {teacher}"] = teacher
    if config.student not in teachers:
        models[f"base student: {config.student}"] = config.student
    models["distilled student"] = str(distilled)
    return models


def tatoeba_accuracy(model: Any, languages: str | Sequence[str]) -> dict[str, float]:
    """LASER Tatoeba retrieval accuracy (0-1, mean of both directions) of ``model`` per language.

    >>> tatoeba_accuracy("multilingual-e5-small", ["pt"])                       # doctest: +SKIP
    {'pt': 0.93}
    """
    from kit.catalog import normalize_language
    from kit.evaluation import evaluate_tatoeba
    from kit.sources import as_encoder

    codes = [languages] if isinstance(languages, str) else list(languages)
    result = evaluate_tatoeba(as_encoder(model), codes)
    scores = [v for k, v in result.scores.items() if k != "avg"]
    return {normalize_language(code): value / 100 for code, value in zip(codes, scores, strict=True)}


def learning_curve(
    config: Any,
    sizes: Sequence[int],
    run_dir: str | os.PathLike,
    measure: Callable[[Any], Mapping[str, float]],
    *,
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Distil once per training-set size and measure each student: how much parallel data is enough.

    ``sizes`` are pairs per language (0 measures the untrained student). Each run trains for the config's
    epochs over its pairs (``max_steps`` is cleared, so a bigger set gets more steps; dev evaluation runs only
    before and after training) into its own folder ``<run_dir>/<languages>-<size>-pairs``: a finished run of
    the same weight settings there is reused (it says so); a run of other settings (e.g. another TSV) is replaced
    (these folders are throwaway: ``distill(..., resume=False)``), never reused. Each student is measured with ``measure(model) -> {name: value}``; ``on_point`` sees each row as soon as it
    is ready (e.g. to redraw a figure). Returns rows ``{"pairs": n, "steps": ..., "model_path": ..., **measure}``.

    >>> rows = learning_curve(cfg, [0, 200, 800], "runs/curve",
    ...                       lambda m: tatoeba_accuracy(m, "pt"))               # doctest: +SKIP
    """
    from kit.train import distill

    rows: list[dict[str, Any]] = []
    for size in sizes:
        if size == 0:
            row: dict[str, Any] = {"pairs": 0, "steps": 0, "model_path": None, **measure(config.student)}
        else:
            run = config.replace(
                max_pairs_per_language=int(size), max_steps=-1, save_steps=10**6, eval_steps=10**6
            )
            folder = Path(run_dir) / f"{'-'.join(run.languages)}-{int(size)}-pairs"
            record = run_record(folder)
            if record is not None and differences(run, folder) == []:
                print(f"{int(size)} pairs: reusing the finished run of the same settings in {folder}")
                model, model_path, steps = str(folder / "model"), folder / "model", int(record["steps"])
            else:
                result = distill(run, folder, resume=False)
                model, model_path, steps = result.model, result.model_path, int(result.metrics["steps"])
            row = {"pairs": int(size), "steps": steps, "model_path": str(model_path), **measure(model)}
        rows.append(row)
        if on_point is not None:
            on_point(row)
    return rows


def tatoeba_tsv(language: str, folder: str | os.PathLike) -> Path:
    """All Tatoeba Challenge pairs of ``language`` written as ``<folder>/en-<language>.tsv`` (notebook 6's stand-in
    for your own file). Only the catalog's Tatoeba Challenge languages have pairs; others get a clear error that
    says to bring a TSV."""
    from kit import catalog, parallel

    code = catalog.normalize_language(language)
    available = sorted(catalog.normalize_language(c) for c in catalog.tatoeba_challenge_languages())
    if code not in available:
        raise KitError(
            f"no Tatoeba Challenge pairs ship for {language!r} (they do for {', '.join(available)}): "
            "write your own english<TAB>translation file and set TSV_PATH to it"
        )
    pairs = parallel.load_tatoeba_challenge([code], seed=0)
    return write_tsv(pairs, Path(folder) / f"en-{code}.tsv")
