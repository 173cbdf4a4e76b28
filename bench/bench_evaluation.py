"""Benchmark of kit.evaluation: the kit's path against the naive one, measured in the same run.

Prints RATIOS (machines and their load differ; on a shared 2-core box absolute seconds mean little):

- STS2017, one model: naive (sentence-transformers' ``EmbeddingSimilarityEvaluator`` on the model, track by
  track: every sentence encoded each time it occurs, nothing kept) vs the kit cold (unique texts, one
  length-sorted pass, written to a fresh cache) vs the kit cached (rerun);
- Tatoeba, a few languages: naive (``TranslationEvaluator`` on the model, language by language) vs the kit
  cold vs cached, and the extrapolated cold time of all 112 languages from the kit's measured throughput.

Usage::

    python bench/bench_evaluation.py                                   # all-MiniLM-L6-v2, 4 Tatoeba languages
    python bench/bench_evaluation.py --model multilingual-e5-small --tatoeba deu,fra,ita,nld
    python bench/bench_evaluation.py --model multilingual-e5-small --tatoeba all --skip-naive   # long
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
_shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
if "KIT_DATA_DIR" not in os.environ and _shared.is_dir():
    os.environ["KIT_DATA_DIR"] = str(_shared)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--tatoeba", default="deu,fra,spa,tur", help="languages, or 'all' (112)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive baselines (long runs)")
    args = parser.parse_args(argv)

    import torch
    from sentence_transformers.sentence_transformer.evaluation import (
        EmbeddingSimilarityEvaluator,
        TranslationEvaluator,
    )

    from kit.evaluation import evaluate_sts17, evaluate_tatoeba, resolve_encoder
    from kit.evaluation.cache import EmbeddingCache
    from kit.evaluation.encoders import ResolvedEncoder
    from kit.evaluation.sts import STS17_TRACKS, load_sts17_track
    from kit.evaluation.tatoeba import load_tatoeba, resolve_languages
    from kit.sources import load_model

    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"machine: {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
        f"load average {load[0]:.1f} (other processes slow 2-thread torch a lot: compare ratios only)"
    )
    model, load_s = _timed(lambda: load_model(args.model))
    print(f"model {args.model}: loaded in {load_s:.1f} s (not counted below)")
    model.encode(["warm up"])
    # The kit's encoder over the model object loaded above (so loading is not timed), cacheable by name.
    encoder = ResolvedEncoder(
        args.model,
        resolve_encoder(args.model).fingerprint,
        lambda: lambda texts, bs: model.encode(texts, batch_size=bs, convert_to_numpy=True),
    )

    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(tmp)

        # ---------------------------------------------------------------------------- STS2017
        pairs = [load_sts17_track(t) for t in STS17_TRACKS]
        sentences = sum(2 * len(p) for p in pairs)
        print(f"\nSTS2017, 10 tracks: {sentences} sentences, ", end="")
        print(f"{len({s for p in pairs for s in (*p.sentences1, *p.sentences2)})} unique")
        naive_s = None
        if not args.skip_naive:

            def naive_sts():
                return [
                    EmbeddingSimilarityEvaluator(
                        p.sentences1, p.sentences2, p.scores, main_similarity="cosine", write_csv=False
                    )(model)["spearman_cosine"]
                    for p in pairs
                ]

            naive, naive_s = _timed(naive_sts)
        cold, cold_s = _timed(lambda: evaluate_sts17(encoder, batch_size=args.batch_size, cache=cache))
        warm, warm_s = _timed(lambda: evaluate_sts17(encoder, batch_size=args.batch_size, cache=cache))
        assert warm.scores == cold.scores
        if naive_s is not None:
            same = max(abs(100 * n - cold.scores[t]) for n, t in zip(naive, STS17_TRACKS, strict=True))
            print(f"  naive (library evaluator per track) {naive_s:7.1f} s   = 1.00")
            print(f"  kit, cold cache                     {cold_s:7.1f} s   = {cold_s / naive_s:.2f} x naive")
            print(f"  kit, cached rerun                   {warm_s:7.2f} s   = {warm_s / naive_s:.4f} x naive")
            print(f"  largest difference in a track's Spearman x100: {same:.4f}")
        else:
            print(f"  kit cold {cold_s:.1f} s, cached {warm_s:.2f} s = {warm_s / cold_s:.4f} x cold")
        print(f"  avg {cold.scores['avg']:.1f}, cross_avg {cold.scores['cross_avg']:.1f}")

        # ---------------------------------------------------------------------------- Tatoeba
        codes = resolve_languages(args.tatoeba)
        sets = [load_tatoeba(c) for c in codes]
        n_texts = sum(2 * len(p) for p in sets)
        n_unique = len({t for p in sets for t in (*p.sentences, *p.english)})
        print(f"\nTatoeba, {len(codes)} languages: {n_texts} sentences, {n_unique} unique")
        naive_s = None
        if not args.skip_naive:

            def naive_tatoeba():
                return [
                    TranslationEvaluator(p.sentences, p.english, write_csv=False)(model)["mean_accuracy"]
                    for p in sets
                ]

            _, naive_s = _timed(naive_tatoeba)
        cold, cold_s = _timed(
            lambda: evaluate_tatoeba(encoder, codes, batch_size=args.batch_size, cache=cache, progress=True)
        )
        warm, warm_s = _timed(
            lambda: evaluate_tatoeba(encoder, codes, batch_size=args.batch_size, cache=cache)
        )
        assert warm.scores == cold.scores
        if naive_s is not None:
            print(f"  naive (library evaluator per language) {naive_s:7.1f} s   = 1.00")
            print(
                f"  kit, cold cache                        {cold_s:7.1f} s   = {cold_s / naive_s:.2f} x naive"
            )
            print(
                f"  kit, cached rerun                      {warm_s:7.2f} s   = {warm_s / naive_s:.4f} x naive"
            )
        else:
            print(f"  kit cold {cold_s:.1f} s, cached {warm_s:.2f} s = {warm_s / cold_s:.4f} x cold")
        print(f"  avg accuracy {cold.scores['avg']:.1f} over {', '.join(codes)}")
        if len(codes) < 112:
            everything = [load_tatoeba(c) for c in resolve_languages("all")]
            unique_all = len({t for p in everything for t in (*p.sentences, *p.english)})
            rate = n_unique / cold_s
            estimate = unique_all / rate
            print(
                f"  all 112 languages: {unique_all} unique texts; at this run's {rate:.0f} texts/s the kit's "
                f"cold pass would take about {estimate / 60:.1f} min (cached: seconds)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
