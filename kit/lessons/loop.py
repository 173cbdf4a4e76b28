"""The loop in plain sight (notebook 3): the run's pairs and untrained student, batches, features, and the
comparison of objectives (why fixed teacher targets need no negatives)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# ------------------------------------------------------------------------------------ the loop in plain sight

_TEACHER_SHAPES: dict[tuple[str, str], tuple[int, bool]] = {}


def labelled_pairs(config: Any):
    """The training and dev pairs of ``config`` as :func:`kit.train.distill` prepares them (cleaned,
    leakage-guarded, dev pairs held out), each with the teacher's vector of its English side as ``label`` (from the
    label cache, which ``distill`` then reuses). Returns ``(train, dev)``.

    >>> pairs, dev_pairs = labelled_pairs(lesson_config(True))               # doctest: +SKIP
    >>> pairs.column_names                                                      # doctest: +SKIP
    ['english', 'non_english', 'language', 'label']
    """
    from kit.train import build_teacher, load_parallel_data

    train, dev, _ = load_parallel_data(config, verbose=False)
    teacher = build_teacher(config)
    train, dev = teacher.label(train), teacher.label(dev)
    _TEACHER_SHAPES[(config.teacher, config.student)] = (teacher.dim, bool(teacher.normalize))
    teacher.release()
    return train, dev


def untrained_student(config: Any, train: Any = None, dev: Any = None):
    """The student of ``config`` before training, built as :func:`kit.train.distill` builds it (projection into
    the teacher's space if the dimensions differ, ``Normalize`` for unit targets, frozen word embeddings unless
    ``freeze_embeddings=False``, the config's dropout), in training mode.

    A static student (``"static:<init>"``) is trimmed to the vocabulary of ``train`` and ``dev`` (the pairs of
    :func:`labelled_pairs`), as ``distill`` trims it; without them it keeps the whole table."""
    from kit import static
    from kit.student import build_student, set_dropout

    shape = _TEACHER_SHAPES.get((config.teacher, config.student))
    if shape is None:
        from kit.train import build_teacher

        teacher = build_teacher(config)
        shape = _TEACHER_SHAPES[(config.teacher, config.student)] = (teacher.dim, bool(teacher.normalize))
        teacher.release()
    student = build_student(
        config.student,
        teacher_dim=shape[0],
        normalize=shape[1],
        projection=config.projection,
        freeze_embeddings=config.freeze_embeddings,
        max_seq_length=config.max_seq_length,
        static_texts=static.vocabulary_texts(config, train, dev)
        if static.is_static(config.student) and train is not None
        else None,
    )
    if config.dropout is not None:
        set_dropout(student, config.dropout)
    return student.train()


def features(student: Any, columns: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The tokenised columns as ``MSELoss`` receives them from the trainer: one feature dict per text column."""
    from sentence_transformers.util import batch_to_device

    return [batch_to_device(student.preprocess(list(texts)), student.device) for texts in columns]


def batches(
    pairs: Any, batch_size: int, *, steps: int | None = None, seed: int = 0
) -> Iterator[tuple[list[str], list[str], Any]]:
    """``(english, translations, targets)`` batches of labelled pairs in a shuffled order (``seed``), cycling
    through the pairs, ``steps`` of them (None: one pass); ``targets`` is a float32 tensor of teacher vectors.

    >>> fake = {"english": ["a", "b", "c"], "non_english": ["x", "y", "z"], "label": [[1.0], [2.0], [3.0]]}
    >>> [len(en) for en, _, _ in batches(fake, 2)]
    [2, 1]
    """
    import numpy as np
    import torch

    english, other, labels = list(pairs["english"]), list(pairs["non_english"]), np.asarray(pairs["label"])
    order = np.random.default_rng(seed).permutation(len(english))
    total = steps if steps is not None else -(-len(english) // batch_size)
    for step in range(total):
        start = (step * batch_size) % len(english)
        rows = order[start : start + batch_size]
        yield (
            [english[i] for i in rows],
            [other[i] for i in rows],
            torch.tensor(labels[rows], dtype=torch.float32),
        )


#: The three objectives :func:`compare_objectives` trains with: the paper's, and two that each lack one of its parts.
OBJECTIVES = {
    "paper: ½[MSE(s(en), t) + MSE(s(x), t)]": "paper",
    "no English term: MSE(s(x), t)": "no_english",
    "no teacher: MSE(s(x), s(en))": "no_teacher",
}


def compare_objectives(
    config: Any,
    pairs: Any,
    probe: Any,
    *,
    steps: int = 20,
    batch_size: int | None = None,
    every: int = 5,
) -> list[dict[str, Any]]:
    """Train a fresh student of ``config`` with each of :data:`OBJECTIVES` on the same batches, and measure on
    held-out ``probe`` pairs every ``every`` steps:

    - ``english_vs_teacher``: mean cosine of the student's English with the teacher's (1: in the teacher's space);
    - ``translation_cosine``: mean cosine of a translation with its English sentence (alignment);
    - ``random_cosine``: mean cosine of an English sentence with other sentences' translations (collapse: → 1).

    Returns rows ``{"objective", "step", "loss", ...}``. What it shows: with fixed teacher targets the loss can
    only fall by putting each sentence near its own target, so nothing collapses; without a teacher, pulling
    translations together is also solved by pulling *everything* together; without the English term, the
    student's English drifts out of the teacher's space.
    """
    import torch
    import torch.nn.functional as F

    from kit.train import hardware_bf16

    batch_size = batch_size or config.batch_size
    bf16 = hardware_bf16()
    probe_en, probe_x = list(probe["english"]), list(probe["non_english"])
    probe_t = torch.tensor(probe["label"], dtype=torch.float32)
    rows: list[dict[str, Any]] = []
    for label, kind in OBJECTIVES.items():
        torch.manual_seed(config.seed)
        student = untrained_student(config)
        optimizer = torch.optim.AdamW(
            [p for p in student.parameters() if p.requires_grad], lr=config.learning_rate
        )

        def embed(texts, student=student):
            return student(features(student, [texts])[0])["sentence_embedding"]

        def measure(step: int, loss: float | None, student=student, label=label) -> None:
            student.eval()
            with torch.no_grad():
                en, x = F.normalize(embed(probe_en), dim=-1), F.normalize(embed(probe_x), dim=-1)
                sims = en @ x.T
                n = len(sims)
                rows.append({
                    "objective": label, "step": step, "loss": loss,
                    "english_vs_teacher": float((en * F.normalize(probe_t, dim=-1)).sum(-1).mean()),
                    "translation_cosine": float(sims.diagonal().mean()),
                    "random_cosine": float((sims.sum() - sims.diagonal().sum()) / (n * n - n)),
                })  # fmt: skip
            student.train()

        measure(0, None)
        for step, (english, other, target) in enumerate(batches(pairs, batch_size, steps=steps), start=1):
            # Mixed precision as the trainer uses it (bf16 where the hardware has it): ~1.5x the steps/s on a CPU.
            with torch.autocast(student.device.type, dtype=torch.bfloat16, enabled=bf16):
                s_en, s_x = embed(english), embed(other)
            s_en, s_x = s_en.float(), s_x.float()
            if kind == "paper":
                loss = (F.mse_loss(s_en, target) + F.mse_loss(s_x, target)) / 2
            elif kind == "no_english":
                loss = F.mse_loss(s_x, target)
            else:
                loss = F.mse_loss(s_x, s_en)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % every == 0 or step == steps:
                measure(step, loss.item())
    return rows


def objectives_figure(rows: Sequence[Mapping[str, Any]], *, title: str | None = None):
    """Three panels of :func:`compare_objectives`: the student's English vs the teacher's, translation-pair
    cosine, random-pair cosine; one line per objective."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = {
        "english_vs_teacher": "student's English vs teacher's (cosine)",
        "translation_cosine": "translation pairs (cosine)",
        "random_cosine": "random pairs (cosine): collapse → 1",
    }
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(panels.values()), horizontal_spacing=0.07)
    colours = ("#1F77B4", "#FF7F0E", "#D62728")
    for k, objective in enumerate(dict.fromkeys(row["objective"] for row in rows)):
        mine = [row for row in rows if row["objective"] == objective]
        for col, key in enumerate(panels, start=1):
            fig.add_trace(
                go.Scatter(
                    x=[row["step"] for row in mine],
                    y=[row[key] for row in mine],
                    mode="lines+markers",
                    name=objective,
                    legendgroup=objective,
                    showlegend=col == 1,
                    line={"color": colours[k % len(colours)]},
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(range=[-0.05, 1.05])
    fig.update_layout(
        title=title or "Three objectives on the same batches, measured on held-out pairs",
        height=420,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
