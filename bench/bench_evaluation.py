"""Benchmark of kit.evaluation: the kit's path against the naive one, measured in the same run.

Prints RATIOS (machines and their load differ; on a shared 2-core box absolute seconds mean little):

- STS2017, one model: naive (sentence-transformers' ``EmbeddingSimilarityEvaluator`` on the model, track by
  track: every sentence encoded each time it occurs, nothing kept) vs the kit cold (unique texts, one
  length-sorted pass, written to a fresh cache) vs the kit cached (rerun);
- Tatoeba, a few languages: naive (``TranslationEvaluator`` on the model, language by language) vs the kit
  cold vs cached vs cold with bfloat16 weights (``--bf16``), and the extrapolated cold time of all 112
  languages from the kit's measured throughput.

Usage::

    python bench/bench_evaluation.py                                   # all-MiniLM-L6-v2, 4 Tatoeba languages
    python bench/bench_evaluation.py --model multilingual-e5-small --threads 1   # on a busy shared box
    python bench/bench_evaluation.py --model multilingual-e5-small --tatoeba all --skip-naive   # long
"""

from __future__ import annotations

import argparse
import copy
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


_CPU: dict[str, float] = {}


def _timed(fn, label: str | None = None):
    """``(value, wall seconds)``; with a label, the process CPU seconds are kept in ``_CPU[label]``."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    if label:
        _CPU[label] = time.process_time() - cpu
    return value, time.perf_counter() - start


def _bench_sts17(args, model, encoder, cache) -> None:
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    from kit.evaluation import evaluate_sts17
    from kit.evaluation.sts import STS17_TRACKS, load_sts17_track

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--tatoeba", default="deu,fra,spa,tur", help="languages, or 'all' (112)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--skip-bf16", action="store_true", help="skip the bfloat16 comparison")
    parser.add_argument("--skip-sts", action="store_true", help="only the Tatoeba section")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive baselines (long runs)")
    args = parser.parse_args(argv)

    import torch
    from sentence_transformers.sentence_transformer.evaluation import (
        TranslationEvaluator,
    )

    from kit.cache import EmbeddingCache
    from kit.evaluation import evaluate_tatoeba
    from kit.evaluation.tatoeba import load_tatoeba, resolve_languages
    from kit.sources import SentenceTransformerEncoder, as_encoder, load_model

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
    encoder = SentenceTransformerEncoder(model, args.model, fingerprint=as_encoder(args.model).fingerprint)

    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(tmp)

        # ---------------------------------------------------------------------------- STS2017
        if not args.skip_sts:
            _bench_sts17(args, model, encoder, cache)

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
            lambda: evaluate_tatoeba(encoder, codes, batch_size=args.batch_size, cache=cache, progress=True),
            "float32",
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
        rates = {"float32": n_unique / cold_s}
        if not args.skip_bf16:
            fast_model = copy.deepcopy(model).to(torch.bfloat16)
            fast_model.encode(["warm up"])
            fast = SentenceTransformerEncoder(fast_model, f"{args.model} [bf16]")
            bf16, bf16_s = _timed(
                lambda: evaluate_tatoeba(fast, codes, batch_size=args.batch_size, cache=False), "bf16"
            )
            rates["bf16"] = n_unique / bf16_s
            worst = max(abs(bf16.scores[c] - cold.scores[c]) for c in codes)
            print(
                f"  kit, cold, bf16 weights (--bf16)   {bf16_s:7.1f} s   = {bf16_s / cold_s:.2f} x kit float32"
            )
            print(
                f"  bf16 vs float32: avg {bf16.scores['avg'] - cold.scores['avg']:+.2f}, largest |diff| {worst:.2f}"
            )
        if len(codes) < 112:
            everything = [load_tatoeba(c) for c in resolve_languages("all")]
            unique_all = len({t for p in everything for t in (*p.sentences, *p.english)})
            for precision, rate in rates.items():
                print(
                    f"  all 112 languages ({unique_all} unique texts), {precision}: at this run's {rate:.0f} "
                    f"texts/s the kit's cold pass would take about {unique_all / rate / 60:.1f} min"
                )
            # CPU seconds depend far less on other processes than wall time: the compute the job needs.
            cores = min(2, os.cpu_count() or 1)
            for precision, cpu in _CPU.items():
                total = cpu / n_unique * unique_all / 60
                print(
                    f"  {precision}: {cpu:.1f} CPU-s here ({n_unique / cpu:.0f} texts per CPU-s); all 112 "
                    f"languages need about {total:.1f} CPU-min, i.e. {total / cores:.1f} min on {cores} idle "
                    "core(s) used at this efficiency"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
