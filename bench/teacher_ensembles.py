"""How good is a teacher before any training? Each model, and weighted combinations of them, on the dev task
(stsb-dev-cross) and STS2017.

A combined teacher (``kit.teacher.CombinedTeacher``, ``--teacher "self*0.6+use-multilingual*0.4"``) puts each
teacher's unit vectors side by side scaled by √weight, so the cosine of two combined vectors is the weighted mean
of the teachers' cosines: this script scores exactly that, from each model's embeddings (cached by the kit's
embedding cache, so a rerun with other weights encodes nothing). Choose on the ``dev`` columns.

Usage::

    python bench/teacher_ensembles.py --models multilingual-e5-small,use-multilingual --weights 0.6,0.5,0.4
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--models", default="multilingual-e5-small,use-multilingual", help="two models, comma-separated"
    )
    parser.add_argument(
        "--weights", default="0.7,0.6,0.5,0.4,0.3", help="weights of the first model to score"
    )
    args = parser.parse_args()
    # imported after the arguments are parsed, so that --help answers at once
    import numpy as np
    from scipy.stats import spearmanr

    from kit.evaluation.embeddings import embed_sets
    from kit.evaluation.sts import (
        STS17_CROSS,
        STS17_TRACKS,
        STSB_DEV_TRACKS,
        load_sts17_track,
        load_stsb_dev_cross,
    )
    from kit.sources import as_encoder

    first, second = args.models.split(",")
    pairs = {f"sts17 {t}": load_sts17_track(t) for t in STS17_TRACKS}
    pairs |= {f"dev {t}": load_stsb_dev_cross(t) for t in STSB_DEV_TRACKS}
    texts = list(dict.fromkeys(s for p in pairs.values() for s in (*p.sentences1, *p.sentences2)))
    print(f"{len(texts)} unique texts in {len(pairs)} tracks", flush=True)
    vectors = {}
    for name in (first, second):
        model = embed_sets(as_encoder(name), {"teacher-ensembles": texts}, progress=True)["teacher-ensembles"]
        rows = np.asarray(model.encode(texts), dtype=np.float64)
        vectors[name] = dict(zip(texts, rows / np.linalg.norm(rows, axis=1, keepdims=True), strict=True))

    def cosines(name, p):
        a = np.stack([vectors[name][s] for s in p.sentences1])
        b = np.stack([vectors[name][s] for s in p.sentences2])
        return (a * b).sum(axis=1)

    cos = {(name, key): cosines(name, p) for name in (first, second) for key, p in pairs.items()}
    print("| teacher | dev en-X (5) | dev en-en | STS2017 avg | cross (7) | en-en | ar-en | tr-en |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for w in [1.0, 0.0] + [float(x) for x in args.weights.split(",")]:
        score = {
            key: 100 * spearmanr(w * cos[first, key] + (1 - w) * cos[second, key], p.scores).correlation
            for key, p in pairs.items()
        }
        dev_cross = np.mean([score[f"dev {t}"] for t in STSB_DEV_TRACKS if t != "en-en"])
        row = [
            dev_cross,
            score["dev en-en"],
            np.mean([score[f"sts17 {t}"] for t in STS17_TRACKS]),
            np.mean([score[f"sts17 {t}"] for t in STS17_CROSS]),
            score["sts17 en-en"],
            score["sts17 ar-en"],
            score["sts17 tr-en"],
        ]
        label = first if w == 1 else second if w == 0 else f"{first} × {w:g} + {second} × {1 - w:g}"
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in row) + " |", flush=True)


if __name__ == "__main__":
    main()
