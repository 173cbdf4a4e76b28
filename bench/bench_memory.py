"""Memory of one training step on the longest batch the ``cpu`` preset can make, by variant, same run.

The ``cpu`` preset's peak memory is set by its longest batches: 64 pairs whose both sides fill
``max_seq_length`` (64 tokens). Each variant runs in its own process (so its peak is its own): the student of
the preset (multilingual-e5-small, frozen word embeddings, bf16 autocast where the CPU has it), three
optimizer steps on such a batch, and the peak RSS of those steps (``kit.train.MemoryPeaks``) with the time of
a step. Ratios are against ``dropout`` (what the trainer does with the model's own settings).
Steps run under the kit's training attention kernel (``kit.train.training_attention``) unless a variant says
otherwise.

``trimmed-vocab`` keeps only the rows of the word-embedding table that the preset's data (train and dev, both
sides) tokenizes to: the table is frozen, so this can only save memory, and a kit that trimmed would put the
full table back before saving. Every variant first looks up all of those tokens once, as an epoch of training
would: transformers memory-maps the weights file, so a frozen table is resident only where it has been read.

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

# name → (what it is, its settings); settings left out take the cpu preset's value or the kit's default.
VARIANTS = {
    "dropout": ("training mode, the model's dropout (0.1)", dict(dropout=None, micro_batches=1)),
    "no-dropout": ("training mode, dropout 0", dict(micro_batches=1)),
    "no-dropout-accum2": (
        "dropout 0, two micro-batches of 32 (gradient accumulation)",
        dict(micro_batches=2),
    ),
    "no-dropout-accum2-default-attention": (
        "the same, with PyTorch's default attention kernel (flash)",
        dict(micro_batches=2, kit_attention=False),
    ),
    "no-dropout-accum4": ("dropout 0, four micro-batches of 16 (the cpu preset)", dict(micro_batches=4)),
    "no-dropout-accum2-trimmed-vocab": (
        "the same as no-dropout-accum2, word embeddings the data's tokens only",
        dict(micro_batches=2, trimmed_vocab=True),
    ),
}


def preset_token_ids(path: Path) -> int:
    """Save the unique token ids of the cpu preset's data (train and dev, both sides) to ``path``."""
    import numpy as np

    from kit.sources import load_model
    from kit.train import PRESETS, load_parallel_data

    config = PRESETS["cpu"]
    train, dev, _ = load_parallel_data(config, verbose=False)
    tokenizer = load_model(config.student)[0].tokenizer
    ids = set(tokenizer.all_special_ids)
    for split in (train, dev):
        for column in ("english", "non_english"):
            texts = list(dict.fromkeys(split[column]))
            for start in range(0, len(texts), 4096):
                encoded = tokenizer(
                    texts[start : start + 4096], truncation=True, max_length=config.max_seq_length
                )
                ids.update(i for row in encoded["input_ids"] for i in row)
    np.save(path, np.array(sorted(ids), dtype=np.int64))
    return len(ids)


def trim_word_embeddings(model, keep) -> None:
    """Replace the student's word-embedding table by its ``keep`` rows (ids outside them → the unknown token)."""
    import torch

    class TrimmedEmbedding(torch.nn.Module):
        def __init__(self, rows: torch.Tensor, remap: torch.Tensor) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(rows, requires_grad=False)
            self.register_buffer("remap", remap)

        def forward(self, input_ids):
            return torch.nn.functional.embedding(self.remap[input_ids], self.weight)

    transformer = model[0]
    full = transformer.auto_model.get_input_embeddings()
    keep = torch.as_tensor(keep)
    unknown = int((keep == transformer.tokenizer.unk_token_id).nonzero()[0, 0])
    remap = torch.full((full.num_embeddings,), unknown, dtype=torch.long)
    remap[keep] = torch.arange(len(keep))
    # Built from arguments, not a closure over ``full``: a closure would keep the full table alive.
    transformer.auto_model.set_input_embeddings(TrimmedEmbedding(full.weight.detach()[keep].clone(), remap))


def worker(variant: str, token_ids: Path, steps: int = 3) -> dict:
    settings = VARIANTS[variant][1]
    import contextlib
    import gc

    import numpy as np
    import torch
    from sentence_transformers.sentence_transformer.losses import MSELoss

    from kit.student import build_student, set_dropout
    from kit.train import PRESETS, MemoryPeaks, MemoryTrim, hardware_bf16, training_attention

    config = PRESETS["cpu"]
    MemoryTrim()  # the glibc settings CPU training runs with
    model = build_student(
        config.student,
        teacher_dim=384,
        normalize=True,
        freeze_embeddings=True,
        max_seq_length=config.max_seq_length,
    )
    ids = torch.as_tensor(np.load(token_ids))
    if settings.get("trimmed_vocab"):
        trim_word_embeddings(model, ids)
        gc.collect()
    with torch.no_grad():  # read every row the data uses, as training does over an epoch
        model[0].auto_model.get_input_embeddings()(ids)
    model.train()
    dropout = settings.get("dropout", config.dropout)
    if dropout is not None:
        set_dropout(model, dropout)
    loss = MSELoss(model)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    texts = [" ".join(["word"] * 200)] * config.batch_size  # every side truncated to max_seq_length
    features = [model.tokenize(texts), model.tokenize(texts)]
    labels = torch.randn(config.batch_size, 384)
    parts = settings.get("micro_batches", config.micro_batches)
    size = config.batch_size // parts
    attention = training_attention() if settings.get("kit_attention", True) else contextlib.nullcontext()
    peaks = MemoryPeaks()
    times = []
    with attention:
        for _ in range(steps):
            start = time.perf_counter()
            for part in range(parts):
                chunk = slice(part * size, (part + 1) * size)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=hardware_bf16()):
                    batch = [
                        {k: v[chunk] if torch.is_tensor(v) else v for k, v in f.items()} for f in features
                    ]
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
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--token-ids", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.token_ids)))
        return
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        token_ids = Path(tmp) / "token_ids.npy"
        print(f"{preset_token_ids(token_ids):,} distinct tokens in the cpu preset's data", flush=True)
        for variant in args.variants.split(","):
            if variant not in VARIANTS:
                raise SystemExit(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
            command = [sys.executable, __file__, "--worker", variant, "--token-ids", str(token_ids)]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = rows[0]
    print(f"\n{'variant':<36}{'peak RSS':>10}{'× dropout':>11}{'s/step':>9}{'× dropout':>11}   what")
    for row in rows:
        print(
            f"{row['variant']:<36}{row['peak_rss_mb'] / 1024:9.2f}G{row['peak_rss_mb'] / base['peak_rss_mb']:10.2f}×"
            f"{row['s_per_step']:9.2f}{row['s_per_step'] / base['s_per_step']:10.2f}×   {VARIANTS[row['variant']][0]}"
        )
    print(f"(batch: {base['tokens_per_side']} tokens per side, both sides of 64 pairs)")


if __name__ == "__main__":
    main()
