"""Teacher labelling: the kit's labelling vs a plain ``teacher.encode`` over every English side, same run.

The kit labels as ``distill`` does (:func:`kit.train.build_teacher`): each unique English sentence once, in
length-sorted batches, in bf16 where the CPU multiplies it natively, through an on-disk cache. The baseline is
what a script without the kit does: load the teacher and ``encode`` every English side of the training pairs
(float32, same batch size). The data are a preset's training pairs (default: the ``cpu`` preset, whose STSb
translations share one English side across five languages). The cache goes to a fresh temporary folder, so
the first run is cold; the rerun is a new Teacher reading that cache.

Prints the speed-up of the kit's cold run (target ≥ 1.5×), the cached rerun's share of the cold run (target
< 5 %) and how close the kit's labels are to the plain ones (cosine).

    python bench/bench_teacher.py                          # cpu preset data, 2,000 pairs per language
    python bench/bench_teacher.py --pairs-per-language 0   # all of the preset's pairs (~75k; ~6 min)
    python bench/bench_teacher.py --teacher all-MiniLM-L6-v2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu", help="whose training pairs and teacher (default: cpu)")
    parser.add_argument("--pairs-per-language", type=int, default=2000, help="0: all of the preset's pairs")
    parser.add_argument("--teacher", default=None, help="another teacher than the preset's")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    os.environ["KIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-teacher-")

    from kit.sources import load_model
    from kit.train import build_teacher, load_parallel_data, preset

    config = preset(args.preset).replace(max_pairs_per_language=args.pairs_per_language or None)
    if args.teacher:
        config = config.replace(teacher=args.teacher)
    train, _dev, _counts = load_parallel_data(config, verbose=False)
    english = list(train["english"])
    (spec,) = config.teacher_specs  # one teacher: its plain encode is the baseline
    teacher_name = spec.model
    print(
        f"{len(english)} English sides ({len(set(english))} unique) of the {config.name} preset's pairs;"
        f" teacher {config.teacher} ({teacher_name})"
    )

    model = load_model(teacher_name)
    start = time.perf_counter()
    plain = model.encode(english, batch_size=args.batch_size, convert_to_numpy=True)
    t_plain = time.perf_counter() - start
    del model

    def kit_labels() -> tuple[np.ndarray, float, str]:
        teacher = build_teacher(config)
        teacher.show_progress_bar = True
        start = time.perf_counter()
        labels = teacher.encode(english)
        return labels, time.perf_counter() - start, teacher.name

    labels, t_kit, name = kit_labels()
    again, t_cached, _ = kit_labels()

    cosine = np.sum(_unit(plain) * _unit(labels), axis=1)
    assert np.array_equal(labels, again), "the cached rerun must return the stored labels"
    print(f"\nplain encode (float32, every English side)  {t_plain:8.2f} s   (baseline)")
    print(f"kit, cold cache ({name})  {t_kit:8.2f} s   speed-up {t_plain / t_kit:5.2f}x   (target >= 1.5x)")
    print(
        f"kit, cached rerun  {t_cached:8.2f} s   {100 * t_cached / t_kit:5.2f} % of the cold run   (target < 5 %)"
    )
    print(f"labels vs plain: cosine mean {cosine.mean():.5f}, min {cosine.min():.5f}")


if __name__ == "__main__":
    main()
