"""What the notebooks do beyond one call into the pipeline, as small functions (so notebook cells stay short).

- runs that cannot be confused: :func:`run_dir` is a config's folder (``<runs>/<config name>``), where
  :func:`kit.train.distill` refuses a run of other settings (``run.json``, :mod:`kit.train.run_folder`);
  :func:`distilled_model` loads a student only if it was trained by the config a notebook expects, and says what
  it loaded (:func:`describe_run`);
- the loop in plain sight (notebook 3): :func:`labelled_pairs`, :func:`untrained_student`, :func:`batches`,
  :func:`features`; :func:`compare_objectives` + :func:`objectives_figure` (why fixed targets need no negatives);
- the teacher as a choice: :data:`TEACHERS`, :func:`teacher_table`, :func:`show_budget_curve`;
- :func:`record_metrics`: write a notebook's key numbers as JSON (the notebook tests read them back);
- :func:`write_tsv`, :func:`tatoeba_tsv`: a parallel data set as ``english<TAB>translation`` lines;
- :func:`tatoeba_accuracy`: LASER Tatoeba retrieval accuracy of one model for some languages;
- :func:`learning_curve`: distil with growing amounts of parallel data and measure each student;
- :func:`repository_url`, :func:`sync_repository_url`: the one setting that names the repository (pyproject.toml).

Example::

    >>> from kit import lessons
    >>> lessons.record_metrics(None, {"accuracy": 0.9})
    {'accuracy': 0.9}
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kit._io import atomic_write, write_json
from kit.errors import KitError

__all__ = [
    "EXAMPLES",
    "FAST_LANGUAGES",
    "OBJECTIVES",
    "PAPER_URL",
    "TEACHERS",
    "RunMismatchError",
    "Stopwatch",
    "batches",
    "compare_objectives",
    "describe_config",
    "describe_run",
    "differences",
    "distilled_model",
    "extension_config",
    "features",
    "labelled_pairs",
    "learning_curve",
    "lesson_config",
    "objectives_figure",
    "record_metrics",
    "repository_url",
    "run_dir",
    "run_record",
    "show_budget_curve",
    "similarity_grid",
    "sts_models",
    "sync_repository_url",
    "tatoeba_accuracy",
    "tatoeba_tsv",
    "teacher_table",
    "to_device",
    "untrained_student",
    "write_tsv",
]

#: Reimers & Gurevych (2020), the method the notebooks teach.
PAPER_URL = "https://arxiv.org/abs/2004.09813"

#: Five English sentences with an English paraphrase and translations (notebooks 2 and 3; the French, Dutch and
#: Turkish ones are for notebook 2's first exercise).
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
    "french": [
        "Le chat dort sur le canapé.",
        "Je dois acheter du lait.",
        "Il pleut encore.",
        "Où est la gare ?",
        "Elle joue très bien du violon.",
    ],
    "dutch": [
        "De kat slaapt op de bank.",
        "Ik moet melk kopen.",
        "Het regent weer.",
        "Waar is het station?",
        "Ze speelt heel goed viool.",
    ],
    "turkish": [
        "Kedi kanepede uyuyor.",
        "Süt almam gerekiyor.",
        "Yine yağmur yağıyor.",
        "Tren istasyonu nerede?",
        "Çok iyi keman çalıyor.",
    ],
}

#: Languages of the notebooks' FAST runs (the ``notebook-fast`` preset's): Latin-script languages that an English
#: word-piece vocabulary can spell.
FAST_LANGUAGES: tuple[str, ...] = ("de", "es", "fr")


def lesson_config(fast: bool, **changes: Any):
    """The distillation config the notebooks train with (``changes`` are applied on top).

    ``fast=False``: the kit's ``cpu`` preset (English side of multilingual-e5-small as the target, seven
    languages, a 20-minute training budget).

    ``fast=True``: the ``notebook-fast`` preset: all-MiniLM-L6-v2 distilled into a copy of itself on German,
    Spanish and French (``kit.train.PRESETS`` says why).

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


# ------------------------------------------------------------------------------------ runs that cannot be confused


class RunMismatchError(KitError):
    """A model was trained by another config than the one a notebook expects."""


def run_dir(runs: str | os.PathLike, config: Any) -> Path:
    """The folder a notebook trains ``config`` into: ``<runs>/<config name>``.

    One folder holds one run (:mod:`kit.train.run_folder`): ``distill`` records the config in ``run.json`` and
    refuses to continue a folder that holds a run of other settings, naming them. So a changed config needs a
    new ``name`` (another folder) or ``restart=True`` (the old run is moved aside).

    >>> from kit.train import PRESETS
    >>> run_dir("runs/03_distillation", PRESETS["notebook-fast"]).as_posix()
    'runs/03_distillation/notebook-fast'
    """
    name = re.sub(r"[^A-Za-z0-9_.+-]+", "_", str(config.name)) or "run"
    return Path(runs) / name


def _run_folder(path: Path) -> Path | None:
    """The run folder of ``path``: itself, or the run a saved model folder (``<run>/model``) belongs to."""
    from kit.train.run_folder import RUN_FILE

    if (path / "results.json").is_file() or (path / RUN_FILE).is_file():
        return path
    if path.name == "model" and (
        (path.parent / "results.json").is_file() or (path.parent / RUN_FILE).is_file()
    ):
        return path.parent
    return None


def run_record(path: str | os.PathLike) -> dict[str, Any] | None:
    """The ``results.json`` of a finished run (a run folder, or a model folder ``<run>/model``); None when the
    run has not finished (or there is none)."""
    folder = _run_folder(Path(path))
    if folder is None or not (folder / "results.json").is_file() or not (folder / "model").is_dir():
        return None
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def _run_json(path: str | os.PathLike) -> dict[str, Any] | None:
    from kit.train.run_folder import RUN_FILE

    folder = _run_folder(Path(path))
    try:
        record = json.loads((folder / RUN_FILE).read_text(encoding="utf-8")) if folder else None
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "weights" in record else None


def differences(config: Any, path: str | os.PathLike) -> list[str] | None:
    """The weight-deciding settings in which the run at ``path`` differs from ``config`` (``"name old → new"``,
    the words of ``distill``'s own refusal); ``[]``: the same weights; None: the run records no config.

    >>> from kit.train import PRESETS
    >>> differences(PRESETS["notebook-fast"], "no/such/run") is None
    True
    """
    from kit.train.run_folder import changed_settings, weight_settings

    record = _run_json(path)
    if record is None:
        return None
    return changed_settings(record["weights"], weight_settings(config))


def describe_run(model_path: str | os.PathLike) -> str:
    """Two lines: which model this is, and which config trained it (from its run's ``run.json`` and
    ``results.json``)."""
    record, results = _run_json(model_path), run_record(model_path)
    if record is None:
        return f"model {model_path}: no run.json beside it, so which config trained it is unknown"
    config = record["config"]
    done = (
        f"{results['steps']} steps of {config['batch_size']} pairs in {results['wall_time_s']:.0f} s"
        if results
        else "not finished"
    )
    return (
        f"model {model_path}\n  trained by config {config['name']!r} (fingerprint {record['fingerprint']}): "
        f"student {config['student']}, teacher {config['teacher']}, languages {','.join(config['languages'])}, "
        f"{done}"
    )


def distilled_model(
    model: str | os.PathLike | None,
    config: Any,
    runs: str | os.PathLike,
    *,
    train_if_missing: bool = True,
    callbacks: Sequence[Any] = (),
) -> Path:
    """The folder of a distilled student trained by ``config``, and a printed line that says which it is.

    - ``model`` given: that folder; if its run's ``run.json`` records other weight settings,
      :class:`RunMismatchError` names them;
    - else the finished run in :func:`run_dir` (``<runs>/<config name>``), as notebook 3 saved it, if it was
      trained by the same settings (else :class:`RunMismatchError`);
    - else, with ``train_if_missing``, :func:`kit.train.distill` of ``config`` into that folder (it says so before
      it starts; an interrupted run there resumes); without, a :class:`KitError` that says which notebook to run.

    >>> from kit.train import PRESETS
    >>> path = distilled_model(None, PRESETS["notebook-fast"], "runs/03_distillation")   # doctest: +SKIP
    """
    if model:
        path = Path(model).expanduser()
        if not (path / "modules.json").exists():
            raise KitError(f"{path} is not a saved SentenceTransformer folder (no modules.json)")
        _check_same(config, path)
        print(describe_run(path))
        return path
    folder = run_dir(runs, config)
    if run_record(folder) is not None:
        _check_same(config, folder)
        print(describe_run(folder / "model"))
        return folder / "model"
    if not train_if_missing:
        raise KitError(
            f"no finished run of config {config.name!r} in {folder}. Run notebook 3 with the same FAST setting "
            "first, pass STUDENT_MODEL, or set TRAIN_IF_MISSING = True to train it here."
        )
    from kit.train import distill

    print(f"No finished run of config {config.name!r} in {folder}: training it now, as notebook 3 would.")
    result = distill(config, folder, callbacks=list(callbacks))
    print(describe_run(result.model_path))
    return result.model_path


def _check_same(config: Any, path: Path) -> None:
    changed = differences(config, path)
    if changed:
        raise RunMismatchError(
            f"{path} was trained by other settings than the config this notebook evaluates ({config.name!r}; "
            "the run's → this notebook's): "
            + "; ".join(changed)
            + ". Pass the model of a run of this config, or set FAST / the config to the one that trained it."
        )


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


def extension_config(fast: bool, tsv: str | os.PathLike, language: str, *, dev_pairs: int = 50):
    """Notebook 6's config for one language from a TSV, and how many pairs it leaves for training.

    The dev split takes ``dev_pairs`` pairs, or a fifth of a small file (at least 2), so that a file of 20 pairs
    still trains on 16. Returns ``(config, available)``: ``available`` counts the training pairs after cleaning,
    the leakage guard and the dev split (the most a learning-curve point can use).
    """
    from kit.train.data import load_parallel_data

    config = lesson_config(fast, data=str(tsv), languages=(language,), max_pairs_per_language=None)
    # counted before the dev split: any valid dev size will do here
    _, _, counts = load_parallel_data(config.replace(dev_pairs_per_language=1), verbose=False)
    guarded = counts["after_leakage_guard"]
    dev = min(dev_pairs, max(2, guarded // 5))
    available = guarded - dev
    if available <= 0:
        raise KitError(
            f"{tsv}: no pairs left for training after cleaning and the leakage guard ({guarded} left)"
        )
    return config.replace(dev_pairs_per_language=dev), available


# ------------------------------------------------------------------------------------ the loop in plain sight

_TEACHER_SHAPES: dict[tuple[str, str], tuple[int, bool]] = {}


def labelled_pairs(config: Any):
    """The training and dev pairs of ``config`` as :func:`kit.train.distill` prepares them (cleaned,
    leakage-guarded, dev pairs held out), each with the teacher's vector of its English side as ``label`` (from the
    label cache, which ``distill`` then reuses). Returns ``(train, dev)``.

    >>> pairs, dev_pairs = labelled_pairs(lesson_config(True))               # doctest: +SKIP
    >>> pairs.column_names                                                      # doctest: +SKIP
    ['english', 'non_english', 'language', 'label']
    """
    from kit.train import build_teacher, load_parallel_data

    train, dev, _ = load_parallel_data(config, verbose=False)
    teacher = build_teacher(config)
    train, dev = teacher.label(train), teacher.label(dev)
    _TEACHER_SHAPES[(config.teacher, config.student)] = (teacher.dim, bool(teacher.normalize))
    teacher.release()
    return train, dev


def untrained_student(config: Any, train: Any = None, dev: Any = None):
    """The student of ``config`` before training, built as :func:`kit.train.distill` builds it (projection into
    the teacher's space if the dimensions differ, ``Normalize`` for unit targets, frozen word embeddings unless
    ``freeze_embeddings=False``, the config's dropout), in training mode.

    A static student (``"static:<init>"``) is trimmed to the vocabulary of ``train`` and ``dev`` (the pairs of
    :func:`labelled_pairs`), as ``distill`` trims it; without them it keeps the whole table."""
    from kit import static
    from kit.student import build_student, set_dropout

    shape = _TEACHER_SHAPES.get((config.teacher, config.student))
    if shape is None:
        from kit.train import build_teacher

        teacher = build_teacher(config)
        shape = _TEACHER_SHAPES[(config.teacher, config.student)] = (teacher.dim, bool(teacher.normalize))
        teacher.release()
    student = build_student(
        config.student,
        teacher_dim=shape[0],
        normalize=shape[1],
        projection=config.projection,
        freeze_embeddings=config.freeze_embeddings,
        max_seq_length=config.max_seq_length,
        static_texts=static.vocabulary_texts(config, train, dev)
        if static.is_static(config.student) and train is not None
        else None,
    )
    if config.dropout is not None:
        set_dropout(student, config.dropout)
    return student.train()


def to_device(batch: Mapping[str, Any], device: Any) -> dict[str, Any]:
    """Move the tensors of a tokenised batch to ``device`` (the student's), leave everything else as it is."""
    return {key: value.to(device) if hasattr(value, "to") else value for key, value in batch.items()}


def features(student: Any, columns: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The tokenised columns as ``MSELoss`` receives them from the trainer: one feature dict per text column."""
    return [to_device(student.preprocess(list(texts)), student.device) for texts in columns]


def batches(
    pairs: Any, batch_size: int, *, steps: int | None = None, seed: int = 0
) -> Iterator[tuple[list[str], list[str], Any]]:
    """``(english, translations, targets)`` batches of labelled pairs in a shuffled order (``seed``), cycling
    through the pairs, ``steps`` of them (None: one pass); ``targets`` is a float32 tensor of teacher vectors.

    >>> fake = {"english": ["a", "b", "c"], "non_english": ["x", "y", "z"], "label": [[1.0], [2.0], [3.0]]}
    >>> [len(en) for en, _, _ in batches(fake, 2)]
    [2, 1]
    """
    import numpy as np
    import torch

    english, other, labels = list(pairs["english"]), list(pairs["non_english"]), np.asarray(pairs["label"])
    order = np.random.default_rng(seed).permutation(len(english))
    total = steps if steps is not None else -(-len(english) // batch_size)
    for step in range(total):
        start = (step * batch_size) % len(english)
        rows = order[start : start + batch_size]
        yield (
            [english[i] for i in rows],
            [other[i] for i in rows],
            torch.tensor(labels[rows], dtype=torch.float32),
        )


#: The three objectives :func:`compare_objectives` trains with: the paper's, and two that each lack one of its parts.
OBJECTIVES = {
    "paper: ½[MSE(s(en), t) + MSE(s(x), t)]": "paper",
    "no English term: MSE(s(x), t)": "no_english",
    "no teacher: MSE(s(x), s(en))": "no_teacher",
}


def compare_objectives(
    config: Any,
    pairs: Any,
    probe: Any,
    *,
    steps: int = 20,
    batch_size: int | None = None,
    every: int = 5,
) -> list[dict[str, Any]]:
    """Train a fresh student of ``config`` with each of :data:`OBJECTIVES` on the same batches, and measure on
    held-out ``probe`` pairs every ``every`` steps:

    - ``english_vs_teacher``: mean cosine of the student's English with the teacher's (1: in the teacher's space);
    - ``translation_cosine``: mean cosine of a translation with its English sentence (alignment);
    - ``random_cosine``: mean cosine of an English sentence with other sentences' translations (collapse: → 1).

    Returns rows ``{"objective", "step", "loss", ...}``. What it shows: with fixed teacher targets the loss can
    only fall by putting each sentence near its own target, so nothing collapses; without a teacher, pulling
    translations together is also solved by pulling *everything* together; without the English term, the
    student's English drifts out of the teacher's space.
    """
    import torch
    import torch.nn.functional as F

    batch_size = batch_size or config.batch_size
    probe_en, probe_x = list(probe["english"]), list(probe["non_english"])
    probe_t = torch.tensor(probe["label"], dtype=torch.float32)
    rows: list[dict[str, Any]] = []
    for label, kind in OBJECTIVES.items():
        torch.manual_seed(config.seed)
        student = untrained_student(config)
        optimizer = torch.optim.AdamW(
            [p for p in student.parameters() if p.requires_grad], lr=config.learning_rate
        )

        def embed(texts, student=student):
            return student(features(student, [texts])[0])["sentence_embedding"]

        def measure(step: int, loss: float | None, student=student, label=label) -> None:
            student.eval()
            with torch.no_grad():
                en, x = F.normalize(embed(probe_en), dim=-1), F.normalize(embed(probe_x), dim=-1)
                sims = en @ x.T
                n = len(sims)
                rows.append({
                    "objective": label, "step": step, "loss": loss,
                    "english_vs_teacher": float((en * F.normalize(probe_t, dim=-1)).sum(-1).mean()),
                    "translation_cosine": float(sims.diagonal().mean()),
                    "random_cosine": float((sims.sum() - sims.diagonal().sum()) / (n * n - n)),
                })  # fmt: skip
            student.train()

        measure(0, None)
        for step, (english, other, target) in enumerate(batches(pairs, batch_size, steps=steps), start=1):
            s_en, s_x = embed(english), embed(other)
            if kind == "paper":
                loss = (F.mse_loss(s_en, target) + F.mse_loss(s_x, target)) / 2
            elif kind == "no_english":
                loss = F.mse_loss(s_x, target)
            else:
                loss = F.mse_loss(s_x, s_en)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % every == 0 or step == steps:
                measure(step, loss.item())
    return rows


def objectives_figure(rows: Sequence[Mapping[str, Any]], *, title: str | None = None):
    """Three panels of :func:`compare_objectives`: the student's English vs the teacher's, translation-pair
    cosine, random-pair cosine; one line per objective."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = {
        "english_vs_teacher": "student's English vs teacher's (cosine)",
        "translation_cosine": "translation pairs (cosine)",
        "random_cosine": "random pairs (cosine): collapse → 1",
    }
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(panels.values()), horizontal_spacing=0.07)
    colours = ("#1F77B4", "#FF7F0E", "#D62728")
    for k, objective in enumerate(dict.fromkeys(row["objective"] for row in rows)):
        mine = [row for row in rows if row["objective"] == objective]
        for col, key in enumerate(panels, start=1):
            fig.add_trace(
                go.Scatter(
                    x=[row["step"] for row in mine],
                    y=[row[key] for row in mine],
                    mode="lines+markers",
                    name=objective,
                    legendgroup=objective,
                    showlegend=col == 1,
                    line={"color": colours[k % len(colours)]},
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(range=[-0.05, 1.05])
    fig.update_layout(
        title=title or "Three objectives on the same batches, measured on held-out pairs",
        height=420,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def similarity_grid(
    models: Mapping[str, Any], english: Sequence[str], translations: Sequence[str], *, title: str
):
    """One cosine heatmap per model (English rows × translation columns), side by side, and per model the mean
    of the diagonal (translation pairs) and of the rest (other pairs), computed from the same vectors."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from kit.sources import embed

    fig = make_subplots(rows=1, cols=len(models), subplot_titles=list(models), horizontal_spacing=0.12)
    means = {}
    for col, (label, model) in enumerate(models.items(), start=1):
        sims = (embed(model, english) @ embed(model, translations).T).round(2)
        n = len(sims)
        means[label] = {
            "diagonal": float(sims.trace() / n),
            "other": float((sims.sum() - sims.trace()) / (n * n - n)),
        }
        short = [t if len(t) <= 28 else t[:27] + "…" for t in translations]
        fig.add_trace(
            go.Heatmap(
                z=sims, x=short, y=[t if len(t) <= 28 else t[:27] + "…" for t in english], zmin=-0.2, zmax=1,
                colorscale="Viridis", text=sims, texttemplate="%{text:.2f}", showscale=col == len(models),
            ),
            row=1, col=col,
        )  # fmt: skip
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, row=1, col=col)
    fig.update_layout(title=title, height=140 + 45 * len(english), template="plotly_white")
    return fig, means


# ------------------------------------------------------------------------------------ the teacher is a choice

#: The teachers the notebooks compare, with what the kit measured for each *as it is* (before any training):
#: STS2017 (Spearman ×100: average of 10 tracks, of the 7 cross-lingual ones, en-en) and the dev task
#: ``stsb-dev-cross`` (average of en-X). Sources: kit.evaluation.published.MEASURED_STS17 and bench/README.md
#: "Teachers" (both measured offline on a 2-core CPU; ``python -m kit evaluate`` reproduces the single models).
TEACHERS: dict[str, dict[str, Any]] = {
    "English teacher (the paper's kind)": {
        "teacher": "all-MiniLM-L6-v2",
        "used by": "notebook-fast (FAST = True)",
        "sts17_avg": 35.7, "sts17_cross_avg": 24.1, "sts17_en-en": 87.6, "dev_en_x": None,
        "source": "kit.evaluation.published (measured)",
    },
    "self-teacher (the student's own English side)": {
        "teacher": "self (multilingual-e5-small)",
        "used by": "cpu (FAST = False, make demo)",
        "sts17_avg": 74.05, "sts17_cross_avg": 70.39, "sts17_en-en": 87.25, "dev_en_x": 76.61,
        "source": "bench/README.md, Teachers",
    },
    "stronger teacher: mUSE": {
        "teacher": "use-multilingual",
        "used by": "(evaluation reference)",
        "sts17_avg": 78.10, "sts17_cross_avg": 77.29, "sts17_en-en": 85.10, "dev_en_x": 77.50,
        "source": "bench/README.md, Teachers",
    },
    "combined: self × 0.6 + mUSE × 0.4": {
        "teacher": "self*0.6+use-multilingual*0.4",
        "used by": "transfer (candidate, not yet measured trained)",
        "sts17_avg": 80.03, "sts17_cross_avg": 79.15, "sts17_en-en": 87.43, "dev_en_x": 79.68,
        "source": "bench/README.md, Teachers",
    },
}  # fmt: skip


def teacher_table(evaluate: Sequence[str] = (), *, highlight: str | None = None):
    """:data:`TEACHERS` as a table; the teachers named in ``evaluate`` (by their ``teacher`` value, single models
    only) are scored now on STS2017 and the dev task instead (minutes per model on a CPU; cached afterwards).
    ``highlight``: a ``teacher`` value whose row is marked ``◀ this run``."""
    import pandas as pd

    rows = {label: dict(entry) for label, entry in TEACHERS.items()}
    for label, row in rows.items():
        name = row["teacher"].split(" ")[0]
        if name in evaluate:
            from kit.evaluation import evaluate as run_evaluation

            model = "multilingual-e5-small" if name == "self" else name
            flat = next(iter(run_evaluation({label: model}, tasks="sts17,stsb-dev-cross").summary().values()))
            row.update({
                "sts17_avg": flat.get("sts17_avg"), "sts17_cross_avg": flat.get("sts17_cross_avg"),
                "sts17_en-en": flat.get("sts17_en-en"), "dev_en_x": flat.get("stsb-dev-cross_cross_avg"),
                "source": "evaluated now",
            })  # fmt: skip
        if highlight is not None:
            row["this run"] = (
                "◀ this run" if highlight in (row["teacher"], row["teacher"].split(" ")[0]) else ""
            )
    columns = {
        "sts17_avg": "STS2017 avg", "sts17_cross_avg": "STS2017 cross-lingual", "sts17_en-en": "STS2017 en-en",
        "dev_en_x": "dev en-X (stsb-dev-cross)",
    }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").rename(columns=columns)


def show_budget_curve(path: str | os.PathLike | None = None) -> None:
    """Display ``bench/reports/quality_vs_time.png`` (STS2017 against minutes of CPU training: the paper's recipe
    with an English teacher against the ``cpu`` preset's self-teacher) when this checkout has it; otherwise say
    where it lives."""
    path = (
        Path(path)
        if path
        else Path(__file__).resolve().parent.parent / "bench" / "reports" / "quality_vs_time.png"
    )
    if not path.is_file():
        print(
            f"{path.name} is not in this installation; it is in the repository: {repository_url()}/blob/main/bench/reports/"
        )
        return
    from IPython.display import Image, display

    print(f"{path} (from bench/README.md; not measured by this notebook):")
    display(Image(filename=str(path), width=820))


# ------------------------------------------------------------------------------------ time, data, repository


class Stopwatch:
    """Wall time since it was made: ``print(clock)`` says ``"1 min 23 s"`` (each notebook prints its own)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def __str__(self) -> str:
        minutes, seconds = divmod(round(self.seconds), 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


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


def _pyproject() -> Path:
    return Path(__file__).resolve().parent.parent / "pyproject.toml"


def repository_url() -> str:
    """The repository's address: ``[project.urls] Repository`` of pyproject.toml (of the installed package's
    metadata when there is no pyproject.toml beside the kit)."""
    path = _pyproject()
    if path.is_file():
        found = re.search(r'^Repository\s*=\s*"([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            return found.group(1).rstrip("/")
    from importlib.metadata import metadata

    for entry in metadata("polyglot-distill").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    raise KitError("the package metadata names no Repository URL")


_COLAB = re.compile(r"https://colab\.research\.google\.com/github/[^/\s)]+/[^/\s)]+/blob/")
_INSTALL = re.compile(r"git\+https?://[^\s\"')>\\]+")


def sync_repository_url(root: str | os.PathLike | None = None) -> list[Path]:
    """Rewrite the Colab badges and ``git+`` install URLs of the notebooks and the README to :func:`repository_url`
    (run after changing it in pyproject.toml: ``python -m kit.lessons sync-url``). Returns the files changed."""
    root = Path(root) if root else _pyproject().parent
    url = repository_url()
    owner_repo = url.split("github.com/", 1)[-1]
    changed = []
    for path in [root / "README.md", *sorted((root / "notebooks").rglob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        new = _COLAB.sub(f"https://colab.research.google.com/github/{owner_repo}/blob/", text)
        new = _INSTALL.sub(f"git+{url}", new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # python -m kit.lessons sync-url
    import sys

    if sys.argv[1:] != ["sync-url"]:
        raise SystemExit("usage: python -m kit.lessons sync-url")
    for changed_path in sync_repository_url():
        print("rewrote", changed_path)
