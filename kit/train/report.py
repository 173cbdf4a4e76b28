"""The record of a run: ``results.json``, the model card's table, and the STS2017 report printed from it.

``results.json`` holds the final metrics at its top level, then ``baseline`` (the base student, measured the
same way), ``config``, ``data`` (counts per step of data preparation), ``teacher_labels``, ``history`` (every
logged loss and dev metric, by step: :func:`history`), memory, wall time and :func:`kit._versions.versions`.

Example::

    >>> history([{"loss": 0.5, "grad_norm": 1.2, "epoch": 0.1, "step": 5}])
    [{'step': 5, 'loss': 0.5, 'grad_norm': 1.2, 'epoch': 0.1}]
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from kit._io import write_json
from kit._versions import versions
from kit.train.config import DistillConfig, teacher_specs

__all__ = ["final_evaluation", "history", "results_record", "sts17_report", "write_results"]


def history(log_history: list[dict[str, Any]]) -> list[dict[str, float]]:
    """The ``history`` rows of ``results.json``: the numbers of each row of the trainer's ``state.log_history``.

    The trainer's own log, not a callback's copy: a resumed run reloads it from its checkpoint, so the rows
    logged before an interruption stay in the history. Each row is ``{"step": ..., <logged numbers>}``.
    """
    return [
        {"step": row["step"], **{k: v for k, v in row.items() if k != "step" and isinstance(v, int | float)}}
        for row in log_history
    ]


def final_evaluation(model, config: DistillConfig) -> dict[str, Any]:
    """The config's ``evaluate_tasks`` (STS2017, Tatoeba, ...) on ``model``, as flat results.json metrics."""
    from kit.evaluation import evaluate_for_results

    metrics = evaluate_for_results(model, tasks=config.evaluate_tasks, languages=_task_languages(config))
    if "tatoeba_avg" in metrics:
        metrics["tatoeba"] = metrics["tatoeba_avg"]  # mean accuracy over the training languages
    return metrics


def _task_languages(config: DistillConfig) -> dict[str, list[str]]:
    """The languages of a run's evaluation: Tatoeba in the training languages; the dev STS task in English and
    the training languages it has (en-en says whether the student kept, or gained, the teacher's English);
    STS2017 and the other tasks on all their tracks."""
    from kit.evaluation.sts import STSB_LANGUAGES

    trained = list(config.languages)
    return {
        "tatoeba": trained,
        "stsb-dev-cross": ["en"] + [code for code in trained if code in STSB_LANGUAGES and code != "en"],
    }


#: The entries of ``results.json`` that describe the run; every other top-level entry is a metric of the distilled
#: student (``steps``, ``dev_mse``, ``sts17_avg``, ...), and ``baseline`` holds the same metrics before training.
RECORD_FIELDS = (
    "baseline", "config", "data", "teacher_labels", "projection_fit", "static_vocabulary", "history",
    "stopped_by_time_budget", "resumed_from", "attention_kernel", "world_size", "wall_time_s", "peak_rss_mb",
    "peak_rss_mb_by_phase", "versions",
)  # fmt: skip


def results_record(
    config: DistillConfig,
    *,
    metrics: dict[str, Any],
    baseline: dict[str, Any],
    counts: dict[str, Any],
    teacher_stats: dict[str, Any],
    projection_fit: Any,
    log_history: list[dict[str, Any]],
    world_size: int,
    static_vocabulary: Any = None,
    stopped_by_time_budget: bool,
    resumed_from: str | None,
    attention_kernel: str,
    started: float,
    memory,
) -> dict[str, Any]:
    """Everything ``results.json`` records about a finished run (``started``: its ``time.time()`` at the start)."""
    return {
        **metrics,
        "baseline": baseline,
        "config": dataclasses.asdict(config),
        "data": counts,
        "teacher_labels": teacher_stats,
        "projection_fit": projection_fit,
        "static_vocabulary": static_vocabulary,
        "history": history(log_history),
        "stopped_by_time_budget": stopped_by_time_budget,
        "resumed_from": resumed_from,
        "attention_kernel": attention_kernel,
        "world_size": world_size,
        "wall_time_s": round(time.time() - started, 1),
        "peak_rss_mb": memory.overall(),
        "peak_rss_mb_by_phase": memory.peaks,
        "versions": versions(),
    }


def write_results(record: dict[str, Any], results_path: Path, model_path: Path) -> None:
    """Write ``results.json`` and add the run's metrics table to the saved model's card (``README.md``)."""
    write_json(results_path, record)
    _write_model_card(model_path, record)


def sts17_report(record: dict[str, Any]) -> str:
    """The STS2017 table of a ``results.json`` record: distilled and base student beside the teacher and mUSE."""
    import pandas as pd

    from kit.evaluation import STS17_TRACKS, to_markdown
    from kit.evaluation.published import measured_baseline

    columns = [*STS17_TRACKS, "avg", "cross_avg"]

    def row(metrics: dict[str, Any]) -> dict[str, Any]:
        out = {c: metrics.get(f"sts17_{c}") for c in columns}
        out["tatoeba"] = metrics.get("tatoeba")
        return out

    config = record["config"]
    rows = {
        f"distilled ({config['name']})": row(record),
        f"base student ({config['student']})": row(record["baseline"]),
    }
    specs = teacher_specs(config["teacher"], config["student"])
    if any(spec.is_self for spec in specs):
        rows["teacher: the base student's English side"] = row(record["baseline"])
    for name in dict.fromkeys([*(spec.model for spec in specs), "all-MiniLM-L6-v2", "use-multilingual"]):
        reference = measured_baseline(name)
        if reference is not None:
            rows[f"{reference.model}"] = {**reference.scores, "tatoeba": None}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "STS2017 (Spearman ×100)"
    return to_markdown(frame.astype(float))


def _write_model_card(model_path: Path, record: dict[str, Any]) -> None:
    lines = [
        "",
        "## Distillation (polyglot-distill)",
        "",
        f"Teacher `{record['config']['teacher']}`, student `{record['config']['student']}`, "
        f"languages {', '.join(record['config']['languages'])}, {record['data']['train']} training pairs, "
        f"{record['steps']} steps, {record['wall_time_s']} s.",
        "",
        "| metric | base student | distilled |",
        "|---|---|---|",
    ]
    for key, value in record.items():
        if isinstance(value, int | float) and key in record["baseline"]:
            lines.append(f"| {key} | {record['baseline'][key]:.2f} | {value:.2f} |")
    card = model_path / "README.md"
    text = card.read_text(encoding="utf-8") if card.exists() else "# Distilled multilingual student\n"
    card.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
