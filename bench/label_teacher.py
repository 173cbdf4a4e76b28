"""Label a preset's English sides with a teacher, in chunks, and print the labelling speed.

Each chunk becomes one shard of the kit's embedding cache, so an interrupted run keeps what it labelled and a
later ``distill`` with that teacher (alone or in a ``+`` combination) reads the labels instead of computing them.

Usage::

    python bench/label_teacher.py --preset cpu --teacher all-mpnet-base-v2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu", help="whose data to label (default: cpu)")
    parser.add_argument("--teacher", default="all-mpnet-base-v2", help="one teacher model name")
    parser.add_argument("--chunk", type=int, default=4000, help="texts per cache shard")
    args = parser.parse_args()

    from kit.train import preset
    from kit.train.data import load_parallel_data
    from kit.train.pipeline import build_teacher

    config = preset(args.preset).replace(teacher=args.teacher)
    train, dev, _ = load_parallel_data(config, verbose=False)
    texts = list(dict.fromkeys([*dev["english"], *train["english"]]))
    print(f"{len(texts)} unique English texts of the {args.preset!r} preset", flush=True)
    teacher = build_teacher(config)
    start = time.perf_counter()
    for i in range(0, len(texts), args.chunk):
        teacher.encode(texts[i : i + args.chunk])
        done = min(i + args.chunk, len(texts))
        print(f"{done} texts, {done / (time.perf_counter() - start):.1f}/s", flush=True)
    print(f"{args.teacher}: {len(texts)} texts in {time.perf_counter() - start:.0f} s; {teacher.stats}")


if __name__ == "__main__":
    main()
