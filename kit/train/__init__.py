"""Distillation: train the student so that student(english) ≈ teacher(english) ≈ student(translation).

Built on sentence-transformers' ``SentenceTransformerTrainer`` with ``losses.MSELoss`` (its 2-D labels are
broadcast over the ``english`` and ``non_english`` columns, exactly the paper's objective). What this package
adds is the pipeline around it: presets, data → labels → student, dev evaluators, checkpoints with resume,
a NaN guard that keeps the last good checkpoint, a wall-clock budget, and a ``results.json`` that records
metrics, config, data counts, versions, wall time and peak memory.

=============================  ==================================================================
``kit.train.config``           :class:`DistillConfig`, the presets in :data:`PRESETS`, what ``"self"`` means
``kit.train.data``             a config's parallel data: cleaned, leakage-guarded, dev split, oversampled
``kit.train.dev``              dev evaluation: MSE to the teacher, translation accuracy
``kit.train.callbacks``        NaN guard, time budget, quality curve, WiSE interpolation, memory
``kit.train.trainer``          the trainer, its batches, schedule, precision and attention kernel
``kit.train.report``           ``results.json``, the model card, the STS2017 report
``kit.train.run_folder``       one run per output folder (``run.json``), the newest complete checkpoint
``kit.train.pipeline``         :func:`distill`: prepare data → label → build student → train → record
=============================  ==================================================================

The command line (``python -m kit distill``) lives in :mod:`kit.cli`. Multi-GPU (or multi-process CPU)
training goes through the trainer's own engine::

    torchrun --nproc_per_node 2 -m kit distill --preset gpu --out runs/gpu      # or: accelerate launch -m kit ...

Example::

    >>> from kit.train import PRESETS, distill
    >>> result = distill(PRESETS["smoke"], "runs/smoke")                     # doctest: +SKIP
    >>> result.metrics["dev_translation_accuracy"] > result.baseline["dev_translation_accuracy"]  # doctest: +SKIP
    True
"""

from kit.train.callbacks import (
    MemoryPeaks,
    MemoryTrim,
    NanGuard,
    QualityCurve,
    TimeBudget,
    TrainingClock,
    TrainingDivergedError,
    WeightInterpolation,
    interpolate_weights,
)
from kit.train.config import PRESETS, SELF_TEACHER, DistillConfig, TeacherSpec, preset, teacher_specs
from kit.train.data import load_parallel_data
from kit.train.dev import dev_evaluator, dev_metrics
from kit.train.pipeline import DistillResult, build_teacher, distill
from kit.train.report import sts17_report
from kit.train.run_folder import RunFolderConflictError
from kit.train.trainer import (
    BudgetAwareTrainer,
    LengthGroupedBatchSampler,
    hardware_bf16,
    training_arguments,
    training_attention,
    use_bf16,
)

__all__ = [
    "PRESETS",
    "SELF_TEACHER",
    "BudgetAwareTrainer",
    "DistillConfig",
    "DistillResult",
    "LengthGroupedBatchSampler",
    "MemoryPeaks",
    "MemoryTrim",
    "NanGuard",
    "QualityCurve",
    "RunFolderConflictError",
    "TeacherSpec",
    "TimeBudget",
    "TrainingClock",
    "TrainingDivergedError",
    "WeightInterpolation",
    "build_teacher",
    "dev_evaluator",
    "dev_metrics",
    "distill",
    "hardware_bf16",
    "interpolate_weights",
    "load_parallel_data",
    "preset",
    "sts17_report",
    "teacher_specs",
    "training_arguments",
    "training_attention",
    "use_bf16",
]
