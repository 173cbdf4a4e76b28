"""Runs that cannot be confused: a config's run folder, loading only the student a notebook expects, the
notebooks' configs, their recorded metrics and elapsed time."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit._io import write_json
from kit.errors import KitError

if TYPE_CHECKING:
    from kit.train import DistillResult


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
    from kit.train.run_folder import read_record

    folder = _run_folder(Path(path))
    return read_record(folder) if folder else None


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


def finished_run(config: Any, runs: str | os.PathLike) -> DistillResult:
    """The :class:`~kit.train.DistillResult` of ``config``'s finished run in ``<runs>/<config name>`` (checked and
    announced as :func:`distilled_model` does, trained there first if missing), read back without preparing its
    data or labels again: what an exercise that builds on a lesson's run needs.

    >>> from kit.train import PRESETS
    >>> lesson = finished_run(PRESETS["notebook-static-fast"], "runs/07_static_student")   # doctest: +SKIP
    """
    from kit.train import DistillResult

    return DistillResult.load(distilled_model(None, config, runs).parent)


def _check_same(config: Any, path: Path) -> None:
    changed = differences(config, path)
    if changed:
        raise RunMismatchError(
            f"{path} was trained by other settings than the config this notebook evaluates ({config.name!r}; "
            "the run's → this notebook's): "
            + "; ".join(changed)
            + ". Pass the model of a run of this config, or set FAST / the config to the one that trained it."
        )


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
