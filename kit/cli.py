"""Command line: ``python -m kit <command>``.

Commands::

    python -m kit distill  --preset smoke|cpu|static|gpu --out DIR [--teacher ...] [--student ...] [--languages ...]
    python -m kit evaluate --model A --model B [--tasks sts17,stsb,tatoeba] [--out results/]
    python -m kit models   # the model names the kit resolves, and whether each is available offline
    python -m kit data     # the data sets of the catalog, and whether each is present in the data dir
    python -m kit export MODEL_DIR --format onnx-int8|onnx|sentence-transformers --out DIR

Each command is a thin wrapper over the same functions the notebooks call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="evaluate encoders on STS2017 / STSb / Tatoeba and compare with the paper"
    )
    p.add_argument(
        "--model", action="append", required=True, help="model name, folder, or registry name (repeatable)"
    )
    p.add_argument(
        "--tasks", default="sts17", help="comma-separated: sts17, stsb, tatoeba, flores (default: sts17)"
    )
    p.add_argument(
        "--languages",
        default=None,
        help="comma-separated ISO 639-1/639-3 codes for stsb/tatoeba/flores, or 'all' "
        "(default: each task's own; tatoeba: ara,deu,fra,ita,nld,spa,tur)",
    )
    p.add_argument("--batch-size", type=int, default=32, help="encoding batch size (default: 32)")
    p.add_argument("--teacher", default=None, help="teacher model for the flores MSE (e.g. all-MiniLM-L6-v2)")
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write cached evaluation embeddings"
    )
    p.add_argument(
        "--bf16",
        action="store_true",
        help="bfloat16 weights (SentenceTransformers): ~2.5x faster on AVX512-BF16/AMX CPUs, scores within tenths",
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar while encoding")
    p.add_argument(
        "--figure", action="store_true", help="with --out: also write sts17_comparison.html (plotly)"
    )
    p.add_argument("--out", default=None, help="folder for CSV + JSON results")


def _run_evaluate(args: argparse.Namespace) -> int:
    from kit.evaluation import run_cli_evaluate

    return run_cli_evaluate(args)


def _add_distill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("distill", help="distil a multilingual student from an English teacher")
    p.add_argument("--preset", default="smoke", help="smoke | cpu | static | gpu")
    p.add_argument("--out", required=True, help="output folder (model, checkpoints, results.json)")
    p.add_argument("--teacher", default=None, help="teacher model name (default: the preset's)")
    p.add_argument("--student", default=None, help="student model name (default: the preset's)")
    p.add_argument("--languages", default=None, help="comma-separated ISO codes, e.g. de,es,fr")
    p.add_argument("--data", default=None, help="tatoeba-challenge | hub:<dataset id> | path to a TSV file")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="stop training after this many minutes (the learning-rate schedule fits the budget)",
    )
    p.add_argument(
        "--oversample",
        default=None,
        help="repeat some languages' pairs, e.g. ar=2,tr=2 (weak or small languages)",
    )


def _run_distill(args: argparse.Namespace) -> int:
    from kit.train import run_cli_distill

    return run_cli_distill(args)


def _add_models(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("models", help="list the model names the kit resolves and where each would come from")


def _run_models(args: argparse.Namespace) -> int:
    from kit.sources import describe_models

    print(describe_models())
    return 0


def _add_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="list the data sets of the catalog and check the data directory")
    p.add_argument("--verify", action="store_true", help="check every file's checksum")


def _run_data(args: argparse.Namespace) -> int:
    from kit.catalog import describe_datasets

    print(describe_datasets(verify=args.verify))
    return 0


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export a student for fast CPU inference (ONNX, int8) or as a plain folder"
    )
    p.add_argument("model", help="model folder (e.g. runs/demo/model) or registry name")
    p.add_argument(
        "--format",
        default="onnx-int8",
        help="onnx-int8 (default) | onnx | sentence-transformers (a static student's folder as it is)",
    )
    p.add_argument("--out", required=True, help="output folder")


def _run_export(args: argparse.Namespace) -> int:
    from kit.export import export

    out = export(args.model, args.out, args.format)
    print(f"exported: {out}")
    if args.format.startswith("onnx"):
        print(f'load with: SentenceTransformer("{out}", backend="onnx", trust_remote_code=True)')
    return 0


COMMANDS = {
    "evaluate": (_add_evaluate, _run_evaluate),
    "distill": (_add_distill, _run_distill),
    "models": (_add_models, _run_models),
    "data": (_add_data, _run_data),
    "export": (_add_export, _run_export),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from kit.errors import KitError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except KitError as err:
        # Expected, user-fixable problems print one clear line, not a traceback.
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
