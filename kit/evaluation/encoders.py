"""Any encoder → embeddings of an evaluation set, computed once per unique text and cached per model.

The kit evaluates four kinds of encoder the same way: a registry name (``"all-MiniLM-L6-v2"``, resolved by
:func:`kit.sources.load_encoder`), a model folder, a ``SentenceTransformer`` object, and a plain callable
``texts -> (n, dim) array`` such as mUSE.

Why precomputed embeddings: sentence-transformers' evaluators (``EmbeddingSimilarityEvaluator``,
``TranslationEvaluator``, ``MSEEvaluator``) do all their encoding through one call,
``model.encode(sentences, batch_size=..., convert_to_numpy=...)``, and otherwise touch only
``model.similarity_fn_name`` and ``model.model_card_data.set_evaluation_metrics``. So instead of wrapping
each encoder type in a fake ``SentenceTransformer`` (which would still re-encode every sentence that occurs
in several tracks and could not be cached), the kit encodes the union of all texts of an evaluation once —
deduplicated, sorted by length, batched, cached on disk — and hands the evaluators a
:class:`PrecomputedModel` whose ``encode`` looks the rows up. The metrics are the library's own code.

Example::

    >>> from kit.evaluation.encoders import resolve_encoder, embed_sets
    >>> enc = resolve_encoder("all-MiniLM-L6-v2")                               # doctest: +SKIP
    >>> model = embed_sets(enc, {"demo": ["a cat", "a dog"]})["demo"]           # doctest: +SKIP
    >>> model.encode(["a dog"]).shape                                           # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kit.config import cpu_has_native_bf16
from kit.errors import KitError, ModelNotAvailableError
from kit.evaluation.cache import EmbeddingCache

logger = logging.getLogger(__name__)

EncodeFn = Callable[[list[str], int], Any]


class EncoderOutputError(KitError, ValueError):
    """An encoder returned something that is not one finite row per text."""


class EncoderSpecError(KitError, TypeError):
    """Something passed as a model that the kit cannot turn into an encoder."""


@dataclass
class ResolvedEncoder:
    """An encoder in the one form the evaluation uses.

    ``fingerprint`` is a stable identity for the cache (``None``: never cached). ``load`` builds the encode
    function on first use, so a fully cached evaluation never loads the model.
    """

    name: str
    fingerprint: str | None
    load: Callable[[], EncodeFn]
    _fn: EncodeFn | None = field(default=None, repr=False)
    #: texts per call to the encode function (callables get exactly one batch per call)
    chunk_factor: int = 64

    def encode(self, texts: list[str], batch_size: int) -> Any:
        if self._fn is None:
            self._fn = self.load()
        return self._fn(texts, batch_size)


def _folder_fingerprint(folder: Path) -> str:
    """Identity of a model folder: its path plus the name, size and mtime of every file in it."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"folder:{folder.resolve()}@{digest.hexdigest()[:16]}"


def _st_encode_fn(model) -> EncodeFn:
    def encode(texts: list[str], batch_size: int):
        return model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)

    return encode


def _callable_encode_fn(fn: Callable) -> tuple[EncodeFn, bool]:
    """An encode function for a callable, and whether the callable takes ``batch_size`` (then batches itself)."""
    try:
        params = inspect.signature(fn).parameters
        takes_batch = "batch_size" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):  # builtins without a signature
        takes_batch = False
    if takes_batch:
        return (lambda texts, batch_size: fn(texts, batch_size=batch_size)), True
    return (lambda texts, batch_size: fn(texts)), False


def _is_sentence_transformer(obj: Any) -> bool:
    from sentence_transformers import SentenceTransformer

    return isinstance(obj, SentenceTransformer)


def _from_loaded(obj: Any, name: str, fingerprint: str | None) -> ResolvedEncoder:
    if _is_sentence_transformer(obj):
        return ResolvedEncoder(name, fingerprint, lambda: _st_encode_fn(obj))
    fn, takes_batch = _callable_encode_fn(obj)
    # A kit Encoder takes batch_size and batches itself; a bare callable gets one batch per call.
    return ResolvedEncoder(name, fingerprint, lambda: fn, chunk_factor=64 if takes_batch else 1)


def _registry_fingerprint(name: str) -> str:
    """Identity of a model name: the registry entry and the exact packages its offline pack comes from."""
    from kit import sources

    spec = sources.get_spec(name)
    if spec is None:  # a hub id: the name is all we know without loading it
        return f"hub:{name}"
    return f"registry:{spec.name}|{','.join(spec.packages)}|format{sources.CACHE_FORMAT}"


def _load_with_sources(name: str, precision: str = "float32") -> EncodeFn:
    from kit.sources import load_encoder

    encoder = load_encoder(name)
    if precision == "bf16":
        return _st_encode_fn(_bf16(getattr(encoder, "model", encoder), name, copy=False))
    return _callable_encode_fn(encoder)[0]


def _bf16(model: Any, name: str, *, copy: bool) -> Any:
    """``model`` (a SentenceTransformer) with bfloat16 weights; a copy when the caller owns the model."""
    import torch

    if not _is_sentence_transformer(model):
        raise EncoderSpecError(
            f"precision='bf16' needs a SentenceTransformer; {name!r} is a {type(model).__name__}: use float32"
        )
    on_cpu = all(p.device.type == "cpu" for p in model.parameters())
    if on_cpu and not cpu_has_native_bf16():
        logger.warning("this CPU has no native bfloat16 (AVX512-BF16/AMX): bf16 evaluation will be slow")
    if copy:
        import copy as copy_module

        model = copy_module.deepcopy(model)
    return model.to(torch.bfloat16)


PRECISIONS: tuple[str, ...] = ("float32", "bf16")


def resolve_encoder(spec: Any, name: str | None = None, precision: str = "float32") -> ResolvedEncoder:
    """Turn a registry name, a model folder, a ``SentenceTransformer`` or a callable into an encoder.

    ``name`` labels the encoder in tables (default: the registry name, the folder name, the model's id or
    the callable's ``name``/``__name__``). Objects are cached only when they carry a ``fingerprint`` string.

    ``precision="bf16"`` runs a SentenceTransformer with bfloat16 weights (a copy, if you passed the model):
    about 2.5x faster on CPUs with AVX512-BF16/AMX, scores within a few tenths of float32 (the kit measured
    Tatoeba accuracy within 0.15 on four languages with e5-small). It is labelled ``<name> [bf16]`` and
    cached apart. The reference numbers are float32.
    """
    if precision not in PRECISIONS:
        raise EncoderSpecError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if isinstance(spec, ResolvedEncoder):
        if name:
            spec.name = name
        return spec
    encoder = _resolve(spec, name, precision)
    if precision != "float32":
        encoder.name = f"{encoder.name} [{precision}]"
        encoder.fingerprint = f"{encoder.fingerprint}|{precision}" if encoder.fingerprint else None
    return encoder


def _resolve(spec: Any, name: str | None, precision: str) -> ResolvedEncoder:
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        folder = Path(text).expanduser()
        if folder.is_dir():
            label = name or (folder.name if folder.name != "model" else folder.parent.name) or text
            load = lambda: _load_with_sources(text, precision)  # noqa: E731
            return ResolvedEncoder(label, _folder_fingerprint(folder), load)
        if folder.exists() or isinstance(spec, os.PathLike) or text.startswith((".", "/", "~")):
            raise ModelNotAvailableError(f"no model folder at {text!r}")
        if precision == "bf16":
            from kit.sources import get_spec

            entry = get_spec(text)
            if entry is not None and entry.kind != "sentence-transformer":
                raise EncoderSpecError(f"precision='bf16' needs a SentenceTransformer; {text!r} is not one")
        return ResolvedEncoder(
            name or text, _registry_fingerprint(text), lambda: _load_with_sources(text, precision)
        )
    fingerprint = getattr(spec, "fingerprint", None)
    fingerprint = fingerprint if isinstance(fingerprint, str) and fingerprint else None
    if _is_sentence_transformer(spec):
        card = getattr(spec, "model_card_data", None)
        label = name or getattr(card, "model_name", None) or getattr(card, "model_id", None)
        label = label or "SentenceTransformer"
        if precision == "bf16":
            return ResolvedEncoder(label, fingerprint, lambda: _st_encode_fn(_bf16(spec, label, copy=True)))
        return _from_loaded(spec, label, fingerprint)
    if precision == "bf16":
        _bf16(spec, str(name or type(spec).__name__), copy=True)  # raises: only SentenceTransformers
    if callable(spec):
        label = name or getattr(spec, "name", None) or getattr(spec, "__name__", None) or type(spec).__name__
        return _from_loaded(spec, str(label), fingerprint)
    raise EncoderSpecError(
        f"cannot evaluate a {type(spec).__name__}: pass a registry name (e.g. 'all-MiniLM-L6-v2'), a model "
        "folder, a SentenceTransformer, or a callable mapping a list of n texts to an (n, dim) array"
    )


def as_matrix(output: Any, rows: int, encoder: str) -> np.ndarray:
    """Check an encoder's output: a finite float array of shape ``(rows, dim)``; else a clear error."""
    if hasattr(output, "detach"):  # torch tensor
        output = output.detach().float().cpu().numpy()
    elif isinstance(output, list | tuple) and output and hasattr(output[0], "detach"):
        output = np.stack([t.detach().float().cpu().numpy() for t in output])
    try:
        array = np.asarray(output, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise EncoderOutputError(
            f"encoder {encoder!r} returned {type(output).__name__}, not a numeric array ({err})"
        ) from None
    if array.ndim != 2 or array.shape[0] != rows or array.shape[1] == 0:
        raise EncoderOutputError(
            f"encoder {encoder!r} returned shape {tuple(array.shape)} for {rows} texts; an encoder must map a "
            f"list of n texts to an array of shape (n, dim), here ({rows}, dim)"
        )
    if not np.isfinite(array).all():
        raise EncoderOutputError(f"encoder {encoder!r} returned NaN or infinite values")
    return array


def encode_texts(
    encoder: ResolvedEncoder, texts: Sequence[str], batch_size: int = 32, progress: bool = False
) -> np.ndarray:
    """Embed unique ``texts``: longest first in batches (little padding), rows returned in input order.

    sentence-transformers sorts by length inside each ``encode`` call already; plain callables (mUSE) do
    not, so the kit sorts once, for every encoder, and passes length-homogeneous chunks.
    """
    texts = list(texts)
    if not texts:
        raise EncoderOutputError(f"nothing to encode for {encoder.name!r}")
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    chunk = max(1, batch_size * encoder.chunk_factor)
    starts = range(0, len(order), chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"encoding {len(texts)} texts ({encoder.name})", unit="chunk")
    out: np.ndarray | None = None
    for start in starts:
        idx = order[start : start + chunk]
        block = as_matrix(encoder.encode([texts[i] for i in idx], batch_size), len(idx), encoder.name)
        if out is None:
            out = np.empty((len(texts), block.shape[1]), dtype=np.float32)
        elif block.shape[1] != out.shape[1]:
            raise EncoderOutputError(
                f"encoder {encoder.name!r} returned width {block.shape[1]} after width {out.shape[1]}"
            )
        out[idx] = block
    assert out is not None
    return out


class _NoModelCard:
    """Stands in for ``model_card_data``: evaluators record metrics there; nothing to record here."""

    def set_evaluation_metrics(self, *args: Any, **kwargs: Any) -> None:
        return None


class PrecomputedModel:
    """Precomputed embeddings that sentence-transformers' evaluators accept in place of a model.

    ``encode`` returns the stored rows of the requested sentences (as a float32 array, or as a list of
    tensors when ``convert_to_numpy=False``, as ``TranslationEvaluator`` asks). Similarity is cosine.
    """

    similarity_fn_name = "cosine"

    def __init__(self, name: str, texts: Sequence[str], embeddings: np.ndarray):
        self.name = name
        self.texts = list(texts)
        self.embeddings = embeddings
        self._row = {text: i for i, text in enumerate(self.texts)}
        self.model_card_data = _NoModelCard()

    @property
    def dim(self) -> int:
        return int(self.embeddings.shape[1])

    def rows(self, sentences: Iterable[str]) -> np.ndarray:
        try:
            return self.embeddings[[self._row[s] for s in sentences]]
        except KeyError as err:
            raise KeyError(f"sentence not among the precomputed embeddings of {self.name!r}: {err}") from None

    def encode(
        self,
        sentences: str | Sequence[str],
        convert_to_numpy: bool = True,
        truncate_dim: int | None = None,
        precision: str | None = None,
        normalize_embeddings: bool = False,
        **_: Any,
    ):
        single = isinstance(sentences, str)
        array = self.rows([sentences] if single else sentences)
        if truncate_dim is not None or precision not in (None, "float32"):
            raise NotImplementedError("precomputed embeddings support neither truncate_dim nor quantization")
        if normalize_embeddings:
            array = array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)
        if not convert_to_numpy:
            import torch

            tensors = list(torch.from_numpy(np.ascontiguousarray(array)))
            return tensors[0] if single else tensors
        return array[0] if single else array


def embed_sets(
    encoder: ResolvedEncoder,
    sets: Mapping[str, Sequence[str]],
    *,
    batch_size: int = 32,
    cache: EmbeddingCache | bool | None = True,
    progress: bool = False,
    stats: dict[str, int] | None = None,
) -> dict[str, PrecomputedModel]:
    """Embeddings of several text sets (e.g. one per Tatoeba language), one :class:`PrecomputedModel` each.

    Each set is a cache entry of its own (so another selection of languages reuses it); the sets that miss
    are encoded together in one length-sorted pass over the union of their unique texts.
    """
    store: EmbeddingCache | None
    if cache is True or cache is None:
        store = EmbeddingCache() if encoder.fingerprint else None
    elif cache is False:
        store = None
    else:
        store = cache if encoder.fingerprint else None
    result: dict[str, PrecomputedModel] = {}
    missing: dict[str, list[str]] = {}
    for key, texts in sets.items():
        unique = list(dict.fromkeys(texts))
        cached = store.load(encoder.fingerprint, unique) if store is not None else None
        if cached is not None:
            result[key] = PrecomputedModel(encoder.name, unique, cached)
        else:
            missing[key] = unique
    encoded = 0
    if missing:
        union = list(dict.fromkeys(t for unique in missing.values() for t in unique))
        vectors = encode_texts(encoder, union, batch_size=batch_size, progress=progress)
        encoded = len(union)
        row = {text: i for i, text in enumerate(union)}
        for key, unique in missing.items():
            block = vectors[[row[t] for t in unique]]
            if store is not None:
                store.save(encoder.fingerprint, unique, block)
            result[key] = PrecomputedModel(encoder.name, unique, block)
    if stats is not None:
        stats["sets_cached"] = stats.get("sets_cached", 0) + len(sets) - len(missing)
        stats["sets_encoded"] = stats.get("sets_encoded", 0) + len(missing)
        stats["texts_encoded"] = stats.get("texts_encoded", 0) + encoded
    return {key: result[key] for key in sets}
