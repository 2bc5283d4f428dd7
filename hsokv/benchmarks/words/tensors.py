"""The synthetic benchmark's splits as padded token-id tensors: what its protocol
(hsokv.benchmarks.words.protocol) and H-SOKV's search objective (hsokv.benchmarks.words.objective) both feed
to a model. Id 0 is [PAD]."""
from __future__ import annotations

import torch
from tokenizers import Tokenizer

from hsokv.benchmarks.words.data import Item, SyntheticSplits
from hsokv.tokenizer import encode_batch


def pad(sequences: list[list[int]], max_length: int) -> torch.Tensor:
    width = max(1, min(max_length, max(len(s) for s in sequences)))
    out = torch.zeros(len(sequences), width, dtype=torch.long)
    for i, s in enumerate(sequences):
        out[i, : min(len(s), width)] = torch.tensor(s[:width], dtype=torch.long)
    return out


def story_ids(tok: Tokenizer, texts: list[str], max_length: int) -> torch.Tensor:
    return pad(encode_batch(tok, texts, max_length), max_length)


def training_tensors(tok: Tokenizer, items: list[Item], max_length: int, source_offset: int):
    """(stories, probes, labels, source ids) for one learning phase."""
    return (story_ids(tok, [it.text for it in items], max_length),
            story_ids(tok, [it.probe for it in items], max_length),
            torch.tensor([it.label for it in items], dtype=torch.long),
            torch.arange(len(items), dtype=torch.long) + source_offset)


def eval_tensors(tok: Tokenizer, items: list[Item], max_length: int):
    """(ids, labels, exposures) for one evaluation split."""
    return (story_ids(tok, [it.text for it in items], max_length),
            torch.tensor([it.label for it in items], dtype=torch.long),
            torch.tensor([it.exposures for it in items], dtype=torch.long))


def label_domains(splits: SyntheticSplits) -> torch.Tensor:
    """Each label's domain as an index (domains in sorted order), for the context boosts."""
    domain_ids = {d: i for i, d in enumerate(sorted(set(splits.domains)))}
    return torch.tensor([domain_ids[d] for d in splits.domains], dtype=torch.long)
