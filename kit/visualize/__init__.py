"""Views of aligned vector spaces: UMAP maps, alignment figures and training curves (interactive plotly).

What the notebooks show, computed here so that each notebook cell stays short:

- :func:`multiway_sentences`: the same sentences in several languages (FLORES-200 devtest, a dev set that the
  leakage guard keeps out of training);
- :func:`map_space` + :func:`space_figure` / :func:`compare_spaces_figure`: a 2-D UMAP of the embeddings,
  coloured by language, translations linked by lines, the sentence on hover; before and after distillation;
- :func:`alignment_metrics` + :func:`alignment_figure`: mean cosine of translation pairs vs random pairs and
  translation-retrieval accuracy, before/after;
- :func:`training_curves` and :class:`LiveCurves`: loss and dev metrics per step, from a run's
  ``results.json`` or live during training;
- :func:`use_offline_renderer`, :func:`save_figure`, :func:`notebook_to_html`: figures that render with no
  internet (plotly.js embedded, never fetched from a CDN), static PNG/SVG through kaleido when a Chrome is
  available, and a clear fallback to HTML when it is not.

Every function takes a model the way the rest of the kit does (:func:`kit.sources.as_encoder`): a registry name (``"multilingual-e5-small"``),
a model folder, a ``SentenceTransformer``, or any callable ``texts -> (n, dim) array``.

============================  =====================================================================
``kit.visualize.metrics``     :func:`pair_metrics`, :func:`alignment_metrics`
``kit.visualize.maps``        :func:`multiway_sentences`, :class:`SpaceMap`, :func:`fit_umap`, :func:`map_space`
``kit.visualize.figures``     space, compare, alignment, similarity, difference, length and report figures
``kit.visualize.curves``      :func:`history_rows`, :func:`training_curves`, :func:`learning_curve_figure`,
                              :class:`LiveFigure`, :class:`LiveCurves`
``kit.visualize.render``      offline renderer, :func:`figure_bundle`, :func:`save_figure`, static export,
                              :func:`notebook_to_html`, :func:`in_kernel`
``kit.visualize.colours``     :data:`LANGUAGE_COLOURS`, :func:`language_colour`
============================  =====================================================================

Example::

    >>> from kit import visualize
    >>> sentences = visualize.multiway_sentences(["de", "es"], n=20)           # doctest: +SKIP
    >>> space = visualize.map_space("multilingual-e5-small", sentences)        # doctest: +SKIP
    >>> visualize.space_figure(space).show()                                   # doctest: +SKIP
"""

from kit.visualize.colours import LANGUAGE_COLOURS, language_colour
from kit.visualize.curves import LiveCurves, LiveFigure, history_rows, learning_curve_figure, training_curves
from kit.visualize.figures import (
    alignment_figure,
    compare_spaces_figure,
    difference_figure,
    length_figure,
    report_figure,
    similarity_figure,
    space_figure,
)
from kit.visualize.maps import SpaceMap, fit_umap, map_space, multiway_sentences
from kit.visualize.metrics import alignment_metrics, pair_metrics
from kit.visualize.render import (
    figure_bundle,
    in_kernel,
    notebook_to_html,
    save_figure,
    static_export_available,
    use_offline_renderer,
)

__all__ = [
    "LANGUAGE_COLOURS",
    "LiveCurves",
    "LiveFigure",
    "SpaceMap",
    "alignment_figure",
    "alignment_metrics",
    "compare_spaces_figure",
    "difference_figure",
    "figure_bundle",
    "fit_umap",
    "history_rows",
    "in_kernel",
    "language_colour",
    "learning_curve_figure",
    "length_figure",
    "map_space",
    "multiway_sentences",
    "notebook_to_html",
    "pair_metrics",
    "report_figure",
    "save_figure",
    "similarity_figure",
    "space_figure",
    "static_export_available",
    "training_curves",
    "use_offline_renderer",
]
