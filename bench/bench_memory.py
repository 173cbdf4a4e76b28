"""Memory of one training step on the longest batch the ``cpu`` preset can make, by variant, same run.

The ``cpu`` preset's peak memory is set by its longest batches: 64 pairs whose both sides fill
``max_seq_length`` (64 tokens). Each variant runs in its own process (so its peak is its own): the student of
the preset (multilingual-e5-small, frozen word embeddings, bf16 autocast where the CPU has it), three
optimizer steps on such a batch, and the peak RSS of those steps (``kit.train.MemoryPeaks``) with the time of
a step. Ratios are against ``dropout`` (what the trainer does with the model's own settings).

    python bench/bench_memory.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

VARIANTS = {
    "dropout": "training mode, the model's dropout (0.1)",
    "no-dropout": "training mode, dropout 0 (the cpu preset)",
    "no-dropout-accum2": "dropout 0, two micro-batches of 32 (gradient accumulation)",
}


def worker(variant: str, steps: int = 3) -> dict:
    import torch
    from sentence_transformers.sentence_transformer.losses import MSELoss

    from kit.student import build_student, set_dropout
    from kit.train import PRESETS, MemoryPeaks, MemoryTrim, hardware_bf16

    config = PRESETS["cpu"]
    MemoryTrim()  # the glibc settings CPU training runs with
    model = build_student(
        config.student,
        teacher_dim=384,
        normalize=True,
        freeze_embeddings=True,
        max_seq_length=config.max_seq_length,
    )
    model.train()
    if variant != "dropout":
        set_dropout(model, 0.0)
    loss = MSELoss(model)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    texts = [" ".join(["word"] * 200)] * config.batch_size  # every side truncated to max_seq_length
    features = [model.tokenize(texts), model.tokenize(texts)]
    labels = torch.randn(config.batch_size, 384)
    parts = 2 if variant.endswith("accum2") else 1
    size = config.batch_size // parts
    peaks = MemoryPeaks()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        for part in range(parts):
            chunk = slice(part * size, (part + 1) * size)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=hardware_bf16()):
                batch = [{k: v[chunk] if torch.is_tensor(v) else v for k, v in f.items()} for f in features]
                value = loss(batch, labels[chunk]) / parts
            value.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
        peaks.mark("steps")
    return {
        "variant": variant,
        "tokens_per_side": list(features[0]["input_ids"].shape),
        "peak_rss_mb": peaks.peaks.get("steps", peaks.overall()),
        "s_per_step": min(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    rows = []
    for variant in VARIANTS:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", variant], check=True, capture_output=True, text=True
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = rows[0]
    print(f"\n{'variant':<20}{'peak RSS':>10}{'× dropout':>11}{'s/step':>9}{'× dropout':>11}   what")
    for row in rows:
        print(
            f"{row['variant']:<20}{row['peak_rss_mb'] / 1024:9.2f}G{row['peak_rss_mb'] / base['peak_rss_mb']:10.2f}×"
            f"{row['s_per_step']:9.2f}{row['s_per_step'] / base['s_per_step']:10.2f}×   {VARIANTS[row['variant']]}"
        )
    print(f"(batch: {base['tokens_per_side']} tokens per side, both sides of 64 pairs)")


if __name__ == "__main__":
    main()
