"""One distillation run, end to end: :func:`distill` in five named steps.

1. **prepare data**: parallel pairs, cleaned and leakage-guarded, with a dev split (:mod:`kit.train.data`);
2. **label**: the teacher's embedding of every English side, cached on disk (:func:`build_teacher`);
3. **build student**: the student model, its projection, and its dev metrics before training;
4. **train**: sentence-transformers' trainer with the kit's callbacks, resuming from the newest complete
   checkpoint of the same config (:mod:`kit.train.run_folder`);
5. **record**: free the trainer, save the model, evaluate it, write ``results.json`` (:mod:`kit.train.report`).

An example is in :mod:`kit.train`.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from transformers import TrainerCallback

from kit import static
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
from kit.train.report import RECORD_FIELDS, final_evaluation, results_record, write_results
from kit.train.run_folder import RunFolder, checkpoint_step, newest_complete_checkpoint, open_run_folder
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

    @classmethod
    def load(cls, out_dir: str | os.PathLike) -> DistillResult:
        """The result of the finished run in ``out_dir``, read back from its ``results.json`` and ``model/``:
        no data, labels or training (a rerun of :func:`distill` into the folder would prepare them all again).

        Raises :class:`~kit.errors.KitError` naming the folder when it holds no finished run.
        """
        from kit.errors import KitError
        from kit.sources import load_model

        path = Path(out_dir)
        results_path, model_path = path / "results.json", path / "model"
        try:
            record = json.loads(results_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise KitError(f"{path} holds no finished run: cannot read {results_path} ({error})") from None
        if not (model_path / "modules.json").is_file():
            raise KitError(
                f"{path} holds no finished run: {model_path} is not a saved model (no modules.json)"
            )
        metrics = {key: value for key, value in record.items() if key not in RECORD_FIELDS}
        return cls(load_model(str(model_path)), metrics, record["baseline"], results_path, model_path)


def distill(
    config: DistillConfig | str,
    out_dir: str | os.PathLike,
    *,
    resume: bool = True,
    restart: bool = False,
    callbacks: list[TrainerCallback] | None = None,
) -> DistillResult:
    """Run one distillation end to end and write ``out_dir/{run.json,model,checkpoints,results.json}``.

    One folder holds one run (:mod:`kit.train.run_folder`): rerunning with the same ``out_dir`` and a config
    that trains the same weights resumes from the newest complete checkpoint and says so (the data order,
    labels and seed are the same, so the step count continues where the interrupted run stopped); a finished
    run trains no further. A config that would train other weights raises
    :class:`~kit.train.run_folder.RunFolderConflictError` naming the differing settings.

    Args:
        config: a :class:`DistillConfig` or a preset name.
        out_dir: the run folder (created).
        resume: False trains from the first step, deleting the run the folder holds (throwaway folders).
        restart: move the run the folder holds aside to a sibling ``<name>.<date-time>`` (never deleted) and
            train from the first step.
        callbacks: extra ``TrainerCallback``s.
    """
    if isinstance(config, str):
        config = preset(config)
    # Everything that can be checked without loading data or a model is checked first.
    _check_before_loading(config)
    folder = open_run_folder(out_dir, config, restart=restart, resume=resume)
    started = time.time()
    _set_threads()
    from transformers import set_seed

    set_seed(config.seed)
    memory = MemoryPeaks()

    train, dev, counts = _prepare_data(config, memory)
    train, teacher = _label(config, train, dev, memory)
    student, projection_fit, evaluator, baseline, base_model = _build_student(
        config, train, dev, teacher, memory
    )
    run = _train(config, folder, student, train, evaluator, memory, callbacks=callbacks)
    del train  # the labelled pairs: the final evaluation needs the memory more
    return _record(
        config,
        folder.path,
        run,
        student,
        evaluator,
        baseline,
        memory,
        counts=counts,
        teacher_stats=teacher.stats,
        projection_fit=projection_fit,
        base_model=base_model,
        started=started,
    )


def _check_before_loading(config: DistillConfig) -> None:
    """The checks of a config that need files but no data or model loaded: the final evaluation's task names
    and the model folders the run loads (a broken folder is named before minutes of data and labels)."""
    if config.evaluate_tasks:
        from kit.errors import InvalidArgumentError
        from kit.evaluation.run import TASKS, UnknownTaskError, parse_tasks

        try:
            parse_tasks(list(config.evaluate_tasks))
        except UnknownTaskError:
            raise InvalidArgumentError(
                "evaluate_tasks", config.evaluate_tasks, f"task names among {', '.join(TASKS)}"
            ) from None
    from kit.sources.load import check_model_name

    for name in dict.fromkeys([config.student, *(spec.model for spec in config.teacher_specs)]):
        check_model_name(name)


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
        static_texts=static.vocabulary_texts(config, train, dev)
        if static.is_static(config.student)
        else None,
    )
    check_compatible(student, teacher.dim, teacher.normalize)
    # The base student the final evaluation compares with: a name (loaded, or read from the evaluation cache),
    # or a static student's untrained table as built (and trimmed), copied before training.
    base_model = static.baseline(student) if static.is_static(config.student) else config.student
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
    return student, projection_fit, evaluator, baseline, base_model


class _Training(NamedTuple):
    """What step 4 leaves for the record (the trainer itself is gone: its optimizer state is memory)."""

    steps: int
    log_history: list[dict[str, Any]]
    world_size: int
    is_main_process: bool
    stopped_by_time_budget: bool
    resumed_from: str | None
    attention_kernel: str


def _train(
    config: DistillConfig,
    folder: RunFolder,
    student,
    train,
    evaluator,
    memory: MemoryPeaks,
    *,
    callbacks: list[TrainerCallback] | None,
) -> _Training:
    """Step 4: train, resuming from the folder's newest complete checkpoint; a NaN loss raises
    :class:`TrainingDivergedError`. The trainer and its optimizer are freed before returning."""
    nan_guard = NanGuard()
    all_callbacks: list[TrainerCallback] = [nan_guard, memory]
    trim = None
    if not torch.cuda.is_available():
        trim = MemoryTrim()
        all_callbacks.append(trim)
    if config.wise_alpha < 1.0:
        all_callbacks.insert(0, WeightInterpolation(student, config.wise_alpha))
    all_callbacks += callbacks or []
    clock = next((c.clock for c in callbacks or [] if isinstance(c, QualityCurve)), None)
    budget = TimeBudget(config.time_budget_minutes, clock) if config.time_budget_minutes else None
    if budget:
        all_callbacks.append(budget)
    args = training_arguments(config, folder.path)
    if folder.finished_at_step is not None:
        # A finished run (e.g. one stopped by its time budget) trains no further when it is rerun.
        args.max_steps = folder.finished_at_step
    trainer = BudgetAwareTrainer(
        time_budget=budget,
        model=student,
        args=args,
        train_dataset=train.select_columns(["english", "non_english", "label"]),
        eval_dataset=None,
        loss=static.loss(config, student),  # MSELoss unless config.extra["contrastive"] (kit.static)
        evaluator=evaluator,
        callbacks=all_callbacks,
    )
    last = folder.resume_checkpoint()
    with training_attention() as attention_kernel:
        if last is not None and 0 < args.max_steps <= checkpoint_step(last):
            _restore_without_training(trainer, last, all_callbacks)
        else:
            trainer.train(resume_from_checkpoint=str(last) if last else None)
    if nan_guard.bad_step is not None:
        good, _ = newest_complete_checkpoint(folder.checkpoints)
        raise TrainingDivergedError(
            f"loss became NaN/inf at step {nan_guard.bad_step}; training stopped. Last good checkpoint: "
            f"{good or 'none (the run diverged before the first save)'}; lower --learning-rate and rerun to resume"
        )
    folder.mark_finished(trainer.state.global_step)
    run = _Training(
        steps=trainer.state.global_step,
        log_history=trainer.state.log_history,
        world_size=trainer.args.world_size,
        is_main_process=trainer.is_world_process_zero(),
        stopped_by_time_budget=bool(budget and budget.stopped_at),
        resumed_from=str(last) if last else None,
        attention_kernel=attention_kernel,
    )
    _release(trainer, all_callbacks, trim)
    return run


def _restore_without_training(
    trainer: BudgetAwareTrainer, checkpoint: Path, callbacks: list[TrainerCallback]
) -> None:
    """A run whose checkpoint is at its last step: the checkpoint's weights and log, no step trained.

    ``trainer.train`` would train one more step here (its resume only skips whole epochs when the end falls
    on an epoch boundary). The kit's and the caller's callbacks still see a training begin and end (WiSE
    interpolation runs at the end); the trainer's own, which need an optimizer, do not.
    """
    from transformers import TrainerState

    trainer._load_from_checkpoint(str(checkpoint))
    trainer.state = TrainerState.load_from_json(str(checkpoint / "trainer_state.json"))
    context = {"model": trainer.model, "processing_class": None, "optimizer": None, "lr_scheduler": None}
    context |= {"train_dataloader": None, "eval_dataloader": None}
    for event in ("on_train_begin", "on_train_end"):
        for callback in callbacks:
            getattr(callback, event)(trainer.args, trainer.state, trainer.control, **context)


def _release(trainer: BudgetAwareTrainer, callbacks: list[TrainerCallback], trim: MemoryTrim | None) -> None:
    """Free the trainer's optimizer state, scheduler, data loaders and callbacks (WiSE keeps a copy of the
    base weights), and hand the freed heap back to the OS: the final evaluation may load the base student,
    and the end of a run was its memory peak while all of this was still alive."""
    trainer.accelerator.free_memory()
    trainer.optimizer = trainer.lr_scheduler = None
    trainer.callback_handler.callbacks.clear()
    trainer.callback_handler.optimizer = trainer.callback_handler.lr_scheduler = None
    callbacks.clear()
    gc.collect()
    if trim is not None and trim.libc is not None:
        trim.libc.malloc_trim(0)


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
    base_model: Any = None,
    started: float,
) -> DistillResult:
    """Step 5: final dev metrics; on the main process, save the model, evaluate it and write results.json."""
    metrics = {"steps": run.steps, **dev_metrics(evaluator, student)}
    memory.mark("end of training")
    model_path = out_dir / "model"
    results_path = out_dir / "results.json"
    if run.is_main_process:
        student.save(str(model_path))
        if config.evaluate_tasks:
            metrics.update(final_evaluation(student, config))
            memory.mark("final evaluation")
            # From the evaluation cache where it holds the base student's embeddings (no model is loaded then).
            baseline.update(
                final_evaluation(base_model if base_model is not None else config.student, config)
            )
            memory.mark("baseline evaluation")
        record = results_record(
            config,
            metrics=metrics,
            baseline=baseline,
            counts=counts,
            teacher_stats=teacher_stats,
            projection_fit=projection_fit,
            log_history=run.log_history,
            world_size=run.world_size,
            stopped_by_time_budget=run.stopped_by_time_budget,
            static_vocabulary=getattr(student, "static_vocabulary", None),
            resumed_from=run.resumed_from,
            attention_kernel=run.attention_kernel,
            started=started,
            memory=memory,
        )
        write_results(record, results_path, model_path)
    return DistillResult(student, metrics, baseline, results_path, model_path)
