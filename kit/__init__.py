"""polyglot-distill: make monolingual sentence embeddings multilingual by knowledge distillation.

The package follows the pipeline, one concept per module:

=====================  ==================================================================
``kit.config``         where data and caches live (``KIT_DATA_DIR``, ``KIT_CACHE_DIR``)
``kit.sources``        model sources: a name → a SentenceTransformer or an encoder callable
``kit.catalog``        data sources: every data set by name, its files, license and checksums
``kit.parallel``       parallel sentences: load, clean, guard against evaluation leakage
``kit.teacher``        teacher labelling: batched, length-sorted, cached on disk
``kit.student``        student construction: pooling, projection, Normalize, frozen/trimmed vocab
``kit.train``          distillation: presets, data, callbacks, trainer, report; ``distill`` (a package)
``kit.evaluation``     STS2017, STSb, Tatoeba, translation accuracy / MSE, comparison tables
``kit.visualize``      UMAP views of aligned spaces and alignment figures (plotly)
``kit.widgets``        ipywidgets explorers for the notebooks
``kit.lessons``        the notebooks' helpers: FAST/full configs, recorded metrics, learning curves
``kit.cli``            ``python -m kit distill|evaluate|...``
=====================  ==================================================================
"""

__version__ = "0.1.0"
