"""A layer-dropped student for the benchmarks: the same encoder with only some of its transformer layers.

Dropping layers is the cheapest way to a smaller student (Sajjad et al. 2022, "On the effect of dropping
layers of pre-trained transformer models"): fewer layers, proportionally faster steps, no new vocabulary. It is
measured here as a lever (``bench_levers.py`` for speed, ``recipe_quality.py --keep-layers`` for quality), not
part of the kit: see bench/README.md for whether it paid.

    >>> folder = layer_dropped_student("multilingual-e5-small", [0, 2, 4, 6, 8, 10], "/tmp/e5-6")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path


def parse_layers(text: str) -> list[int]:
    """``"0,2,4"`` → ``[0, 2, 4]``, with a clear error for anything else."""
    try:
        layers = [int(part) for part in text.split(",")]
    except ValueError:
        raise SystemExit(f"--keep-layers wants layer numbers separated by commas, got {text!r}") from None
    if layers != sorted(set(layers)) or layers[0] < 0:
        raise SystemExit(f"--keep-layers wants increasing, distinct layer numbers ≥ 0, got {text!r}")
    return layers


def layer_dropped_student(name: str, keep: list[int], folder: str | Path) -> Path:
    """Save ``name`` with only the transformer layers in ``keep`` (0-based) to ``folder``; returns the folder."""
    import torch

    from kit.sources import load_model

    folder = Path(folder)
    model = load_model(name)
    encoder = model[0].auto_model
    layers = encoder.encoder.layer
    if keep[-1] >= len(layers):
        raise SystemExit(f"{name} has {len(layers)} layers; cannot keep layer {keep[-1]}")
    encoder.encoder.layer = torch.nn.ModuleList([layers[i] for i in keep])
    encoder.config.num_hidden_layers = len(keep)
    model.save(str(folder))
    return folder
