"""Student construction: a multilingual encoder shaped to regress onto the teacher's space.

The student is a plain sentence-transformers pipeline, ``Transformer → Pooling(mean) [→ Dense] [→ Normalize]``:

- **mean pooling**, as in the paper;
- a **projection** (``Dense``, linear) into the teacher's space. Required when the dimensions differ; when
  they match it is still worth having, because the student's space is not the teacher's. It can be fitted
  in closed form (ridge least squares, :func:`fit_projection`), which puts the student in the teacher's space
  at step 0 instead of spending a CPU budget relearning a rotation;
- **Normalize** when the teacher's targets are unit vectors (MiniLM and MPNet end with ``Normalize``):
  otherwise MSE fights the student's natural norm;
- optionally **frozen word embeddings**: e5-small's 250k × 384 table is 80 % of its parameters; freezing it
  removes that gradient and optimizer state and protects the tokens a small parallel set never shows.

Example::

    >>> from kit.student import build_student
    >>> student = build_student("multilingual-e5-small", teacher_dim=384, normalize=True)   # doctest: +SKIP
    >>> [type(m).__name__ for m in student]                                                # doctest: +SKIP
    ['Transformer', 'Pooling', 'Dense', 'Normalize']
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize

from kit.errors import KitError
from kit.static import is_static

__all__ = [
    "StudentConfigError",
    "build_student",
    "check_compatible",
    "fit_projection",
    "set_dropout",
    "set_word_embeddings_trainable",
]

logger = logging.getLogger(__name__)


class StudentConfigError(KitError, ValueError):
    """A student that cannot regress onto the given teacher (dimension or normaliser mismatch)."""


def _module_names(model: SentenceTransformer) -> list[str]:
    return [type(module).__name__ for module in model]


def build_student(
    model: str | SentenceTransformer = "multilingual-e5-small",
    *,
    teacher_dim: int,
    normalize: bool,
    projection: bool | None = None,
    freeze_embeddings: bool = True,
    max_seq_length: int | None = 128,
    device: str | None = None,
    static_texts: list[str] | None = None,
) -> SentenceTransformer:
    """Build a student for a teacher of dimension ``teacher_dim``.

    Args:
        model: a name :func:`kit.sources.load_model` resolves, ``"static:<init>"`` for a static student
            (:mod:`kit.static`; its whole token table trains, ``freeze_embeddings`` does not apply), or a
            SentenceTransformer (modified in place).
        teacher_dim: the teacher's embedding dimension.
        normalize: whether the teacher's targets are unit vectors; the student then ends with ``Normalize``.
        projection: add a linear ``Dense`` into the teacher's space. ``None`` adds one only when the
            dimensions differ (identity-initialised when they match and ``True``).
        freeze_embeddings: keep the word-embedding table fixed.
        max_seq_length: truncate inputs to this many tokens (parallel sentences are short; 128 is ample).
        static_texts: a static student's vocabulary is trimmed to the pieces these texts use
            (:func:`kit.static.trim_vocabulary`); its report is the model's ``static_vocabulary`` attribute.
    """
    static = is_static(model)
    if static:  # "static:<init>": an embedding bag (kit.static), trained whole: nothing to freeze
        from kit.static import build_static_student

        model = build_static_student(model, device=device, texts=static_texts)
        freeze_embeddings, max_seq_length = False, None
    elif isinstance(model, str):
        from kit.sources import load_model

        model = load_model(model, device=device)
    names = _module_names(model)
    if "Pooling" not in names and names[0] != "StaticEmbedding":
        raise StudentConfigError(
            f"student has no Pooling module ({names}); load it through kit.sources.load_model"
        )
    # Drop trailing modules we are about to decide on, so that building is idempotent.
    while _module_names(model)[-1] in ("Normalize", "Dense"):
        del model[len(model) - 1]
    student_dim = model.get_embedding_dimension()
    if projection is None:
        projection = student_dim != teacher_dim
    if not projection and student_dim != teacher_dim:
        raise StudentConfigError(
            f"student dimension {student_dim} differs from teacher dimension {teacher_dim}: "
            "pass projection=True (a linear map into the teacher's space) or choose matching models"
        )
    if projection:
        dense = Dense(student_dim, teacher_dim, bias=True, activation_function=torch.nn.Identity())
        if student_dim == teacher_dim:
            with torch.no_grad():
                dense.linear.weight.copy_(torch.eye(teacher_dim))
                dense.linear.bias.zero_()
        model.append(dense)
    if normalize:
        model.append(Normalize())
    if max_seq_length:
        model.max_seq_length = max_seq_length
    if freeze_embeddings:
        set_word_embeddings_trainable(model, False)
    return model.to(device) if device else model


def set_word_embeddings_trainable(model: SentenceTransformer, trainable: bool) -> int:
    """Freeze or unfreeze the transformer's input word embeddings; returns how many weights that covers."""
    embeddings = model[0].auto_model.get_input_embeddings()
    embeddings.weight.requires_grad_(trainable)
    return embeddings.weight.numel()


def set_dropout(model: SentenceTransformer, p: float) -> int:
    """Set the probability of every dropout layer (attention included) to ``p``; returns how many there are.

    For training only: a saved model rebuilds its dropout from its config. ``p = 0`` is what the ``cpu``
    preset uses: the masks and dropped copies that dropout keeps for the backward pass were ~1.5 GB of the
    peak memory of a 64 × 64-token batch, and that step was ~10 % faster (bench/bench_memory.py).

    >>> from kit.sources import load_model
    >>> set_dropout(load_model("all-MiniLM-L6-v2"), 0.0)
    19
    """
    if not 0.0 <= p < 1.0:
        raise KitError(f"dropout must be within [0, 1), not {p}")
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    for layer in layers:
        layer.p = p
    return len(layers)


def check_compatible(student: SentenceTransformer, teacher_dim: int, teacher_normalizes: bool) -> None:
    """Raise a clear error when the student cannot regress onto this teacher's targets."""
    student_dim = student.get_embedding_dimension()
    if student_dim != teacher_dim:
        raise StudentConfigError(
            f"student outputs {student_dim} dimensions but the teacher's labels have {teacher_dim}: "
            "rebuild the student with build_student(..., teacher_dim=%d)" % teacher_dim
        )
    ends_normalized = _module_names(student)[-1] == "Normalize"
    if teacher_normalizes and not ends_normalized:
        raise StudentConfigError(
            "the teacher's labels are unit vectors but the student does not end with Normalize: "
            "MSE would fight the student's natural norm; build_student(..., normalize=True)"
        )


@torch.no_grad()
def fit_projection(
    student: SentenceTransformer,
    sources: list[str],
    targets: np.ndarray,
    *,
    ridge: float = 1e-2,
    batch_size: int = 64,
    show_progress_bar: bool = True,
) -> dict[str, float]:
    """Fit the student's ``Dense`` projection in closed form so that ``student(sources) ≈ targets``.

    Solves ridge least squares ``min ||[X 1] W - Y||² + ridge·||W||²`` on the pooled (pre-projection)
    student embeddings ``X`` of ``sources`` (English sentences and their translations, each paired with the
    teacher's embedding of the English side). Returns the fit's MSE before and after, on the data used.
    """
    names = _module_names(student)
    if "Dense" not in names:
        raise StudentConfigError(
            "the student has no Dense projection to fit; build_student(..., projection=True)"
        )
    dense_at = names.index("Dense")
    body = SentenceTransformer(modules=[student[i] for i in range(dense_at)], device=str(student.device))
    x = body.encode(
        sources, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=show_progress_bar
    )
    x = x.astype(np.float64)
    y = np.asarray(targets, dtype=np.float64)
    x1 = np.hstack([x, np.ones((len(x), 1))])
    gram = x1.T @ x1
    gram[np.diag_indices_from(gram)] += ridge * len(x1)
    solution = np.linalg.solve(gram, x1.T @ y)
    dense = student[dense_at]
    before = _projected_mse(dense, x, y, normalize=names[-1] == "Normalize")
    dense.linear.weight.copy_(torch.from_numpy(solution[:-1].T).float())
    dense.linear.bias.copy_(torch.from_numpy(solution[-1]).float())
    after = _projected_mse(dense, x, y, normalize=names[-1] == "Normalize")
    logger.info("Projection fitted on %d pairs: MSE×100 %.4f → %.4f", len(x), before * 100, after * 100)
    return {"mse_before": before, "mse_after": after, "pairs": len(x)}


def _projected_mse(dense: Dense, x: np.ndarray, y: np.ndarray, *, normalize: bool) -> float:
    w = dense.linear.weight.detach().double().cpu().numpy()
    b = dense.linear.bias.detach().double().cpu().numpy()
    z = x @ w.T + b
    if normalize:
        z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    return float(np.mean((z - y) ** 2))
