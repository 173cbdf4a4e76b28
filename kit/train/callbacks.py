"""Trainer callbacks: what the kit watches and changes while the trainer runs.

- :class:`NanGuard`: stop at the first NaN/inf loss, never checkpoint poisoned weights
  (:class:`TrainingDivergedError` is what a run stopped this way raises);
- :class:`TrainingClock`: training seconds, evaluation pauses excluded (shared by the next two);
- :class:`TimeBudget`: stop (and checkpoint) when the wall-clock budget is used;
- :class:`QualityCurve`: a metric every N seconds of training, a quality-vs-time curve;
- :class:`WeightInterpolation` (:func:`interpolate_weights`): WiSE-FT, part of the way back to the base weights;
- :class:`MemoryTrim`: keep glibc's heap near the working set in CPU training;
- :class:`MemoryPeaks`: peak resident memory per phase of a run.

The history of logged losses and metrics is not a callback: it is the trainer's own
``state.log_history``, which a resumed run reloads from its checkpoint (:func:`kit.train.report.history`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from pathlib import Path

import torch
from transformers import TrainerCallback

from kit.errors import KitError

__all__ = [
    "MemoryPeaks",
    "MemoryTrim",
    "NanGuard",
    "QualityCurve",
    "TimeBudget",
    "TrainingClock",
    "TrainingDivergedError",
    "WeightInterpolation",
    "interpolate_weights",
]

logger = logging.getLogger(__name__)


class TrainingDivergedError(KitError, RuntimeError):
    """The loss became NaN/inf; training stopped and the last good checkpoint was kept."""


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


class TrainingClock:
    """Seconds spent training since the first step, not counting the pauses the kit takes to evaluate.

    Shared by :class:`TimeBudget` and :class:`QualityCurve`, so that a time budget or a quality-vs-time curve
    measures training, whatever the evaluations cost. Whichever callback sees the training begin starts it.
    """

    def __init__(self) -> None:
        self.start: float | None = None
        self.paused_s = 0.0

    def begin(self) -> None:
        if self.start is None:
            self.start = time.monotonic()

    def elapsed(self) -> float:
        return 0.0 if self.start is None else time.monotonic() - self.start - self.paused_s

    @contextlib.contextmanager
    def paused(self):
        began = time.monotonic()
        try:
            yield
        finally:
            self.paused_s += time.monotonic() - began


class TimeBudget(TrainerCallback):
    """Stop (and checkpoint) once training has used its wall-clock budget (evaluation pauses excluded)."""

    def __init__(self, minutes: float, clock: TrainingClock | None = None) -> None:
        self.seconds = minutes * 60
        self.clock = clock or TrainingClock()
        self.stopped_at: int | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.clock.begin()

    def progress(self, step: int, max_steps: int) -> float:
        """How far training is, 0 → 1: by steps or by time, whichever is further."""
        return min(1.0, max(step / max(1, max_steps), self.clock.elapsed() / self.seconds))

    def on_step_end(self, args, state, control, **kwargs):
        if self.clock.elapsed() >= self.seconds:
            self.stopped_at = state.global_step
            control.should_training_stop = True
            control.should_save = True
        return control


class QualityCurve(TrainerCallback):
    """Evaluate the student every ``every_s`` seconds of training (and at the end): a quality-vs-time curve.

    ``evaluate(model) -> dict`` is any metric function, e.g. the STS2017 average. Its own time is excluded
    from the clock, so ``rows`` pairs each metric with the training time it took to get there::

        >>> curve = QualityCurve(lambda model: {"sts17_avg": ...}, every_s=120)   # doctest: +SKIP
        >>> distill("cpu", "runs/cpu", callbacks=[curve])                          # doctest: +SKIP
        >>> curve.rows[-1]                                                         # doctest: +SKIP
        {'step': 410, 'train_s': 1200.3, 'pairs': 26240, 'sts17_avg': 76.4}
    """

    def __init__(
        self, evaluate, every_s: float, clock: TrainingClock | None = None, *, at_start: bool = True
    ):
        self.evaluate = evaluate
        self.every_s = every_s
        self.clock = clock or TrainingClock()
        self.at_start = at_start
        self.rows: list[dict[str, float]] = []
        self._next = 0.0 if at_start else every_s

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.clock.begin()
        if self.at_start and not self.rows:
            self._record(args, state, model)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.clock.elapsed() >= self._next:
            self._record(args, state, model)

    def on_train_end(self, args, state, control, model=None, **kwargs):
        # Always: the final weights may differ from the last step's (WeightInterpolation runs before this).
        if self.rows and self.rows[-1]["step"] == state.global_step:
            self.rows.pop()
        self._record(args, state, model)

    def _record(self, args, state, model) -> None:
        train_s = self.clock.elapsed()
        with self.clock.paused():
            metrics = self.evaluate(model)
        pairs = (
            state.global_step
            * args.per_device_train_batch_size
            * args.gradient_accumulation_steps
            * max(1, args.world_size)
        )
        self.rows.append({"step": state.global_step, "train_s": round(train_s, 1), "pairs": pairs, **metrics})
        while self._next <= train_s:
            self._next += self.every_s
        logger.info("Quality at %.0f s (step %d): %s", train_s, state.global_step, metrics)


class WeightInterpolation(TrainerCallback):
    """At the end of training, move the student back part of the way to its base weights (WiSE-FT).

    ``alpha`` = 1 keeps the trained weights, 0 the base student's. Wortsman et al. 2022 ("Robust fine-tuning
    of zero-shot models") show that interpolating fine-tuned and pre-trained weights keeps most of the gain on
    the fine-tuning task and recovers what fine-tuning cost elsewhere. Here: a distilled student drifts on
    same-language similarity while it learns cross-lingual alignment, and ``alpha`` ≈ 0.6–0.7 keeps the alignment
    and gives most of that drift back (measured in bench/README.md). Checkpoints hold the trained weights;
    the interpolation happens once, before any other callback's ``on_train_end`` sees the model.
    """

    def __init__(self, model, alpha: float) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise KitError(f"wise_alpha must be within [0, 1], not {alpha}")
        self.alpha = alpha
        self.base = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}

    def on_train_end(self, args, state, control, model=None, **kwargs):
        interpolate_weights(model, self.base, dict(model.named_parameters()), self.alpha)


def interpolate_weights(
    model, base: dict[str, torch.Tensor], trained: dict[str, torch.Tensor], alpha: float
) -> None:
    """Set each parameter named in ``base`` and ``trained`` to ``base + alpha · (trained - base)`` (WiSE-FT)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name in base and name in trained:
                param.copy_(torch.lerp(base[name], trained[name], alpha))


class MemoryTrim(TrainerCallback):
    """Keep the resident memory of CPU training near what it uses (glibc only; a no-op elsewhere).

    Every batch has another sequence length, so activations come in ever-new sizes; glibc keeps freed
    chunks in its heap and raises its mmap threshold after large frees, and the process grows to ~6 GB
    for a ~2 GB working set (measured: ``bench/README.md``). A fixed 4 MiB mmap threshold sends the large
    activations to mmap (returned on free) and ``malloc_trim`` every ``every`` steps returns the rest:
    peak RSS falls by about half for ~4 % of step time.
    """

    M_MMAP_THRESHOLD = -3

    def __init__(self, every: int = 10, mmap_threshold: int = 4 << 20) -> None:
        import ctypes

        self.every = every
        try:
            self.libc = ctypes.CDLL("libc.so.6")
            self.libc.mallopt(self.M_MMAP_THRESHOLD, mmap_threshold)
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to do
            self.libc = None

    def on_step_end(self, args, state, control, **kwargs):
        if self.libc is not None and state.global_step % self.every == 0:
            self.libc.malloc_trim(0)


class MemoryPeaks(TrainerCallback):
    """Peak resident memory of each phase of a run, to see what costs memory (Linux; elsewhere only the total).

    :meth:`mark` records the peak since the previous mark under a phase name and resets the kernel's
    high-water mark (``/proc/self/clear_refs``). As a callback it marks every training step, dev evaluation
    and checkpoint save, so ``peaks`` tells a step's activations from a save's serialisation buffers. The
    kernel's counter is exact (no sampling misses a spike), but it is the process's own: tools that read it
    after a reset (``/usr/bin/time -v``, ``getrusage``) see only the last phase; ``overall()`` (``peak_rss_mb``
    in results.json) is the run's peak::

        >>> peaks = MemoryPeaks()
        >>> buffer = b"x" * (200 << 20)
        >>> peaks.mark("allocating")
        >>> peaks.peaks["allocating"] > 200 or not peaks.resettable
        True
    """

    CLEAR_REFS = Path("/proc/self/clear_refs")

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        self.resettable = os.access(self.CLEAR_REFS, os.W_OK)
        self._reset()

    def _reset(self) -> None:
        if self.resettable:
            self.CLEAR_REFS.write_text("5")  # 5: reset the peak RSS (VmHWM, ru_maxrss) to the current RSS

    def mark(self, phase: str) -> None:
        if self.resettable:
            self.peaks[phase] = max(self.peaks.get(phase, 0.0), _peak_rss_mb())
            self._reset()

    def overall(self) -> float:
        """The peak of the whole run so far."""
        return max([*self.peaks.values(), _peak_rss_mb()])

    def on_step_end(self, args, state, control, **kwargs):
        self.mark("training steps")

    def on_evaluate(self, args, state, control, **kwargs):
        self.mark("dev evaluations")

    def on_save(self, args, state, control, **kwargs):
        self.mark("checkpoint saves")


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 2**20, 1)
