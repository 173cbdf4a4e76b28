"""Static students: a sentence is the mean of its token vectors, no attention, trained by distillation.

sentence-transformers' ``StaticEmbedding`` is an embedding bag: tokenise, look up one vector per token,
average. It encodes hundreds of times faster than a transformer on a CPU, and a training step costs almost
nothing, so on two cores it can see every parallel pair many times. The kit trains it exactly like the
transformer student (same data, same cached teacher labels, same Trainer and ``MSELoss``): only the student
changes, named ``"static:<init>"`` in :class:`kit.train.DistillConfig`::

    >>> from kit.train import PRESETS, distill
    >>> result = distill(PRESETS["static"], "runs/static")                       # doctest: +SKIP

Where the token table starts (``<init>``), a choice the user can see:

- ``static:<model>`` (e.g. ``static:multilingual-e5-small``): the transformer's own input-embedding table and
  tokenizer (e5-small: XLM-R's 250k pieces × 384). The starting point of the issue that asked for this: the plain
  mean of these vectors, untrained, scores STS2017 avg 28.6 (cross-lingual 13.1);
- ``static:contextual:<model>`` (the ``static`` preset's): the model's tokenizer, each row the transformer's own
  sentence embedding of that token alone (:func:`contextual_table`; model2vec's idea, computed by the kit for the
  trimmed vocabulary only: the ``static`` preset's ~43k tokens, not 250k): rows that start in the teacher's space,
  so tokens the data never trains stay there too (dev data chose it: bench/README.md, "Static student");
- ``static:random:<model>``: that model's tokenizer with random vectors (its dimension);
- ``static:model2vec:<model>``: a ``model2vec`` distillation of the model (``pip install model2vec[distill]``).

**Tokens the training data never shows keep their initial vectors.** Trained rows move into the teacher's
space, untrained rows stay where the init put them, so a sentence in a language the data never had is the mean
of vectors from another space: expect little better than the untrained baseline there, and re-distil with that
language's pairs (notebook 06 shows how to add one). :func:`trim_vocabulary` makes this explicit by dropping
those rows: the table keeps the pieces the training data (and a held-out sample) uses, plus every single
character they contain, so any text written in those characters still tokenises without ``<unk>``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from kit.errors import KitError

logger = logging.getLogger(__name__)

PREFIX = "static:"
INITS = ("<model>", "contextual:<model>", "random:<model>", "model2vec:<model>")


class StaticInitError(KitError, ValueError):
    """A static student that cannot be built: unknown init, slow tokenizer, missing package."""


def is_static(student: str | object) -> bool:
    """Whether a student name asks for a static student (``"static:<init>"``)."""
    return isinstance(student, str) and student.startswith(PREFIX)


def parse(student: str) -> tuple[str, str]:
    """``"static:random:multilingual-e5-small"`` → ``("random", "multilingual-e5-small")``.

    >>> parse("static:multilingual-e5-small")
    ('transformer', 'multilingual-e5-small')
    >>> parse("static:model2vec:multilingual-e5-small")
    ('model2vec', 'multilingual-e5-small')
    >>> parse("static:contextual:multilingual-e5-small")
    ('contextual', 'multilingual-e5-small')
    """
    if not is_static(student):
        raise StaticInitError(f"{student!r} is not a static student name; write static:<init>")
    init = student.removeprefix(PREFIX)
    kind, sep, model = init.partition(":")
    if not sep:
        kind, model = "transformer", init
    elif kind not in ("contextual", "random", "model2vec"):
        raise StaticInitError(
            f"unknown static init {init!r}; choose one of {', '.join(PREFIX + i for i in INITS)}, "
            "e.g. static:multilingual-e5-small"
        )
    if not model:
        raise StaticInitError(f"{student!r} names no model; e.g. static:multilingual-e5-small")
    return kind, model


def base_model(student: str) -> str:
    """The transformer a student name starts from (the model whose tokenizer a static student uses).

    >>> base_model("static:random:multilingual-e5-small"), base_model("multilingual-e5-small")
    ('multilingual-e5-small', 'multilingual-e5-small')
    """
    return parse(student)[1] if is_static(student) else student


def _fast_tokenizer(model: SentenceTransformer, name: str):
    """A private copy of the model's Rust tokenizer (StaticEmbedding changes its padding)."""
    from tokenizers import Tokenizer

    tokenizer = getattr(model[0], "tokenizer", None)
    backend = getattr(tokenizer, "_tokenizer", None)
    if not isinstance(backend, Tokenizer):
        raise StaticInitError(
            f"{name}: a static student needs a fast (Rust `tokenizers`) tokenizer, but this model has "
            f"{type(tokenizer).__name__}; convert it (AutoTokenizer.from_pretrained(..., use_fast=True)) "
            "or choose a model that ships a tokenizer.json"
        )
    return Tokenizer.from_str(backend.to_str())


def static_from_transformer(model: SentenceTransformer, *, name: str = "model", random: bool = False):
    """A ``StaticEmbedding`` with ``model``'s tokenizer and its input-embedding table (or random vectors)."""
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    tokenizer = _fast_tokenizer(model, name)
    table = model[0].auto_model.get_input_embeddings().weight.detach()
    vocab = tokenizer.get_vocab_size(with_added_tokens=True)
    if random:
        generator = torch.Generator().manual_seed(0)
        weights = torch.randn(vocab, table.shape[1], generator=generator) * float(table.std())
    else:
        weights = table[:vocab].float().clone()
    return StaticEmbedding(tokenizer, embedding_weights=weights, base_model=name)


_CONTEXTUAL_ROWS: dict[tuple, torch.Tensor] = {}  # the last contextual table built in this process


def build_static_student(
    student: str, *, device: str | None = None, texts: Iterable[str] | None = None
) -> SentenceTransformer:
    """A ``SentenceTransformer([StaticEmbedding])`` from a name ``"static:<init>"`` (see the module docstring).

    ``texts``: trim the vocabulary to the pieces these texts use (:func:`trim_vocabulary`) before the
    ``contextual`` init computes its rows (it then runs the transformer on the kept tokens only: ~45k tokens for
    the ``static`` preset's data instead of 250k).
    """
    from kit.sources import load_model

    kind, name = parse(student)
    if kind == "model2vec":
        module = _from_model2vec(name)
        model = SentenceTransformer(modules=[module], device=device or "cpu")
        report = trim_vocabulary(model, texts) if texts is not None else None
    else:
        transformer = load_model(name, device="cpu")
        module = static_from_transformer(transformer, name=name, random=kind == "random")
        model = SentenceTransformer(modules=[module], device=device or "cpu")
        report = trim_vocabulary(model, texts) if texts is not None else None
        if kind == "contextual":
            ids = report.kept_ids if report is not None else None
            key = (name, None if ids is None else tuple(ids))
            # computed once per process: a notebook builds the untrained student, then distill builds it again
            if key not in _CONTEXTUAL_ROWS:
                _CONTEXTUAL_ROWS.clear()
                _CONTEXTUAL_ROWS[key] = contextual_table(transformer, ids)
            model[0].embedding.weight.data.copy_(_CONTEXTUAL_ROWS[key])
        del transformer
    model.static_vocabulary = report.to_dict() if report is not None else None
    module = model[0]
    logger.info("Static student %s: %d tokens × %d", student, module.num_embeddings, module.embedding_dim)
    return model


def _from_model2vec(name: str):
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    from kit.sources import get_spec, load_model

    try:
        import model2vec  # noqa: F401
    except ImportError as err:
        raise StaticInitError(
            "static:model2vec:<model> needs model2vec: pip install 'model2vec[distill]' "
            "(or start from the model's own table: static:<model>)"
        ) from err
    spec = get_spec(name)
    path = spec.loader() if spec is not None else name
    load_model(name)  # a clear error if the model is not available
    return StaticEmbedding.from_distillation(str(path), device="cpu", pca_dims=None)


@torch.no_grad()
def contextual_table(
    transformer: SentenceTransformer, token_ids: Iterable[int] | None = None, *, batch_size: int = 1024
) -> torch.Tensor:
    """One row per token: the transformer's sentence embedding of that token alone (``<s> token </s>``, the
    model's own pooling, not normalised), as ``model2vec`` distils a static model, but in the kit and for the
    ``token_ids`` given (e.g. a trimmed vocabulary's :attr:`TrimReport.kept_ids`; all tokens when ``None``).

    A table whose rows already sit in the transformer's output space: a one-word sentence starts where the
    teacher puts it, and the mean of such rows is a far better start than the mean of input embeddings.

    In bf16 where the CPU multiplies it natively, as the teacher labels are: 1.8x faster than float32 on a Zen 4
    core, rows at cosine ≥ 0.99997 to float32's (8,192 e5-small tokens).
    """
    from kit.config import cpu_has_native_bf16

    first = transformer[0]
    tokenizer = first.tokenizer
    ids = list(range(len(tokenizer))) if token_ids is None else list(token_ids)
    bos = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    eos = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    ends = [t for t in (bos, eos) if t is not None]
    modules = [m for m in transformer if type(m).__name__ != "Normalize"]  # rows keep their norms
    bf16 = transformer.device.type == "cpu" and cpu_has_native_bf16()
    rows = []
    for start in range(0, len(ids), batch_size):
        chunk = torch.tensor(ids[start : start + batch_size]).unsqueeze(1)
        column = {t: torch.full_like(chunk, t) for t in ends}
        parts = [column[bos]] if bos is not None else []
        parts += [chunk] + ([column[eos]] if eos is not None else [])
        input_ids = torch.cat(parts, 1)
        features = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for module in modules:
                features = module(features)
        rows.append(features["sentence_embedding"].float())
    return torch.cat(rows)


# -------------------------------------------------------------------------------------- vocabulary trimming


@dataclass
class TrimReport:
    """What :func:`trim_vocabulary` kept."""

    tokens_before: int
    tokens_after: int
    seen_tokens: int
    single_characters: int
    megabytes_before: float
    megabytes_after: float
    #: the original token ids of the kept rows, in their new order (not written to results.json)
    kept_ids: list[int] | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "kept_ids"}


def trim_vocabulary(model: SentenceTransformer, texts: Iterable[str]) -> TrimReport:
    """Keep only the token rows ``texts`` use (plus special tokens and their single characters); in place.

    Works on Unigram tokenizers (XLM-R, e5, most multilingual models). Removing pieces a text never uses
    does not change how that text is tokenised (the best segmentation is still there), so the model's
    embeddings of the given texts are unchanged; other texts are segmented into the pieces that remain.
    """
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    static = model[0]
    if not isinstance(static, StaticEmbedding):
        raise StaticInitError(f"trim_vocabulary wants a static student, not {type(static).__name__}")
    spec = json.loads(static.tokenizer.to_str())
    if spec["model"]["type"] != "Unigram":
        raise StaticInitError(
            f"vocabulary trimming supports Unigram tokenizers (XLM-R, e5), not {spec['model']['type']}"
        )
    texts = list(texts)
    seen: set[int] = set()
    for encoding in static.tokenizer.encode_batch(texts, add_special_tokens=False):
        seen.update(encoding.ids)
    vocab = spec["model"]["vocab"]
    characters = set("".join(texts))
    # Single characters (bare and word-initial, and the word marker "▁" itself): every word spelt with the
    # characters of ``texts`` still has a segmentation.
    singles = {
        i
        for i, (piece, _) in enumerate(vocab)
        if len(s := piece.lstrip("▁")) <= 1 and (not s or s in characters)
    }
    special = {token["id"] for token in spec["added_tokens"]} | {spec["model"]["unk_id"]}
    keep = sorted(seen | singles | special)
    new_id = {old: new for new, old in enumerate(keep)}

    spec["model"]["vocab"] = [vocab[i] for i in keep]
    spec["model"]["unk_id"] = new_id[spec["model"]["unk_id"]]
    for token in spec["added_tokens"]:
        token["id"] = new_id[token["id"]]
    for token in (spec.get("post_processor") or {}).get("special_tokens", {}).values():
        token["ids"] = [new_id[i] for i in token["ids"]]
    tokenizer = Tokenizer.from_str(json.dumps(spec))
    weights = static.embedding.weight.detach()[torch.tensor(keep)].clone()
    before = static.num_embeddings
    model[0] = StaticEmbedding(tokenizer, embedding_weights=weights, base_model=static.base_model)
    report = TrimReport(
        tokens_before=before,
        tokens_after=len(keep),
        seen_tokens=len(seen),
        single_characters=len(singles - seen),
        megabytes_before=round(before * weights.shape[1] * 4 / 2**20, 1),
        megabytes_after=round(weights.numel() * 4 / 2**20, 1),
        kept_ids=keep,
    )
    logger.info("Vocabulary trimmed: %s", report)
    return report


def coverage(model: SentenceTransformer, texts: Iterable[str]) -> float:
    """Share of the tokens of ``texts`` that are not ``<unk>`` under the static student's tokenizer."""
    tokenizer = model[0].tokenizer
    unk = tokenizer.token_to_id("<unk>")
    ids = np.concatenate([e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)])
    return float(np.mean(ids != unk)) if len(ids) else 1.0


def vocabulary_texts(config, train, dev) -> list[str] | None:
    """The texts a static student's vocabulary is trimmed to (``config.extra["trim_vocabulary"]``, default
    True): every training and dev sentence, both sides, once each; ``None`` when trimming is off."""
    if not config.extra.get("trim_vocabulary", True):
        return None
    return list(
        dict.fromkeys([*train["english"], *train["non_english"], *dev["english"], *dev["non_english"]])
    )


def baseline(student: str | SentenceTransformer):
    """What :func:`kit.train.distill` evaluates as the base student: the name, or (a static student) the
    untrained model itself, as built and trimmed, copied before training."""
    import copy

    return copy.deepcopy(student) if isinstance(student, SentenceTransformer) else student


# ------------------------------------------------------------------------------------------- lessons, speed


def lesson_config(fast: bool, **changes):
    """The config notebook 7 trains: the ``static`` preset, or in FAST mode ``notebook-static-fast`` (its first
    3,000 pairs per language, 2 epochs of 128; ``kit.train.PRESETS`` says why). ``changes`` apply on top.

    >>> lesson_config(True).name, lesson_config(False, name="mine").name
    ('notebook-static-fast', 'mine')
    """
    from kit.train import PRESETS

    return PRESETS["notebook-static-fast" if fast else "static"].replace(**changes)


def throughput(model, texts: list[str], *, batch_size: int = 32, threads: int | None = None) -> float:
    """Sentences per second of ``model.encode(texts)`` (one warm-up batch first; ``threads``: torch's and, for
    an ONNX model, ONNX Runtime's intra-op threads for the measurement)."""
    import time

    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
        if hasattr(model[0], "set_threads"):
            model[0].set_threads(threads)
    try:
        model.encode(texts[:batch_size], batch_size=batch_size)
        started = time.perf_counter()
        model.encode(texts, batch_size=batch_size)
        return len(texts) / (time.perf_counter() - started)
    finally:
        torch.set_num_threads(previous)


def speed_quality_figure(rows: dict[str, dict[str, float]], *, quality: str = "cross_avg", title: str = ""):
    """A plotly scatter of sentences/s (log scale) against a quality figure, one labelled point per model.

    ``rows``: ``{label: {"sentences_per_s": ..., quality: ...}}``."""
    import plotly.graph_objects as go

    labels = list(rows)
    figure = go.Figure(
        go.Scatter(
            x=[rows[k]["sentences_per_s"] for k in labels],
            y=[rows[k][quality] for k in labels],
            mode="markers+text",
            text=labels,
            textposition="top center",
            marker={"size": 14},
        )
    )
    figure.update_layout(
        title=title or f"Speed against quality ({quality})",
        xaxis={"title": "sentences / s (log)", "type": "log"},
        yaxis={"title": quality},
        height=420,
    )
    return figure


def benchmark_sentences(languages: Iterable[str], limit: int = 10_000) -> list[str]:
    """Up to ``limit`` LASER Tatoeba sentences, translations and their English sides interleaved by language
    (the same sentences for every model a benchmark compares; speed only, never a training signal)."""
    from kit.evaluation.tatoeba import load_tatoeba, resolve_language

    pairs = [load_tatoeba(resolve_language(code)) for code in languages]
    texts = [text for p in pairs for couple in zip(p.sentences, p.english, strict=True) for text in couple]
    step = max(1, len(texts) // limit)
    return texts[::step][:limit]


class MSEWithContrast(torch.nn.Module):
    """The distillation MSE plus ``weight`` × a contrastive term on the parallel pairs (in-batch negatives:
    each English sentence must be closer to its own translation than to the batch's other translations).

    ``config.extra["contrastive"] = weight`` selects it in :func:`kit.train.distill` (see :func:`loss`).
    The MSE of unit vectors is ~1e-4..1e-3 per dimension and the ranking loss is ~1..5, hence small weights.
    """

    def __init__(self, model, weight: float, scale: float = 20.0) -> None:
        from sentence_transformers.sentence_transformer.losses import MSELoss, MultipleNegativesRankingLoss

        super().__init__()
        self.model = model
        self.weight = weight
        self.mse = MSELoss(model)
        self.ranking = MultipleNegativesRankingLoss(model, scale=scale)

    def forward(self, sentence_features, labels):
        return self.mse(sentence_features, labels) + self.weight * self.ranking(sentence_features, labels)


def loss(config, student):
    """The training loss of a config: ``MSELoss`` (the paper's), or :class:`MSEWithContrast` when
    ``config.extra["contrastive"]`` is set."""
    from sentence_transformers.sentence_transformer.losses import MSELoss

    weight = config.extra.get("contrastive")
    return MSEWithContrast(student, float(weight)) if weight else MSELoss(student)
