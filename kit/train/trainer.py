"""The trainer and how it is set up: sentence-transformers' trainer with the kit's batches, schedule, precision,
attention kernel and threads.

- :class:`LengthGroupedBatchSampler`: random batches of similar-length pairs (little padding);
- :class:`BudgetAwareTrainer`: a learning-rate schedule that fits a :class:`~kit.train.callbacks.TimeBudget`;
- :func:`training_arguments`: a :class:`~kit.train.config.DistillConfig` as the trainer's arguments;
- :func:`hardware_bf16`, :func:`use_bf16`: bfloat16 where the hardware computes it natively;
- :func:`training_attention`: the attention kernel the steps run under.

Example::

    >>> from kit.train import DistillConfig
    >>> args = training_arguments(DistillConfig(batch_size=64, micro_batches=2), Path("runs/x"))  # doctest: +SKIP
    >>> args.per_device_train_batch_size, args.gradient_accumulation_steps                        # doctest: +SKIP
    (32, 2)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformerTrainer
from sentence_transformers.base.sampler import DefaultBatchSampler

from kit.config import cpu_has_native_bf16
from kit.train.callbacks import TimeBudget
from kit.train.config import DistillConfig

__all__ = [
    "BudgetAwareTrainer",
    "LengthGroupedBatchSampler",
    "hardware_bf16",
    "training_arguments",
    "training_attention",
    "use_bf16",
]


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


def _set_threads() -> None:
    """On CPU, one intra-op thread per core (more oversubscribes a 2-core laptop); OMP_NUM_THREADS wins."""
    if not torch.cuda.is_available() and not os.environ.get("OMP_NUM_THREADS"):
        world = int(os.environ.get("WORLD_SIZE", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
