"""One distillation run, end to end: :func:`distill` in five named steps.

1. **prepare data**: parallel pairs, cleaned and leakage-guarded, with a dev split (:mod:`kit.train.data`);
2. **label**: the teacher's embedding of every English side, cached on disk (:func:`build_teacher`);
3. **build student**: the student model, its projection, and its dev metrics before training;
4. **train**: sentence-transformers' trainer with the kit's callbacks, resuming from the last checkpoint;
5. **record**: save the model, evaluate it, write ``results.json`` (:mod:`kit.train.report`).

An example is in :mod:`kit.train`.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from kit.train.callbacks import (
    MemoryPeaks,
    MemoryTrim,
    NanGuard,
    QualityCurve,
    TimeBudget,
    TrainingDivergedError,
    WeightInterpolation,
)
from kit.train.config import DistillConfig, preset
from kit.train.data import load_parallel_data
from kit.train.dev import dev_evaluator, dev_metrics
from kit.train.report import final_evaluation, results_record, write_results
from kit.train.trainer import (
    BudgetAwareTrainer,
    _set_threads,
    hardware_bf16,
    training_arguments,
    training_attention,
)

__all__ = ["DistillResult", "build_teacher", "distill"]

logger = logging.getLogger(__name__)


@dataclass
class DistillResult:
    """What :func:`distill` returns: the trained model, its metrics and where things were written."""

    model: Any
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    results_path: Path
    model_path: Path


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
    if isinstance(config, str):
        config = preset(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    _set_threads()
    from transformers import set_seed

    set_seed(config.seed)
    memory = MemoryPeaks()

    train, dev, counts = _prepare_data(config, memory)
    train, teacher = _label(config, train, dev, memory)
    student, projection_fit, evaluator, baseline = _build_student(config, train, dev, teacher, memory)
    run = _train(config, out_dir, student, train, evaluator, memory, resume=resume, callbacks=callbacks)
    return _record(
        config,
        out_dir,
        run,
        student,
        evaluator,
        baseline,
        memory,
        counts=counts,
        teacher_stats=teacher.stats,
        projection_fit=projection_fit,
        started=started,
    )


def build_teacher(config: DistillConfig):
    """The teacher of a config (:attr:`DistillConfig.teacher_specs` says what ``"self"`` and ``+`` mean)."""
    from kit.teacher import CombinedTeacher, Teacher

    # Labelling is inference: bf16 wherever the hardware multiplies it natively, whatever the training
    # precision, so that recipes which train differently still share the same cached labels.
    precision = "bf16" if hardware_bf16() else "float32"

    def one(spec):
        # A reference encoder (mUSE, numpy) has no bf16 path; it labels in float32.
        from kit.sources import get_spec

        known = get_spec(spec.model)
        own = precision if known is None or known.kind != "encoder" else "float32"
        return Teacher(spec.model, name=spec.name, normalize=spec.normalize, precision=own)

    specs = config.teacher_specs
    if len(specs) == 1:
        return one(specs[0])
    return CombinedTeacher([one(spec) for spec in specs], [spec.weight for spec in specs])


# ---------------------------------------------------------------------------------------------- steps


def _prepare_data(config: DistillConfig, memory: MemoryPeaks):
    """Step 1: the training pairs, the dev pairs and the counts of each preparation step."""
    train, dev, counts = load_parallel_data(config)
    memory.mark("parallel data")
    return train, dev, counts


def _label(config: DistillConfig, train, dev, memory: MemoryPeaks):
    """Step 2: the teacher's vectors as the ``label`` column; the dev targets cached, the teacher released."""
    teacher = build_teacher(config)
    train = teacher.label(train)
    teacher.encode(dev["english"])  # the dev evaluator's targets, cached: the teacher model can go
    teacher.release()
    memory.mark("teacher labels")
    return train, teacher


def _build_student(config: DistillConfig, train, dev, teacher, memory: MemoryPeaks):
    """Step 3: the student (projection fitted if asked), the dev evaluator and the student's dev baseline."""
    from kit.student import build_student, check_compatible, fit_projection, set_dropout

    student = build_student(
        config.student,
        teacher_dim=teacher.dim,
        normalize=teacher.normalize,
        projection=config.projection,
        freeze_embeddings=config.freeze_embeddings,
        max_seq_length=config.max_seq_length,
    )
    check_compatible(student, teacher.dim, teacher.normalize)
    if config.dropout is not None:
        set_dropout(student, config.dropout)
    projection_fit = None
    if config.fit_projection:
        sample = train.select(range(min(len(train), 8000)))
        sources = list(sample["english"]) + list(sample["non_english"])
        targets = np.concatenate([np.asarray(sample["label"])] * 2)
        projection_fit = fit_projection(student, sources, targets)

    evaluator = dev_evaluator(dev, teacher)
    baseline = dev_metrics(evaluator, student)
    logger.info("Before training: %s", baseline)
    memory.mark("student and dev baseline")
    return student, projection_fit, evaluator, baseline


class _Training(NamedTuple):
    """What step 4 leaves for the record."""

    trainer: BudgetAwareTrainer
    budget: TimeBudget | None
    resumed_from: str | None
    attention_kernel: str


def _train(
    config: DistillConfig,
    out_dir: Path,
    student,
    train,
    evaluator,
    memory: MemoryPeaks,
    *,
    resume: bool,
    callbacks: list[TrainerCallback] | None,
) -> _Training:
    """Step 4: train (resuming from the last checkpoint if ``resume``); a NaN loss raises
    :class:`TrainingDivergedError`."""
    from sentence_transformers.sentence_transformer.losses import MSELoss

    nan_guard = NanGuard()
    all_callbacks: list[TrainerCallback] = [nan_guard, memory]
    if not torch.cuda.is_available():
        all_callbacks.append(MemoryTrim())
    if config.wise_alpha < 1.0:
        all_callbacks.insert(0, WeightInterpolation(student, config.wise_alpha))
    all_callbacks += callbacks or []
    clock = next((c.clock for c in callbacks or [] if isinstance(c, QualityCurve)), None)
    budget = TimeBudget(config.time_budget_minutes, clock) if config.time_budget_minutes else None
    if budget:
        all_callbacks.append(budget)
    args = training_arguments(config, out_dir)
    trainer = BudgetAwareTrainer(
        time_budget=budget,
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
    with training_attention() as attention_kernel:
        trainer.train(resume_from_checkpoint=last)
    if nan_guard.bad_step is not None:
        good = get_last_checkpoint(args.output_dir)
        raise TrainingDivergedError(
            f"loss became NaN/inf at step {nan_guard.bad_step}; training stopped. Last good checkpoint: "
            f"{good or 'none (the run diverged before the first save)'}; lower --learning-rate and rerun to resume"
        )
    return _Training(trainer, budget, last, attention_kernel)


def _record(
    config: DistillConfig,
    out_dir: Path,
    run: _Training,
    student,
    evaluator,
    baseline: dict[str, Any],
    memory: MemoryPeaks,
    *,
    counts: dict[str, Any],
    teacher_stats: dict[str, Any],
    projection_fit: Any,
    started: float,
) -> DistillResult:
    """Step 5: final dev metrics; on the main process, save the model, evaluate it and write results.json."""
    metrics = {"steps": run.trainer.state.global_step, **dev_metrics(evaluator, student)}
    memory.mark("end of training")
    model_path = out_dir / "model"
    results_path = out_dir / "results.json"
    if run.trainer.is_world_process_zero():
        student.save(str(model_path))
        if config.evaluate_tasks:
            metrics.update(final_evaluation(student, config))
            baseline.update(final_evaluation(config.student, config))
        memory.mark("final evaluation")
        record = results_record(
            config,
            metrics=metrics,
            baseline=baseline,
            counts=counts,
            teacher_stats=teacher_stats,
            projection_fit=projection_fit,
            trainer=run.trainer,
            stopped_by_time_budget=bool(run.budget and run.budget.stopped_at),
            resumed_from=run.resumed_from,
            attention_kernel=run.attention_kernel,
            started=started,
            memory=memory,
        )
        write_results(record, results_path, model_path)
    return DistillResult(student, metrics, baseline, results_path, model_path)
