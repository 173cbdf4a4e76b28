"""Training-speed levers, one at a time, against float32 random batches measured in the same run.

Each variant trains the ``cpu`` preset's student on the same small slice of its data (labels cached after the
first) for ``--steps`` steps and reports seconds per step over the steps after a warm-up, so model loading,
labelling and the first (slow) steps are not counted. Ratios are against the first variant.

Usage::

    python bench/bench_levers.py                 # about 6 min on 2 cores
    python bench/bench_levers.py --steps 20 --variants fp32-random,bf16-grouped
    python bench/bench_levers.py --variants preset,preset-default-attention,preset-with-dropout,preset-one-batch-of-64
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

VARIANTS = {
    "fp32-random": dict(bf16=False, group_by_length=False),
    "fp32-grouped": dict(bf16=False, group_by_length=True),
    "bf16-random": dict(bf16=True, group_by_length=False),
    "bf16-grouped": dict(bf16=True, group_by_length=True),
    "bf16-grouped-unfrozen-embeddings": dict(bf16=True, group_by_length=True, freeze_embeddings=False),
    # The cpu preset as it is (bf16, grouped, dropout 0, micro-batches, math attention), then one change at a time.
    "preset": dict(),
    "preset-with-dropout": dict(dropout=None),
    "preset-one-batch-of-64": dict(micro_batches=1),
    "preset-2-micro-batches": dict(micro_batches=2),
    # The kit trains with the "math" attention kernel on a CPU (kit.train.training_attention); this lets
    # PyTorch choose, as it would by default (without dropout it picks its fused flash kernel).
    "preset-default-attention": dict(attention="default"),
    "preset-max-seq-32": dict(max_seq_length=32),
    "preset-max-seq-128": dict(max_seq_length=128),
    "preset-batch-128": dict(batch_size=128, micro_batches=4),  # larger batch, fewer steps: compare pairs/s
    "preset-1-thread": dict(threads=1),
    # A smaller student: every other of e5-small's 12 layers (bench/layer_drop.py); quality: recipe_quality.py.
    "preset-6-layers": dict(keep_layers=[0, 2, 4, 6, 8, 10]),
}
# Variant keys the benchmark applies itself, not DistillConfig fields.
BENCH_ONLY = ("attention", "threads", "keep_layers")


@contextlib.contextmanager
def _threads(count: int | None):
    """Train on ``count`` threads (through OMP_NUM_THREADS, which distill() respects), then restore."""
    import torch

    if count is None:
        yield
        return
    before_env, before = os.environ.get("OMP_NUM_THREADS"), torch.get_num_threads()
    os.environ["OMP_NUM_THREADS"] = str(count)
    torch.set_num_threads(count)
    try:
        yield
    finally:
        if before_env is None:
            os.environ.pop("OMP_NUM_THREADS")
        else:
            os.environ["OMP_NUM_THREADS"] = before_env
        torch.set_num_threads(before)


def seconds_per_step(overrides: dict, steps: int, warmup: int) -> tuple[float, int]:
    """Seconds per optimizer step after the warm-up, and the pairs per step."""
    from transformers import TrainerCallback

    from kit.train import PRESETS, distill, pipeline

    class StepTimer(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == warmup:
                self.start = time.monotonic()
            if state.global_step == steps:
                self.stop = time.monotonic()

    config = PRESETS["cpu"].replace(
        max_steps=steps,
        max_pairs_per_language=600,
        dev_pairs_per_language=10,
        eval_steps=10**9,
        save_steps=10**9,
        time_budget_minutes=None,
        evaluate_tasks=(),
        wise_alpha=1.0,
        **{k: v for k, v in overrides.items() if k not in BENCH_ONLY},
    )
    timer = StepTimer()
    kit_attention = pipeline.training_attention  # the name distill() looks up
    if overrides.get("attention") == "default":
        pipeline.training_attention = lambda: contextlib.nullcontext("pytorch default")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-levers-") as tmp, _threads(overrides.get("threads")):
            if "keep_layers" in overrides:
                from layer_drop import layer_dropped_student

                smaller = layer_dropped_student(
                    config.student, overrides["keep_layers"], Path(tmp) / "student"
                )
                # The full student stays the teacher (the labels are the same as the preset's self-teacher's).
                config = config.replace(student=str(smaller), teacher=config.student)
            distill(config, Path(tmp) / "run", resume=False, callbacks=[timer])
    finally:
        pipeline.training_attention = kit_attention
    return (timer.stop - timer.start) / (steps - warmup), config.batch_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=35)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    results = {}
    for name in args.variants.split(","):
        if name not in VARIANTS:
            raise SystemExit(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
        seconds, batch = seconds_per_step(VARIANTS[name], args.steps, args.warmup)
        results[name] = batch / seconds
        print(f"{name:<34}{seconds:7.3f} s/step{results[name]:8.1f} pairs/s", flush=True)
    baseline_name = next(iter(results))
    print(f"\n== pairs/s over {baseline_name} (same run, steps {args.warmup}..{args.steps})")
    for name, value in results.items():
        print(f"{name:<34}{value / results[baseline_name]:6.2f}×")


if __name__ == "__main__":
    main()
