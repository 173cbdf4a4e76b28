"""Distillation: train the student so that student(english) ≈ teacher(english) ≈ student(translation).

Built on sentence-transformers' ``SentenceTransformerTrainer`` with ``losses.MSELoss`` (its 2-D labels are
broadcast over the ``english`` and ``non_english`` columns, exactly the paper's objective). What this module
adds is the pipeline around it: presets, data → labels → student, dev evaluators, checkpoints with resume,
a NaN guard that keeps the last good checkpoint, a wall-clock budget, and a ``results.json`` that records
metrics, config, data counts, versions, wall time and peak memory.

Multi-GPU (or multi-process CPU) training goes through the trainer's own engine::

    torchrun --nproc_per_node 2 -m kit distill --preset gpu --out runs/gpu      # or: accelerate launch -m kit ...

Example::

    >>> from kit.train import PRESETS, distill
    >>> result = distill(PRESETS["smoke"], "runs/smoke")                     # doctest: +SKIP
    >>> result.metrics["dev_translation_accuracy"] > result.baseline["dev_translation_accuracy"]  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from kit.errors import KitError

logger = logging.getLogger(__name__)

SELF_TEACHER = "self"  # the teacher is the base student's own (frozen) English side


class TrainingDivergedError(KitError, RuntimeError):
    """The loss became NaN/inf; training stopped and the last good checkpoint was kept."""


@dataclass
class DistillConfig:
    """Everything that defines a distillation run (recorded in ``results.json``).

    ``teacher`` is a model name, or ``"self"`` for the base student's own English side: with no English
    teacher to imitate, distillation then only pulls translations onto their English sentence.
    """

    name: str = "custom"
    teacher: str = "all-MiniLM-L6-v2"
    student: str = "multilingual-e5-small"
    languages: tuple[str, ...] = ("ar", "de", "es", "fr", "it", "nl", "tr")
    data: str = "tatoeba-challenge"  # or "hub:<dataset id>", or a TSV path (english<TAB>translation)
    max_pairs_per_language: int | None = None
    dev_pairs_per_language: int = 100
    max_chars: int = 300
    max_seq_length: int = 64
    projection: bool | None = None  # None: only when the dimensions differ
    fit_projection: bool = False  # closed-form ridge fit of the projection before training
    freeze_embeddings: bool = True
    batch_size: int = 64
    learning_rate: float = 2e-5
    epochs: float = 1.0
    max_steps: int = -1
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    time_budget_minutes: float | None = None
    eval_steps: int = 100
    save_steps: int = 100
    logging_steps: int = 10
    seed: int = 42
    evaluate_tasks: tuple[str, ...] = ("sts17", "tatoeba")
    extra: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> DistillConfig:
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, DistillConfig] = {
    # Seconds-to-minutes on 2 cores: proves the loop works end to end (tests, notebooks in FAST mode).
    # Its teacher is the base student's own English side, so 40 steps can show the distillation effect
    # (translations pulled onto their English sentence) without first relearning a new space.
    "smoke": DistillConfig(
        name="smoke",
        teacher=SELF_TEACHER,
        languages=("ar", "tr"),
        max_pairs_per_language=320,
        dev_pairs_per_language=150,
        max_seq_length=32,
        batch_size=16,
        learning_rate=5e-5,
        max_steps=40,
        warmup_ratio=0.1,
        eval_steps=20,
        save_steps=20,
        logging_steps=5,
        evaluate_tasks=(),
    ),
    # The demo: the best quality reachable in ≤ 30 min on 2 cores (see bench/README.md for the evidence).
    "cpu": DistillConfig(
        name="cpu",
        teacher=SELF_TEACHER,
        max_pairs_per_language=None,
        max_seq_length=48,
        batch_size=64,
        learning_rate=5e-5,
        epochs=1.0,
        time_budget_minutes=20,
        eval_steps=100,
        save_steps=50,
    ),
    # Paper scale for a GPU: XLM-R-sized data from the hub (TED2020 talks), fp16/bf16 automatically.
    "gpu": DistillConfig(
        name="gpu",
        teacher="all-mpnet-base-v2",
        data="hub:sentence-transformers/parallel-sentences-talks",
        max_pairs_per_language=None,
        max_seq_length=128,
        batch_size=64,
        learning_rate=2e-5,
        epochs=5,
        eval_steps=1000,
        save_steps=1000,
        logging_steps=100,
        projection=True,
        fit_projection=True,
    ),
}


@dataclass
class DistillResult:
    """What :func:`distill` returns: the trained model, its metrics and where things were written."""

    model: Any
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    results_path: Path
    model_path: Path


# --------------------------------------------------------------------------------------------- data


def load_parallel_data(config: DistillConfig, *, verbose: bool = True):
    """Load, clean and leakage-guard the training pairs; hold out a dev split. Returns (train, dev, counts)."""
    from kit import parallel

    if config.data == "tatoeba-challenge":
        raw = parallel.load_tatoeba_challenge(list(config.languages), seed=config.seed)
    elif config.data.startswith("hub:"):
        raw = parallel.load_hub(config.data.removeprefix("hub:"), languages=list(config.languages))
    else:
        if len(config.languages) != 1:
            raise KitError(
                f"a TSV data file ({config.data}) holds one language; pass exactly one in languages"
            )
        raw = parallel.load_tsv(config.data, config.languages[0])
    cleaned, clean_report = parallel.clean(raw, max_chars=config.max_chars)
    guarded, leak_report = parallel.drop_leaks(cleaned, languages=list(config.languages))
    guarded = guarded.shuffle(seed=config.seed)
    train, dev = _split_dev(guarded, config)
    counts = {
        "raw": len(raw),
        "after_cleaning": len(cleaned),
        "after_leakage_guard": len(guarded),
        "train": len(train),
        "dev": len(dev),
        "train_per_language": _per_language(train),
        "cleaning": _jsonable(clean_report),
        "leakage": _jsonable(leak_report),
    }
    if verbose:
        logger.info("Parallel data: %s", {k: v for k, v in counts.items() if not isinstance(v, dict)})
    return train, dev, counts


def _split_dev(dataset, config: DistillConfig):
    """Per language: the first ``dev_pairs_per_language`` pairs → dev, the next ``max_pairs`` → train."""
    languages = dataset["language"]
    dev_idx, train_idx, seen = [], [], {}
    for i, lang in enumerate(languages):
        n = seen.get(lang, 0)
        seen[lang] = n + 1
        if n < config.dev_pairs_per_language:
            dev_idx.append(i)
        elif (
            config.max_pairs_per_language is None
            or n - config.dev_pairs_per_language < config.max_pairs_per_language
        ):
            train_idx.append(i)
    return dataset.select(train_idx), dataset.select(dev_idx)


def _per_language(dataset) -> dict[str, int]:
    out: dict[str, int] = {}
    for lang in dataset["language"]:
        out[lang] = out.get(lang, 0) + 1
    return dict(sorted(out.items()))


def _jsonable(report: Any) -> Any:
    if hasattr(report, "to_dict"):
        return report.to_dict()
    if dataclasses.is_dataclass(report):
        return dataclasses.asdict(report)
    return report


# ------------------------------------------------------------------------------------------ callbacks


class NanGuard(TrainerCallback):
    """Stop at the first NaN/inf loss and make sure the poisoned weights are never checkpointed."""

    def __init__(self) -> None:
        self.bad_step: int | None = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.bad_step = state.global_step
            control.should_training_stop = True
            control.should_save = False
        return control

    def on_step_end(self, args, state, control, **kwargs):
        if self.bad_step is not None:
            control.should_save = False
        return control


class TimeBudget(TrainerCallback):
    """Stop (and checkpoint) once training has used its wall-clock budget."""

    def __init__(self, minutes: float) -> None:
        self.seconds = minutes * 60
        self.start = time.monotonic()
        self.stopped_at: int | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() - self.start >= self.seconds:
            self.stopped_at = state.global_step
            control.should_training_stop = True
            control.should_save = True
        return control


class MetricsHistory(TrainerCallback):
    """Keep every logged loss and evaluator metric (for live curves in notebooks and for results.json)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs:
            self.rows.append(
                {"step": state.global_step, **{k: v for k, v in logs.items() if isinstance(v, int | float)}}
            )


# -------------------------------------------------------------------------------------------- distill


class _TeacherForEvaluator:
    """Gives MSEEvaluator the cached teacher (it only calls ``.encode``)."""

    def __init__(self, teacher) -> None:
        self.teacher = teacher

    def encode(self, sentences, **kwargs):
        return self.teacher.encode(list(sentences))


def build_teacher(config: DistillConfig):
    """The teacher of a config; ``"self"`` is the base student with a fingerprinted cache id."""
    from kit.teacher import Teacher

    if config.teacher == SELF_TEACHER:
        return Teacher(config.student, name=f"self--{config.student}", normalize=True)
    return Teacher(config.teacher)


def dev_evaluator(dev, teacher):
    """MSE against the teacher + translation accuracy, on the held-out dev pairs (not a test set)."""
    from sentence_transformers.sentence_transformer.evaluation import (
        MSEEvaluator,
        SequentialEvaluator,
        TranslationEvaluator,
    )

    english, other = dev["english"], dev["non_english"]
    return SequentialEvaluator(
        [
            MSEEvaluator(
                english, other, teacher_model=_TeacherForEvaluator(teacher), name="dev", batch_size=64
            ),
            TranslationEvaluator(english, other, name="dev", batch_size=64),
        ]
    )


def dev_metrics(evaluator, model) -> dict[str, float]:
    """Flatten a dev evaluation into ``dev_mse`` (×100) and ``dev_translation_accuracy`` (mean of both ways)."""
    raw = evaluator(model)
    return {
        "dev_mse": -raw["dev_negative_mse"],
        "dev_translation_accuracy": (raw["dev_src2trg_accuracy"] + raw["dev_trg2src_accuracy"]) / 2,
    }


def training_arguments(config: DistillConfig, out_dir: Path):
    from sentence_transformers import SentenceTransformerTrainingArguments

    cuda = torch.cuda.is_available()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return SentenceTransformerTrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float < 1 is a ratio
        weight_decay=config.weight_decay,
        # Mixed precision where the hardware has it; on CPU, fp32 (bf16 autocast is measured in bench/).
        bf16=cuda and torch.cuda.is_bf16_supported(),
        fp16=cuda and not torch.cuda.is_bf16_supported(),
        use_cpu=not cuda,
        ddp_backend=("nccl" if cuda else "gloo") if distributed else None,
        eval_strategy="steps",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=2,
        logging_steps=config.logging_steps,
        logging_nan_inf_filter=False,  # a NaN must reach NanGuard, not be averaged away
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        dataloader_num_workers=0,
        disable_tqdm=False,
    )


def distill(
    config: DistillConfig | str,
    out_dir: str | os.PathLike,
    *,
    resume: bool = True,
    callbacks: list[TrainerCallback] | None = None,
) -> DistillResult:
    """Run one distillation end to end and write ``out_dir/{model,checkpoints,results.json}``.

    Rerunning with the same ``out_dir`` resumes from the last checkpoint (the data order, labels and seed
    are the same, so the step count continues where the interrupted run stopped).
    """
    from sentence_transformers import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MSELoss

    from kit.student import build_student, check_compatible, fit_projection

    if isinstance(config, str):
        config = preset(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    _set_threads()
    from transformers import set_seed

    set_seed(config.seed)

    train, dev, counts = load_parallel_data(config)
    teacher = build_teacher(config)
    train = teacher.label(train)
    student = build_student(
        config.student,
        teacher_dim=teacher.dim,
        normalize=teacher.normalize,
        projection=config.projection,
        freeze_embeddings=config.freeze_embeddings,
        max_seq_length=config.max_seq_length,
    )
    check_compatible(student, teacher.dim, teacher.normalize)
    projection_fit = None
    if config.fit_projection:
        sample = train.select(range(min(len(train), 8000)))
        sources = list(sample["english"]) + list(sample["non_english"])
        targets = np.concatenate([np.asarray(sample["label"])] * 2)
        projection_fit = fit_projection(student, sources, targets)

    evaluator = dev_evaluator(dev, teacher)
    baseline = dev_metrics(evaluator, student)
    logger.info("Before training: %s", baseline)

    history, nan_guard = MetricsHistory(), NanGuard()
    all_callbacks = [history, nan_guard, *(callbacks or [])]
    budget = TimeBudget(config.time_budget_minutes) if config.time_budget_minutes else None
    if budget:
        all_callbacks.append(budget)
    args = training_arguments(config, out_dir)
    trainer = SentenceTransformerTrainer(
        model=student,
        args=args,
        train_dataset=train.select_columns(["english", "non_english", "label"]),
        eval_dataset=None,
        loss=MSELoss(student),
        evaluator=evaluator,
        callbacks=all_callbacks,
    )
    last = get_last_checkpoint(args.output_dir) if resume and Path(args.output_dir).is_dir() else None
    if last:
        logger.info("Resuming from %s", last)
    trainer.train(resume_from_checkpoint=last)
    if nan_guard.bad_step is not None:
        good = get_last_checkpoint(args.output_dir)
        raise TrainingDivergedError(
            f"loss became NaN/inf at step {nan_guard.bad_step}; training stopped. Last good checkpoint: "
            f"{good or 'none (the run diverged before the first save)'}; lower --learning-rate and rerun to resume"
        )

    metrics = {"steps": trainer.state.global_step, **dev_metrics(evaluator, student)}
    model_path = out_dir / "model"
    results_path = out_dir / "results.json"
    if trainer.is_world_process_zero():
        student.save(str(model_path))
        if config.evaluate_tasks:
            metrics.update(_final_evaluation(student, config))
            baseline.update(_final_evaluation(config.student, config))
        record = {
            **metrics,
            "baseline": baseline,
            "config": dataclasses.asdict(config),
            "data": counts,
            "teacher_labels": teacher.stats,
            "projection_fit": projection_fit,
            "history": history.rows,
            "stopped_by_time_budget": bool(budget and budget.stopped_at),
            "resumed_from": last,
            "world_size": args.world_size,
            "wall_time_s": round(time.time() - started, 1),
            "peak_rss_mb": _peak_rss_mb(),
            "versions": versions(),
        }
        from kit._io import write_json

        write_json(results_path, record)
        _write_model_card(model_path, record)
    return DistillResult(student, metrics, baseline, results_path, model_path)


def _final_evaluation(model, config: DistillConfig) -> dict[str, Any]:
    from kit.evaluation import evaluate_for_results

    return evaluate_for_results(model, tasks=config.evaluate_tasks, languages=config.languages)


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


def preset(name: str) -> DistillConfig:
    """A copy of a named preset; unknown names get a clear error."""
    if name not in PRESETS:
        raise KitError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dataclasses.replace(PRESETS[name])


def _set_threads() -> None:
    """On CPU, one intra-op thread per core (more oversubscribes a 2-core laptop)."""
    if not torch.cuda.is_available():
        world = int(os.environ.get("WORLD_SIZE", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 2**20, 1)


def versions() -> dict[str, str]:
    """Versions of the stack, for every results file."""
    import datasets
    import sentence_transformers
    import transformers

    import kit

    return {
        "kit": kit.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "datasets": datasets.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
        "cuda": torch.version.cuda or "none",
    }


def run_cli_distill(args) -> int:
    """``python -m kit distill``."""
    config = preset(args.preset)
    changes: dict[str, Any] = {
        field: getattr(args, attr)
        for field, attr in [
            ("teacher", "teacher"),
            ("student", "student"),
            ("data", "data"),
            ("max_steps", "max_steps"),
            ("batch_size", "batch_size"),
            ("learning_rate", "learning_rate"),
            ("time_budget_minutes", "time_budget"),
        ]
        if getattr(args, attr, None) is not None
    }
    if args.languages:
        changes["languages"] = tuple(code.strip() for code in args.languages.split(",") if code.strip())
    config = config.replace(**changes)
    result = distill(config, args.out)
    print(f"model: {result.model_path}\nresults: {result.results_path}")
    for key, value in result.metrics.items():
        base = result.baseline.get(key)
        if isinstance(value, int | float):
            print(
                f"{key:>28}: {value:8.3f}"
                + (f"   (base student {base:.3f})" if isinstance(base, int | float) else "")
            )
    return 0
