"""Evaluation: STS2017, STSb, Tatoeba retrieval, translation accuracy / MSE, and comparison tables.

Every encoder type works the same way: a registry name, a model folder, a ``SentenceTransformer``, or a
plain callable ``texts -> (n, dim) array`` (mUSE). The metrics are sentence-transformers' own evaluators
(``EmbeddingSimilarityEvaluator``, ``TranslationEvaluator``, ``MSEEvaluator``), run on embeddings that the
kit computes once per unique text and caches per model (see :mod:`kit.evaluation.embeddings`); any model
becomes an encoder through :func:`kit.sources.as_encoder`.

=========================  ==========================================================================
``evaluate``               models × tasks → :class:`EvaluationResults` (``.table(task)``, ``.save(dir)``)
``evaluate_sts17``         one encoder on STS2017 (10 tracks, ``avg``, ``cross_avg``)
``evaluate_stsb``          STS benchmark test, English + de es fr it nl
``evaluate_stsb_dev_cross``  the dev task: STSb dev, English vs English/de/es/fr/it/nl (choose recipes here)
``evaluate_tatoeba``       LASER Tatoeba retrieval, any of 112 languages, both directions
``evaluate_parallel``      translation accuracy (+ MSE against a teacher) on any parallel set
``evaluate_flores``        the same on FLORES-200 devtest
``comparison_table``       this run beside the published and measured STS2017 rows (DataFrame)
``to_markdown``            a DataFrame as a Markdown table
``comparison_figure``      plotly heatmap / grouped bars of a comparison table
=========================  ==========================================================================

Example::

    >>> from kit.evaluation import evaluate, comparison_table, to_markdown
    >>> results = evaluate(["all-MiniLM-L6-v2", "multilingual-e5-small"])        # doctest: +SKIP
    >>> print(to_markdown(comparison_table(results)))                             # doctest: +SKIP
"""

from kit.evaluation.embeddings import PrecomputedModel
from kit.evaluation.published import (
    MEASURED_STS17,
    PUBLISHED_STS17,
    PUBLISHED_STS17_CROSS_AVG,
    reference_rows,
)
from kit.evaluation.results import EvaluationResults, TaskResult
from kit.evaluation.run import (
    TASKS,
    UnknownTaskError,
    evaluate,
    evaluate_for_results,
    report,
    run_cli_evaluate,
)
from kit.evaluation.sts import (
    STS17_CROSS,
    STS17_TRACKS,
    STSB_DEV_TRACKS,
    evaluate_sts17,
    evaluate_stsb,
    evaluate_stsb_dev_cross,
    sts17_evaluators,
)
from kit.evaluation.tables import baseline_deltas, comparison_figure, comparison_table, to_markdown
from kit.evaluation.tatoeba import TRAINING_LANGUAGES, evaluate_tatoeba, tatoeba_languages
from kit.evaluation.translation import evaluate_flores, evaluate_parallel

__all__ = [
    "MEASURED_STS17",
    "PUBLISHED_STS17",
    "PUBLISHED_STS17_CROSS_AVG",
    "STS17_CROSS",
    "STS17_TRACKS",
    "STSB_DEV_TRACKS",
    "TASKS",
    "TRAINING_LANGUAGES",
    "EvaluationResults",
    "PrecomputedModel",
    "TaskResult",
    "UnknownTaskError",
    "baseline_deltas",
    "comparison_figure",
    "comparison_table",
    "evaluate",
    "evaluate_flores",
    "evaluate_for_results",
    "evaluate_parallel",
    "evaluate_sts17",
    "evaluate_stsb",
    "evaluate_stsb_dev_cross",
    "evaluate_tatoeba",
    "reference_rows",
    "report",
    "run_cli_evaluate",
    "sts17_evaluators",
    "tatoeba_languages",
    "to_markdown",
]
