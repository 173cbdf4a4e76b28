"""A trained, trimmed static student with the tokens it never trained given back: every token of the base
transformer's vocabulary gets its contextual row (``kit.static.contextual_table``), then the trained rows replace
theirs. Compares the two on dev tasks (``stsb-dev-cross``, FLORES devtest translation accuracy), never the test sets.

    python bench/static_full_vocabulary.py runs/static-final/model runs/static-final/model-full-vocabulary

Why: trimming keeps the ~43k tokens of the training and dev pairs; a test sentence's unseen word is then cut into
the pieces that remain instead of keeping its own row. Result and decision: bench/README.md, "The untrained tokens
given back".
"""

from __future__ import annotations

import argparse
import json
import time


def main(trained_path: str, out: str, tasks: str, base: str) -> dict:
    from sentence_transformers import SentenceTransformer

    from kit import static
    from kit.evaluation import evaluate
    from kit.sources import load_model

    trained = SentenceTransformer(trained_path, device="cpu")
    started = time.perf_counter()
    transformer = load_model(base, device="cpu")
    full = static.static_from_transformer(transformer, name=base)
    rows = static.contextual_table(transformer)
    seconds = time.perf_counter() - started
    full_ids = full.tokenizer.get_vocab()
    weights = trained[0].embedding.weight.detach()
    for piece, row in trained[0].tokenizer.get_vocab().items():
        rows[full_ids[piece]] = weights[row]  # a trimmed vocabulary is a subset of the base one
    full.embedding.weight.data.copy_(rows)
    model = SentenceTransformer(modules=[full, *list(trained)[1:]], device="cpu")
    model.save(out)
    scores = evaluate({"trimmed": trained, "full vocabulary": model}, tasks=tasks, cache=False).summary()
    report = {
        "trained": trained_path,
        "tokens": {"trimmed": weights.shape[0], "full": rows.shape[0]},
        "contextual_rows_s": round(seconds, 1),
        "scores": scores,
    }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trained", help="a trained static student folder (trimmed vocabulary)")
    parser.add_argument("out", help="where to save the full-vocabulary copy")
    parser.add_argument("--base", default="multilingual-e5-small", help="the transformer it was built from")
    parser.add_argument("--tasks", default="stsb-dev-cross,flores", help="dev tasks (default: %(default)s)")
    args = parser.parse_args()
    main(args.trained, args.out, args.tasks, args.base)
