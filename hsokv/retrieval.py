"""Retrieval over an EpisodicMemory whose entries hold a `label` (and a `source`): one batched
matrix product over every slot, turned into evidence per label.

`label_logits`:
- top_k == 1 (default): each label's score is its nearest entry's similarity / temperature, so
  the arg-max is exactly the label of the global nearest neighbour. Sharp like 1-NN, yet
  differentiable with respect to the query, which lets training shape the encoder for retrieval.
- top_k > 1: the k nearest entries vote with softmax(similarity / temperature) weights, or, with
  aggregation "mean" (the seed's top-k averaging), with equal weights.
`source` ids let a query leave entries out (training hides an example's own entries from it).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from hsokv.episodic import EpisodicMemory


def _excluded(memory: EpisodicMemory, exclude_sources: torch.Tensor) -> torch.Tensor:
    """[batch, capacity] mask of entries whose source is excluded ([batch] or [batch, m] ids)."""
    ex = exclude_sources.to(memory.filled.device)
    ex = ex.unsqueeze(1) if ex.dim() == 1 else ex
    return (ex.unsqueeze(2) == memory.value("source").view(1, 1, -1)).any(dim=1)


def has_label(memory: EpisodicMemory, labels: torch.Tensor, exclude_sources: torch.Tensor | None = None) -> torch.Tensor:
    """[batch] bool: does the memory hold an entry of each row's label (other than its own)?"""
    match = (memory.value("label").unsqueeze(0) == labels.to(memory.filled.device).unsqueeze(1)) & memory.filled.unsqueeze(0)
    if exclude_sources is not None:
        match &= ~_excluded(memory, exclude_sources)
    return match.any(dim=1)


class Retrieval:
    def __init__(self, similarity: str = "dot", top_k: int = 1, temperature: float = 1.0,
                 aggregation: str = "weighted"):
        if similarity not in ("dot", "cosine"):
            raise ValueError(f"memory.similarity must be 'dot' or 'cosine', got {similarity!r}")
        if aggregation not in ("weighted", "mean"):
            raise ValueError(f"memory.aggregation must be 'weighted' or 'mean', got {aggregation!r}")
        self.similarity, self.top_k, self.temperature, self.aggregation = similarity, top_k, temperature, aggregation
        # Optional re-scoring of similarities (hsokv.benchmarks.words.lifecycle.ContextBoost); None = plain similarity.
        self.context_boost = None

    def similarities(self, memory: EpisodicMemory, queries: torch.Tensor,
                     exclude_sources: torch.Tensor | None = None) -> torch.Tensor:
        """[batch, capacity] similarities; empty (and excluded) slots are -inf."""
        if self.similarity == "cosine":
            sims = F.normalize(queries, dim=-1) @ F.normalize(memory.keys, dim=-1).T
        else:
            # Scaled like attention scores so one temperature suits every width; the scale goes
            # on the queries (batch x dim) rather than the scores (batch x capacity).
            sims = (queries / memory.key_dim**0.5) @ memory.keys.T
        if self.context_boost is not None:
            sims = self.context_boost(sims, queries, memory)
        mask = None if bool(memory.filled.all()) else ~memory.filled.unsqueeze(0)
        if exclude_sources is not None:
            excluded = _excluded(memory, exclude_sources)
            mask = excluded if mask is None else mask | excluded
        return sims if mask is None else sims.masked_fill_(mask, float("-inf"))

    def retrieve(self, memory: EpisodicMemory, queries: torch.Tensor, k: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact top-k by brute force over all slots: (similarities, slot indices), each [batch, k]."""
        return torch.topk(self.similarities(memory, queries), min(k, memory.capacity), dim=-1)

    def nearest_label(self, memory: EpisodicMemory, queries: torch.Tensor) -> torch.Tensor:
        """[batch] label of each query's nearest entry."""
        return memory.value("label")[self.retrieve(memory, queries, 1)[1][:, 0]]

    def label_logits(self, memory: EpisodicMemory, queries: torch.Tensor, num_labels: int,
                     exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-label memory evidence [batch, num_labels] and a [batch] mask of rows that had any entry.

        Labels with no entry get the row's lowest score, so they are neither favoured nor vetoed.
        """
        sims = self.similarities(memory, queries, exclude_sources) / self.temperature
        labels = memory.value("label")
        has_any = torch.isfinite(sims).any(dim=-1)
        if self.top_k == 1:
            scores = torch.full((queries.shape[0], num_labels), float("-inf"), device=sims.device, dtype=sims.dtype)
            scores = scores.scatter_reduce(1, labels.expand_as(sims), sims, reduce="amax", include_self=True)
        else:
            top, idx = torch.topk(sims, min(self.top_k, memory.capacity), dim=-1)
            votes = torch.zeros(queries.shape[0], num_labels, device=sims.device, dtype=sims.dtype)
            votes = votes.scatter_add(1, labels[idx], self._vote_weights(top))
            scores = torch.log(votes.clamp_min(1e-6))
        floor = scores.masked_fill(~torch.isfinite(scores), float("inf")).amin(dim=-1, keepdim=True)
        scores = torch.where(torch.isfinite(scores), scores, floor)
        scores = torch.where(has_any.unsqueeze(1), scores, torch.zeros_like(scores))
        return scores, has_any

    def _vote_weights(self, top: torch.Tensor) -> torch.Tensor:
        """Weights of the top-k entries: softmax of their scores, or (the seed's) a plain average."""
        if self.aggregation == "mean":
            return torch.isfinite(top).float() / torch.isfinite(top).sum(-1, keepdim=True).clamp_min(1)
        return torch.softmax(top, dim=-1).nan_to_num(0.0)  # rows with no entry give NaN

    def read(self, memory: EpisodicMemory, queries: torch.Tensor,
             exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The aggregated key vector of the top-k entries [batch, dim], and whether any entry was found."""
        sims = self.similarities(memory, queries, exclude_sources) / self.temperature
        top, idx = torch.topk(sims, min(self.top_k, memory.capacity), dim=-1)
        return (self._vote_weights(top).unsqueeze(-1) * memory.keys[idx]).sum(1), torch.isfinite(top[:, 0])
