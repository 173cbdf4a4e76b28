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

import contextlib
import dataclasses
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers import SentenceTransformerTrainer
from sentence_transformers.base.sampler import DefaultBatchSampler
from transformers import TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from kit import static
from kit.config import cpu_has_native_bf16
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
    # "tatoeba-challenge", "stsb-multi-mt", "hub:<dataset id>" or a TSV path (english<TAB>translation);
    # several sources join with "+", e.g. "tatoeba-challenge+stsb-multi-mt".
    data: str = "tatoeba-challenge"
    max_pairs_per_language: int | None = None
    # Repeat the training pairs of some languages, e.g. {"ar": 2, "tr": 2}: weak or low-resource languages
    # get more of the steps (the dev split and the per-language cap count each pair once).
    oversample: dict[str, int] = field(default_factory=dict)
    dev_pairs_per_language: int = 100
    max_chars: int = 300
    max_seq_length: int = 64
    projection: bool | None = None  # None: only when the dimensions differ
    fit_projection: bool = False  # closed-form ridge fit of the projection before training
    freeze_embeddings: bool = True
    # None: the student's own dropout; 0 turns it off (less memory, faster; kit.student.set_dropout).
    dropout: float | None = None
    group_by_length: bool = True  # batches of similar length (less padding); see LengthGroupedBatchSampler
    bf16: bool | None = None  # None: on a GPU that has it, or a CPU that multiplies bf16 natively
    batch_size: int = 64  # pairs per optimizer step
    # Split each step's batch into this many micro-batches (gradient accumulation): same step, less memory;
    # on the longest batch two micro-batches of 32 were also faster than one of 64 (bench/bench_memory.py).
    micro_batches: int = 1
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
    wise_alpha: float = 1.0  # < 1: interpolate towards the base weights at the end (WeightInterpolation)
    evaluate_tasks: tuple[str, ...] = ("sts17", "tatoeba")
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked here, not when training starts, so a bad value fails before minutes of data and labels.
        if self.micro_batches < 1 or self.batch_size % self.micro_batches:
            raise KitError(
                f"micro_batches={self.micro_batches} must be ≥ 1 and divide batch_size={self.batch_size}"
            )
        bad = {lang: n for lang, n in self.oversample.items() if not isinstance(n, int) or n < 1}
        if bad:
            raise KitError(f"oversample wants whole numbers ≥ 1 (times each pair is used), got {bad}")
        untrained = sorted(set(self.oversample) - set(self.languages))
        if untrained:
            raise KitError(
                f"oversample names languages that are not trained: {', '.join(untrained)} "
                f"(languages={','.join(self.languages)})"
            )

    def replace(self, **changes: Any) -> DistillConfig:
        """A copy with some fields changed; a new ``languages`` keeps only the oversampling of those languages.

        >>> PRESETS["cpu"].replace(languages=("tr", "de")).oversample
        {'tr': 2}
        """
        if "languages" in changes and "oversample" not in changes:
            changes["oversample"] = {k: n for k, n in self.oversample.items() if k in changes["languages"]}
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
    # The demo: the best quality reachable in ≤ 30 min on 2 cores (bench/README.md has the evidence).
    # - teacher = the student's own English side: no new space to learn, every step goes into alignment
    #   (an English teacher first has to be relearned, which a CPU budget cannot afford);
    # - Tatoeba (conversational) + STSb translations (captions, news, forums: the genres of STS2017);
    #   Arabic and Turkish have no STSb translations and are the weakest tracks: their pairs are used twice;
    # - no dropout: the frozen self-teacher has none either, and dropout's saved masks were ~1.5 GB of peak memory;
    #   each step's 64 pairs in micro-batches (gradient accumulation): two of 32 took the demo's peak RSS from
    #   4.78 to 3.78 GiB at the same quality; four of 16 pay for the memory of the faster "math" attention
    #   kernel CPU training uses (training_attention: ~1.4× faster steps, +0.5 GiB on the longest batch);
    # - bf16 autocast where the CPU has it, length-grouped batches: ~4× the pairs/s of fp32 random batches;
    # - lr 1e-4, twice the paper's 5e-5 (lr 2e-5: worse on every track): a CPU budget holds ~1,000 steps, and
    #   the larger steps buy the alignment the cross-lingual tracks and Tatoeba need (bench/README.md);
    # - WiSE interpolation 70 % of the way to the trained weights: keeps the cross-lingual gain, gives back
    #   most of the same-language drift.
    "cpu": DistillConfig(
        name="cpu",
        teacher=SELF_TEACHER,
        data="tatoeba-challenge+stsb-multi-mt",
        max_pairs_per_language=11000,
        oversample={"ar": 2, "tr": 2},
        max_seq_length=64,
        dropout=0.0,
        batch_size=64,
        micro_batches=4,
        learning_rate=1e-4,
        max_steps=1200,
        time_budget_minutes=20,
        wise_alpha=0.7,
        eval_steps=200,
        save_steps=100,
    ),
    # A static student (kit.static): e5-small's own token table, averaged, no attention; a step costs
    # milliseconds, so it sees every pair many times. Large batches and an embedding-sized learning rate;
    # no weight decay (it would shrink the rows a batch does not touch). Chosen on dev data: bench/README.md.
    "static": DistillConfig(
        name="static",
        teacher=SELF_TEACHER,
        student="static:multilingual-e5-small",
        data="tatoeba-challenge+stsb-multi-mt",
        max_pairs_per_language=6000,
        group_by_length=False,
        batch_size=256,
        learning_rate=0.05,
        epochs=5,
        warmup_ratio=0.05,
        weight_decay=0.0,
        eval_steps=500,
        save_steps=1000,
        logging_steps=50,
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

    sources = [config.data] if Path(config.data).is_file() else config.data.split("+")
    raw = parallel.concat([_load_source(source, config, combined=len(sources) > 1) for source in sources])
    cleaned, clean_report = parallel.clean(raw, max_chars=config.max_chars)
    guarded, leak_report = parallel.drop_leaks(cleaned, languages=list(config.languages))
    guarded = guarded.shuffle(seed=config.seed)
    train, dev = _split_dev(guarded, config)
    train = _oversample(train, config.oversample, seed=config.seed)
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


def _load_source(source: str, config: DistillConfig, *, combined: bool):
    """One data source of ``config.data`` (sources are joined with ``+``)."""
    from kit import parallel

    if source == "tatoeba-challenge":
        return parallel.load_tatoeba_challenge(list(config.languages), seed=config.seed)
    if source == "stsb-multi-mt":
        # Combined with another source, the languages stsb-multi-mt lacks (ar, tr) come from that one.
        return parallel.load_stsb_translations(list(config.languages), skip_missing=combined)
    if source.startswith("hub:"):
        return parallel.load_hub(source.removeprefix("hub:"), languages=list(config.languages))
    if len(config.languages) != 1:
        raise KitError(f"a TSV data file ({source}) holds one language; pass exactly one in languages")
    return parallel.load_tsv(source, config.languages[0])


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


def _oversample(dataset, repeats: dict[str, int], *, seed: int):
    """Repeat the pairs of the languages in ``repeats`` (language → times), then reshuffle."""
    if not repeats:
        return dataset
    unknown = sorted(set(repeats) - set(dataset.unique("language")))
    if unknown:
        raise KitError(f"oversample names languages with no training pairs: {', '.join(unknown)}")
    indices = [i for i, lang in enumerate(dataset["language"]) for _ in range(repeats.get(lang, 1))]
    return dataset.select(indices).shuffle(seed=seed)


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


# ------------------------------------------------------------------------------------------- batches


class LengthGroupedBatchSampler(DefaultBatchSampler):
    """Random batches of similar-length pairs, so that little compute goes into padding.

    A batch is padded to its longest sentence; parallel sentences range from 2 to 60+ tokens, so a random
    batch of 64 is mostly padding. Like ``transformers``' ``group_by_length``: shuffle, sort each window of
    ``window`` batches by length, cut it into batches, then shuffle the batch order. Deterministic per
    (seed, epoch), so an interrupted run resumes on the same batches. The length of a pair is the longer of
    its two sides in characters, a cheap proxy for tokens.

    The trainer builds it with ``batch_sampler=LengthGroupedBatchSampler`` in the training arguments.
    """

    window = 32

    def __init__(
        self,
        dataset,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            range(len(dataset)),
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        text_columns = [
            name for name in dataset.column_names if name not in (valid_label_columns or ["label"])
        ]
        self.lengths = np.max([[len(text) for text in dataset[name]] for name in text_columns], axis=0)

    def _batches(self) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).numpy()
        span = self.batch_size * self.window
        batches = []
        for start in range(0, len(order), span):
            chunk = order[start : start + span]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")].tolist()
            batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        if self.drop_last:
            batches = [batch for batch in batches if len(batch) == self.batch_size]
        return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]

    def __iter__(self):
        yield from self._batches()

    def __len__(self) -> int:
        full, rest = divmod(len(self.lengths), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)


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


class BudgetAwareTrainer(SentenceTransformerTrainer):
    """SentenceTransformerTrainer whose warm-up and linear decay fit a :class:`TimeBudget`.

    A step schedule cut short by the clock stops at its peak learning rate, the worst place to stop (the
    quality-vs-time curves in bench/README.md). Here each scheduler step asks the budget how far training is
    (by steps or by time, whichever is further), so the learning rate reaches 0 when training ends. Without a
    budget it is the plain trainer.
    """

    def __init__(self, *args, time_budget: TimeBudget | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_budget = time_budget

    def create_scheduler(self, num_training_steps: int, optimizer=None):
        scheduler = super().create_scheduler(num_training_steps, optimizer)
        budget = self.time_budget
        if budget is None or self.args.lr_scheduler_type != "linear":
            return scheduler
        warmup = self.args.get_warmup_steps(num_training_steps) / max(1, num_training_steps)

        def factor(step: int) -> float:
            done = budget.progress(step, num_training_steps)
            return done / warmup if done < warmup else max(0.0, (1.0 - done) / max(1e-9, 1.0 - warmup))

        scheduler.lr_lambdas = [factor] * len(scheduler.lr_lambdas)
        return scheduler


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

    # Labelling is inference: bf16 wherever the hardware multiplies it natively, whatever the training
    # precision, so that recipes which train differently still share the same cached labels.
    precision = "bf16" if hardware_bf16() else "float32"
    if config.teacher == SELF_TEACHER:  # a static student's self-teacher is the transformer it starts from
        base = static.base_model(config.student)
        return Teacher(base, name=f"self--{base}", normalize=True, precision=precision)
    return Teacher(config.teacher, precision=precision)


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


def hardware_bf16() -> bool:
    """Whether this machine computes in bfloat16 natively: a GPU that supports it, or a CPU with AVX512-BF16/AMX."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return cpu_has_native_bf16()


def use_bf16(config: DistillConfig) -> bool:
    """bfloat16 autocast for training: ``config.bf16``, or :func:`hardware_bf16` when it is None."""
    return hardware_bf16() if config.bf16 is None else config.bf16


@contextlib.contextmanager
def training_attention() -> Iterator[str]:
    """On a CPU, train with PyTorch's plain "math" attention kernel; on a GPU, let PyTorch choose.

    Without dropout, ``scaled_dot_product_attention`` picks its fused (flash) CPU kernel, whose backward pass
    is slower on the short batches of parallel sentences: forcing "math" made the ``cpu`` preset's steps 1.43×
    faster (bench/bench_levers.py). Inference keeps the default kernel, which is the faster one there.
    Yields the kernel's name, for ``results.json``.
    """
    if torch.cuda.is_available():
        yield "pytorch default"
        return
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.MATH):
        yield "math"


def training_arguments(config: DistillConfig, out_dir: Path):
    from sentence_transformers import SentenceTransformerTrainingArguments

    cuda = torch.cuda.is_available()
    bf16 = use_bf16(config)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return SentenceTransformerTrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size // config.micro_batches,
        gradient_accumulation_steps=config.micro_batches,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float < 1 is a ratio
        weight_decay=config.weight_decay,
        # Mixed precision where the hardware has it (bf16 autocast on CPU: measured in bench/README.md).
        bf16=bf16,
        fp16=cuda and not bf16,
        batch_sampler=LengthGroupedBatchSampler if config.group_by_length else "batch_sampler",
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

    from kit.student import build_student, check_compatible, fit_projection, set_dropout

    if isinstance(config, str):
        config = preset(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    _set_threads()
    from transformers import set_seed

    set_seed(config.seed)
    memory = MemoryPeaks()

    train, dev, counts = load_parallel_data(config)
    memory.mark("parallel data")
    teacher = build_teacher(config)
    train = teacher.label(train)
    teacher.encode(dev["english"])  # the dev evaluator's targets, cached: the teacher model can go
    teacher.release()
    memory.mark("teacher labels")
    student = build_student(
        config.student,
        teacher_dim=teacher.dim,
        normalize=teacher.normalize,
        projection=config.projection,
        freeze_embeddings=config.freeze_embeddings,
        max_seq_length=config.max_seq_length,
    )
    check_compatible(student, teacher.dim, teacher.normalize)
    static_report = static.prepare(student, config, train, dev) if static.is_static(config.student) else None
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

    history, nan_guard = MetricsHistory(), NanGuard()
    all_callbacks = [history, nan_guard, memory]
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
        loss=static.loss(config, student),  # MSELoss unless config.extra["contrastive"] (kit.static)
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

    metrics = {"steps": trainer.state.global_step, **dev_metrics(evaluator, student)}
    memory.mark("end of training")
    model_path = out_dir / "model"
    results_path = out_dir / "results.json"
    if trainer.is_world_process_zero():
        student.save(str(model_path))
        if config.evaluate_tasks:
            metrics.update(_final_evaluation(student, config))
            baseline.update(_final_evaluation(static.baseline(config.student), config))
        memory.mark("final evaluation")
        record = {
            **metrics,
            "baseline": baseline,
            "config": dataclasses.asdict(config),
            "data": counts,
            "teacher_labels": teacher.stats,
            "projection_fit": projection_fit,
            "static_vocabulary": static_report,
            "history": history.rows,
            "stopped_by_time_budget": bool(budget and budget.stopped_at),
            "resumed_from": last,
            "attention_kernel": attention_kernel,
            "world_size": args.world_size,
            "wall_time_s": round(time.time() - started, 1),
            "peak_rss_mb": memory.overall(),
            "peak_rss_mb_by_phase": memory.peaks,
            "versions": versions(),
        }
        from kit._io import write_json

        write_json(results_path, record)
        _write_model_card(model_path, record)
    return DistillResult(student, metrics, baseline, results_path, model_path)


def _final_evaluation(model, config: DistillConfig) -> dict[str, Any]:
    from kit.evaluation import evaluate_for_results

    metrics = evaluate_for_results(model, tasks=config.evaluate_tasks, languages=config.languages)
    if "tatoeba_avg" in metrics:
        metrics["tatoeba"] = metrics["tatoeba_avg"]  # mean accuracy over the training languages
    return metrics


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
    teacher = config["teacher"]
    if teacher == SELF_TEACHER:
        rows["teacher = the base student's English side"] = row(record["baseline"])
    for name in dict.fromkeys([teacher, "all-MiniLM-L6-v2", "use-multilingual"]):
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


def preset(name: str) -> DistillConfig:
    """A copy of a named preset; unknown names get a clear error."""
    if name not in PRESETS:
        raise KitError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dataclasses.replace(PRESETS[name])


def _set_threads() -> None:
    """On CPU, one intra-op thread per core (more oversubscribes a 2-core laptop); OMP_NUM_THREADS wins."""
    if not torch.cuda.is_available() and not os.environ.get("OMP_NUM_THREADS"):
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


def _parse_oversample(text: str) -> dict[str, int]:
    """``"ar=2,tr=3"`` → ``{"ar": 2, "tr": 3}``, with an error naming the argument."""
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        lang, _, times = item.partition("=")
        if not times.strip().isdigit():
            raise KitError(f"argument --oversample: expected language=times, e.g. ar=2,tr=2; got {item!r}")
        out[lang.strip()] = int(times)
    return out


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
    if args.oversample:
        changes["oversample"] = _parse_oversample(args.oversample)
    config = config.replace(**changes)
    result = distill(config, args.out)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun only rank 0 writes results.json and reports
        return 0
    record = json.loads(result.results_path.read_text(encoding="utf-8"))
    print(f"model: {result.model_path}\nresults: {result.results_path}")
    if "sts17_avg" in record:
        print(sts17_report(record))
    for key in ("dev_translation_accuracy", "dev_mse", "tatoeba"):
        if key in record:
            print(
                f"{key:>26}: {record[key]:8.3f}   (base student {record['baseline'].get(key, float('nan')):.3f})"
            )
    print(
        f"{'wall time':>26}: {record['wall_time_s'] / 60:8.1f} min   peak RSS {record['peak_rss_mb'] / 1024:.2f} GB"
    )
    if record.get("peak_rss_mb_by_phase"):
        phases = ", ".join(f"{k} {v / 1024:.2f}" for k, v in record["peak_rss_mb_by_phase"].items())
        print(f"{'peak RSS by phase (GB)':>26}: {phases}")
    return 0
