"""What the notebooks do beyond one call into the pipeline, as small functions (so notebook cells stay short).

- :func:`record_metrics`: write a notebook's key numbers as JSON (the notebook tests read them back);
- :func:`distilled_model`: a distilled student to look at: the one given, one that an earlier notebook saved,
  or a quick one trained now;
- :func:`write_tsv`: a parallel data set as ``english<TAB>translation`` lines ("bring your own TSV");
- :func:`tatoeba_accuracy`: LASER Tatoeba retrieval accuracy of one model for some languages;
- :func:`learning_curve`: distil with growing amounts of parallel data and measure each student
  (how much data is enough, as in the paper's analysis).

Example::

    >>> from kit import lessons
    >>> lessons.record_metrics(None, {"accuracy": 0.9})
    {'accuracy': 0.9}
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit._io import atomic_write, write_json
from kit.errors import KitError

__all__ = [
    "EXAMPLES",
    "FAST_LANGUAGES",
    "describe_config",
    "distilled_model",
    "learning_curve",
    "lesson_config",
    "record_metrics",
    "sts_models",
    "tatoeba_accuracy",
    "write_tsv",
]

#: Five English sentences with an English paraphrase and a German translation each (notebooks 2 and 3).
EXAMPLES: dict[str, list[str]] = {
    "english": [
        "The cat sleeps on the sofa.",
        "I need to buy milk.",
        "It is raining again.",
        "Where is the train station?",
        "She plays the violin very well.",
    ],
    "paraphrases": [
        "A cat is asleep on the couch.",
        "I have to get some milk.",
        "It's raining once more.",
        "How do I get to the railway station?",
        "She is an excellent violinist.",
    ],
    "german": [
        "Die Katze schläft auf dem Sofa.",
        "Ich muss Milch kaufen.",
        "Es regnet schon wieder.",
        "Wo ist der Bahnhof?",
        "Sie spielt sehr gut Geige.",
    ],
}

#: Languages of the notebooks' FAST runs (the ``notebook-fast`` preset's): Latin-script languages that an English
#: word-piece vocabulary can spell.
FAST_LANGUAGES: tuple[str, ...] = ("de", "es", "fr")


def lesson_config(fast: bool, **changes: Any):
    """The distillation config the notebooks train with (``changes`` are applied on top).

    ``fast=False``: the kit's ``cpu`` preset (English side of multilingual-e5-small as the target, seven
    languages, a 20-minute budget on 2 cores).

    ``fast=True``: the ``notebook-fast`` preset, about a minute on 2 cores: all-MiniLM-L6-v2 distilled into a
    copy of itself on German, Spanish and French (``kit.train.PRESETS`` says why).

    >>> lesson_config(True).student, lesson_config(False).name
    ('all-MiniLM-L6-v2', 'cpu')
    """
    from kit.train import PRESETS

    return PRESETS["notebook-fast" if fast else "cpu"].replace(**changes)


def describe_config(config: Any) -> dict[str, Any]:
    """The fields of a :class:`kit.train.DistillConfig` a reader wants to see first.

    >>> describe_config(lesson_config(True))["student"]
    'all-MiniLM-L6-v2'
    """
    keys = ("name", "teacher", "student", "languages", "data", "max_pairs_per_language", "batch_size")
    keys += ("learning_rate", "max_steps", "epochs", "eval_steps", "time_budget_minutes")
    return {key: getattr(config, key) for key in keys}


def record_metrics(path: str | os.PathLike | None, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``metrics`` as JSON to ``path`` (nothing when ``path`` is None) and return them as a dict.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> record_metrics(p, {"a": 1})["a"], json.loads(p.read_text())["a"]
    (1, 1)
    """
    metrics = json.loads(json.dumps(dict(metrics), default=_plain))
    if path:
        write_json(path, metrics)
    return metrics


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    return str(value)


def distilled_model(
    model: str | os.PathLike | None,
    config: Any,
    run_dir: str | os.PathLike,
    *,
    callbacks: Sequence[Any] = (),
) -> Path:
    """The folder of a distilled student: ``model`` if given, else ``run_dir/model`` if an earlier run saved
    one there, else a new :func:`kit.train.distill` run of ``config`` into ``run_dir``.

    >>> from kit.train import PRESETS
    >>> path = distilled_model(None, PRESETS["smoke"], "runs/03_distillation")   # doctest: +SKIP
    """
    if model:
        path = Path(model).expanduser()
        if not (path / "modules.json").exists():
            raise KitError(f"{path} is not a saved SentenceTransformer folder (no modules.json)")
        return path
    run_dir = Path(run_dir)
    if (run_dir / "results.json").exists() and (run_dir / "model" / "modules.json").exists():
        return run_dir / "model"
    from kit.train import distill

    return distill(config, run_dir, callbacks=list(callbacks)).model_path


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
    before and after training) and is measured with ``measure(model) -> {name: value}``. ``on_point`` sees each row as soon as it is ready (e.g. to redraw a
    figure). Returns rows ``{"pairs": n, "steps": ..., **measure(model)}``.

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
            result = distill(run, Path(run_dir) / f"pairs-{size}", resume=False)
            row = {
                "pairs": int(size),
                "steps": int(result.metrics["steps"]),
                "model_path": str(result.model_path),
                **measure(result.model),
            }
        rows.append(row)
        if on_point is not None:
            on_point(row)
    return rows
