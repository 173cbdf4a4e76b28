"""Teacher labelling: the kit's Teacher vs a plain ``teacher.encode`` over every English side, same run.

Prints the ratios the performance issue asks for: kit labelling speed-up over the plain encode (target ≥ 1.5×)
and the cached rerun's share of the first run (target < 5 %). The cache goes to a fresh temporary folder so
the first run is really cold.

    python bench/bench_teacher.py [--languages ar,de,es,fr,it,nl,tr] [--pairs-per-language 2000] [--teacher all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default="ar,de,es,fr,it,nl,tr")
    parser.add_argument("--pairs-per-language", type=int, default=2000)
    parser.add_argument("--teacher", default="all-MiniLM-L6-v2")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    os.environ["KIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-teacher-")

    from kit import parallel
    from kit.sources import load_model
    from kit.teacher import Teacher

    languages = args.languages.split(",")
    data = parallel.load_tatoeba_challenge(languages, max_per_language=args.pairs_per_language, seed=0)
    english = list(data["english"])
    model = load_model(args.teacher)
    print(f"{len(english)} English sides ({len(set(english))} unique), teacher {args.teacher}")

    start = time.perf_counter()
    plain = model.encode(english, batch_size=args.batch_size, convert_to_numpy=True, show_progress_bar=False)
    t_plain = time.perf_counter() - start

    teacher = Teacher(model, name=args.teacher, batch_size=args.batch_size, show_progress_bar=False)
    start = time.perf_counter()
    labels = teacher.encode(english)
    t_kit = time.perf_counter() - start

    rerun = Teacher(model, name=args.teacher, batch_size=args.batch_size, show_progress_bar=False)
    start = time.perf_counter()
    again = rerun.encode(english)
    t_cached = time.perf_counter() - start

    # Same vectors up to float noise from different batch compositions (padding changes the summation order).
    assert np.abs(plain - labels).max() < 1e-3, np.abs(plain - labels).max()
    assert np.abs(labels - again).max() < 1e-6, np.abs(labels - again).max()
    print(f"plain encode        {t_plain:8.2f} s   (baseline)")
    print(f"kit, cold cache     {t_kit:8.2f} s   speed-up {t_plain / t_kit:5.2f}x   (target >= 1.5x)")
    print(
        f"kit, cached rerun   {t_cached:8.2f} s   {100 * t_cached / t_kit:5.2f} % of the cold run   (target < 5 %)"
    )


if __name__ == "__main__":
    main()
