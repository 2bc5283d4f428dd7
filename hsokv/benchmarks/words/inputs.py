"""What a method reads a story as: its encoder's input, one class per kind.

- `scratch` (TokenInputs): word-level token ids from the tokenizer fitted on the seed's training
  text; the from-scratch transformer's input, as before.
- a pretrained backbone of GLUE's registry (`minilm`, ...; SentenceInputs, given a
  SentenceEncoder that stages/synthetic.py builds from it): each sentence of a story encoded once
  by the frozen backbone, a story given as the ids of its sentences' vectors (row 0 = padding). Encoding sentences, not whole stories, lets every vector be computed once
  per process however many stories, seeds and methods reuse the sentence (2 CPU cores encode
  ~100 short sentences a second); methods pool a story's sentences themselves (SentenceStories).
- `text` (TextInputs): the raw strings, for the lexical controls (lookup, bm25).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file
from tokenizers import Tokenizer

from hsokv.benchmarks.words.data import Item, SyntheticSplits, masked_form, meaning_form
from hsokv.benchmarks.words.tensors import story_ids
from hsokv.errors import BackboneError

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_VECTORS: dict[tuple[str, str], torch.Tensor] = {}   # (backbone, sentence) -> its frozen vector


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def texts_of(splits: SyntheticSplits) -> list[str]:
    """Every text a run can ask for: stories, probes and comprehension candidates."""
    items: list[Item] = splits.train_phase1 + splits.train_phase2 + splits.all_items()
    return [t for it in items for t in (it.text, it.probe, *(it.candidates or ())) if t]


def split_sentences(*splits: SyntheticSplits) -> list[str]:
    """Every distinct sentence the texts of `splits` hold, sorted: what a pretrained backbone encodes."""
    return sorted({s for one in splits for t in texts_of(one) for s in sentences(t)})


def meaning_sentences(found, form=meaning_form) -> list[str]:
    """The meaning forms (data.meaning_form, or data.masked_form) of the definitional statements
    among `found`, sorted: what hsokv_sentences' keys may hold besides the stories' own sentences.
    Kept out of the inputs' table: its size sets the token embedding every method builds first, and
    so every method's random initialisation."""
    return sorted({m for m in map(form, found) if m is not None})


def statement_form_lists(found) -> list[list[str]]:
    """meaning_sentences of `found` in each form hsokv_sentences keys a statement by besides its
    written one (meaning form, then masked form), one list a form, in the keys' table order; each
    list is encoded in a call of its own (a batch's padding can move vectors in their last bits)."""
    return [meaning_sentences(found, form) for form in (meaning_form, masked_form)]


class TokenInputs:
    kind, pretrained = "scratch", False

    def __init__(self, tok: Tokenizer, max_length: int):
        self.tok, self.max_length, self.vocab_size = tok, max_length, tok.get_vocab_size()

    def __call__(self, texts: list[str]) -> torch.Tensor:
        return story_ids(self.tok, texts, self.max_length)


class TextInputs:
    kind, pretrained, vocab_size = "text", False, 0

    def __call__(self, texts: list[str]) -> list[str]:
        return list(texts)


@dataclass(frozen=True)
class SentenceEncoder:
    """A frozen pretrained sentence encoder: its name, width, and sentences -> [n, dim] on the CPU."""
    name: str
    dim: int
    encode: Callable[[list[str]], torch.Tensor]


def _check_width(name: str, width: int, source: str) -> None:
    """The cache is keyed by encoder name, so one name must mean one encoder: vectors of another
    width under a name already cached would be two encoders' vectors mixed (a test's fake encoder
    reusing a real one's name did). Refused before anything is added."""
    cached = next((v.shape[-1] for (b, _), v in _VECTORS.items() if b == name), None)
    if cached is not None and cached != width:
        raise BackboneError(
            f"encoder {name!r}: {source} vectors {width} wide, but this process already holds vectors {cached} wide "
            f"under that name (one name must mean one encoder): give the other encoder its own name, or "
            f"clear the cache first (hsokv.benchmarks.words.inputs._VECTORS.clear(); a stale vectors file "
            f"loaded under this name: delete it)")


def sentence_vectors(backbone: SentenceEncoder, wanted: list[str]) -> torch.Tensor:
    """[len(wanted), dim]: each sentence encoded once per process (and backbone)."""
    _check_width(backbone.name, backbone.dim, "the encoder given declares")
    missing = [s for s in dict.fromkeys(wanted) if (backbone.name, s) not in _VECTORS]
    if missing:
        new = list(backbone.encode(missing))
        widths = sorted({v.shape[-1] for v in new})
        if widths != [backbone.dim]:
            raise BackboneError(f"encoder {backbone.name!r}: declares dim {backbone.dim} but encoded vectors "
                                f"{', '.join(map(str, widths))} wide")
        for s, v in zip(missing, new):
            _VECTORS[backbone.name, s] = v
    return torch.stack([_VECTORS[backbone.name, s] for s in wanted])


def cached_vectors(name: str) -> int:
    return sum(b == name for b, _ in _VECTORS)


def save_vectors(path: str | Path, name: str) -> int:
    """This process's frozen vectors of backbone `name` -> a safetensors file (the sentences in its
    metadata); returns how many. A later run loads them instead of encoding again (mpnet encodes
    ~10 sentences a second on a shared CPU core: a research run's 17,000 take half an hour)."""
    found = sorted(s for b, s in _VECTORS if b == name)
    if found:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        save_file({"vectors": torch.stack([_VECTORS[name, s] for s in found]).contiguous()}, str(partial),
                  metadata={"backbone": name, "sentences": json.dumps(found)})
        os.replace(partial, path)   # a reader never sees half a file
    return len(found)


def load_vectors(path: str | Path, name: str) -> int:
    """A save_vectors file's vectors into this process's cache; refused if written by another backbone."""
    with safe_open(str(path), "pt") as f:
        meta = f.metadata() or {}
        if meta.get("backbone") != name:
            raise BackboneError(f"{path}: vectors of backbone {meta.get('backbone')!r}, not {name!r}")
        vectors, found = f.get_tensor("vectors"), json.loads(meta["sentences"])
    _check_width(name, vectors.shape[-1], f"{path} holds")
    for s, v in zip(found, vectors):
        _VECTORS[name, s] = v
    return len(found)


class VectorFile:
    """A save_vectors file of backbone `name` (or none: `path` None) kept in step with this process's
    cache: read on creation if it exists; `save()` rewrites it only when the cache holds more vectors
    than it did (parallel runs may share the file)."""

    def __init__(self, path: Path | None, name: str):
        self.path, self.name = path, name
        self.count = load_vectors(path, name) if path is not None and path.is_file() else 0

    def save(self) -> None:
        if self.path is not None and cached_vectors(self.name) > self.count:
            self.count = save_vectors(self.path, self.name)


class SentenceInputs:
    pretrained = True

    def __init__(self, backbone: SentenceEncoder, splits: SyntheticSplits):
        self.kind, self.backbone = backbone.name, backbone
        wanted = split_sentences(splits)
        self.index = {s: i + 1 for i, s in enumerate(wanted)}
        self.table = torch.cat([torch.zeros(1, backbone.dim), sentence_vectors(backbone, wanted)])
        self.vocab_size, self.dim = len(self.table), backbone.dim

    def __call__(self, texts: list[str]) -> torch.Tensor:
        rows = [[self.index[s] for s in sentences(t)] for t in texts]
        out = torch.zeros(len(rows), max(1, max(len(r) for r in rows)), dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        return out


class SentenceStories(nn.Module):
    """A story's vector from its sentences' frozen vectors: attention over the sentences (a learned
    query, zero at start, so it starts as their mean) plus a residual linear adapter (zero at
    start), L2-normalised and scaled. Untrained, it is the plain mean (normalised): the kNN
    baseline's key.

    Measured on quick_test (80 words, seed 0, 20 epochs): without SCALE the frozen vectors' small
    norms leave the classifier's logits near 0 and training barely moves (final loss 3.75 of
    ln 80 = 4.38); without SHARPNESS the learned query stays too weak to turn the attention off the
    filler sentences (0.3-0.5 of the weight stayed on filler; recall one-shot 0.33 vs 0.61 with it).
    """
    SCALE = 8.0       # |h|: dot-product logits and memory scores in a trainable range
    SHARPNESS = 16.0  # multiplies the query's scores: the attention can become sharp in a few epochs

    def __init__(self, table: torch.Tensor):
        super().__init__()
        dim = table.shape[1]
        self.table = nn.Embedding.from_pretrained(table, freeze=True, padding_idx=0)
        self.query = nn.Parameter(torch.zeros(dim))
        self.adapter = nn.Linear(dim, dim)
        nn.init.zeros_(self.adapter.weight)
        nn.init.zeros_(self.adapter.bias)

    def attention(self, ids: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """[batch, sentences]: each sentence's weight in its story's vector (padding 0)."""
        x = self.table(ids) if x is None else x
        scores = (self.SHARPNESS * x @ self.query).masked_fill(ids == 0, float("-inf"))
        return torch.softmax(scores, dim=-1).nan_to_num(0.0)   # all-padding rows: zeros

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.table(ids)
        weights = self.attention(ids, x).unsqueeze(-1)
        pooled = (weights * x).sum(1)
        return self.SCALE * F.normalize(pooled + self.adapter(pooled), dim=-1)


class CosineClassifier(nn.Module):
    """Logits = cosine(h, the label's weight), in [-1, 1], while memory scores (dot products of
    SCALE-long vectors) reach SCALE^2: beside memory the classifier only breaks near-ties. A linear
    classifier over the frozen vectors learned new-label logits that outvoted memory after phase 2
    (quick_test, seed 0: recall retention 0.05 while the nearest memory entry was right for 0.49;
    0.23 with this one), the new-class bias that cosine normalisation removes in continual
    learning (Hou et al., 2019)."""

    def __init__(self, dim: int, num_labels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_labels, dim) * dim ** -0.5)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return F.normalize(h, dim=-1) @ F.normalize(self.weight, dim=-1).T


def make_inputs(backbone: str | SentenceEncoder, splits: SyntheticSplits, tok: Tokenizer, max_length: int):
    if backbone == "scratch":
        return TokenInputs(tok, max_length)
    if backbone == "text":
        return TextInputs()
    return SentenceInputs(backbone, splits)
