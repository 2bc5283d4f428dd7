"""KeyValueMemory: a preallocated episodic store queried in one batched matrix product.

Each entry holds a key (the encoder's vector for a training story), its label, the story's token
ids (so keys can be re-encoded when the encoder changes: `refresh_keys`), the id of the source
example (so training can leave an example's own entry out) and lifecycle metadata: confidence,
retrieval count, successes, created and last-used step, whether it was its label's first entry,
and its domain. What is written, kept and deleted is decided in hsokv.benchmarks.words.lifecycle.

`label_logits` turns retrieval into evidence per label:
- top_k == 1 (default): each label's score is its nearest entry's similarity / temperature, so
  the arg-max is exactly the label of the global nearest neighbour. Sharp like 1-NN, yet
  differentiable with respect to the query, which lets training shape the encoder for retrieval.
- top_k > 1: the k nearest entries vote with softmax(similarity / temperature) weights, or, with
  aggregation "mean" (the seed's top-k averaging), with equal weights.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

EVICTION_POLICIES = ("lru", "fifo", "error")


class MemoryFullError(RuntimeError):
    pass


class KeyValueMemory:
    def __init__(self, dim: int, capacity: int, max_length: int, similarity: str = "dot", top_k: int = 1,
                 temperature: float = 1.0, eviction: str = "lru", device: str | torch.device = "cpu",
                 aggregation: str = "weighted"):
        if similarity not in ("dot", "cosine"):
            raise ValueError(f"memory.similarity must be 'dot' or 'cosine', got {similarity!r}")
        if eviction not in EVICTION_POLICIES:
            raise ValueError(f"memory.eviction must be one of {EVICTION_POLICIES}, got {eviction!r}")
        self.dim, self.capacity, self.max_length = dim, capacity, max_length
        if aggregation not in ("weighted", "mean"):
            raise ValueError(f"memory.aggregation must be 'weighted' or 'mean', got {aggregation!r}")
        self.similarity, self.top_k, self.temperature, self.eviction = similarity, top_k, temperature, eviction
        self.aggregation = aggregation
        # Optional re-scoring of similarities (hsokv.benchmarks.words.lifecycle.ContextBoost); None = plain similarity.
        self.context_boost = None
        self.device = torch.device(device)
        z = lambda *shape, dtype=torch.long: torch.zeros(*shape, dtype=dtype, device=self.device)  # noqa: E731
        self.keys = z(capacity, dim, dtype=torch.float32)
        self.labels = z(capacity)
        self.episodes = z(capacity, max_length)  # token ids, 0 = padding
        self.source_ids = z(capacity)
        self.valid = z(capacity, dtype=torch.bool)
        self.confidence = z(capacity, dtype=torch.float32)
        self.retrieval_count = z(capacity)
        self.successes = z(capacity)
        self.created_step = z(capacity)
        self.last_used_step = z(capacity)
        self.first_exposure = z(capacity, dtype=torch.bool)  # the first entry written for its label
        self.domains = z(capacity) - 1  # -1 = unknown
        self.writes = 0
        self.evictions = 0
        self.deletions = 0

    def __len__(self) -> int:
        return int(self.valid.sum())

    # -- writing -------------------------------------------------------------------------------
    def _free_slots(self, n: int) -> torch.Tensor:
        free = (~self.valid).nonzero().flatten()
        if len(free) >= n:
            return free[:n]
        if self.eviction == "error":
            raise MemoryFullError(f"memory is full ({self.capacity} entries) and memory.eviction is 'error'; "
                                  "raise memory.capacity or choose eviction 'lru' or 'fifo'")
        if n > self.capacity:
            raise MemoryFullError(f"cannot write {n} entries into a memory of capacity {self.capacity}")
        need = n - len(free)
        age = self.last_used_step if self.eviction == "lru" else self.created_step
        # Oldest first; ties broken by slot order so eviction is deterministic.
        order = torch.argsort(age.masked_fill(~self.valid, torch.iinfo(torch.long).max) * self.capacity
                              + torch.arange(self.capacity, device=self.device))
        victims = order[:need]
        self.valid[victims] = False
        self.evictions += need
        return torch.cat([free, victims])

    @torch.no_grad()
    def write(self, keys: torch.Tensor, labels: torch.Tensor, episodes: torch.Tensor, source_ids: torch.Tensor,
              step: int, confidence: float | torch.Tensor = 0.5, first_exposure: torch.Tensor | None = None,
              domains: torch.Tensor | None = None) -> torch.Tensor:
        n = keys.shape[0]
        slots = self._free_slots(n)
        length = min(episodes.shape[1], self.max_length)
        self.keys[slots] = keys.detach().float().to(self.device)
        self.labels[slots] = labels.to(self.device)
        self.episodes[slots] = 0
        self.episodes[slots, :length] = episodes[:, :length].to(self.device)
        self.source_ids[slots] = source_ids.to(self.device)
        self.valid[slots] = True
        self.confidence[slots] = torch.as_tensor(confidence, dtype=torch.float32, device=self.device)
        self.first_exposure[slots] = False if first_exposure is None else first_exposure.to(self.device)
        self.domains[slots] = -1 if domains is None else domains.to(self.device)
        self.retrieval_count[slots] = 0
        self.successes[slots] = 0
        self.created_step[slots] = step
        self.last_used_step[slots] = step
        self.writes += n
        return slots

    @torch.no_grad()
    def remove(self, slots: torch.Tensor) -> int:
        """Delete entries (a bool mask or slot indices); returns how many were valid."""
        mask = torch.zeros_like(self.valid)
        mask[slots] = True
        mask &= self.valid
        self.valid &= ~mask
        n = int(mask.sum())
        self.deletions += n
        return n

    def contains_sources(self, source_ids: torch.Tensor) -> torch.Tensor:
        stored = self.source_ids[self.valid]
        return torch.isin(source_ids.to(self.device), stored)

    @torch.no_grad()
    def refresh_keys(self, encode: Callable[[torch.Tensor], torch.Tensor], batch_size: int = 256) -> None:
        """Re-encode every stored episode with the current encoder, so no key is stale."""
        idx = self.valid.nonzero().flatten()
        for chunk in idx.split(batch_size):
            self.keys[chunk] = encode(self.episodes[chunk]).float()

    # -- reading -------------------------------------------------------------------------------
    def _excluded(self, exclude_sources: torch.Tensor) -> torch.Tensor:
        """[batch, capacity] mask of entries whose source is excluded ([batch] or [batch, m] ids)."""
        ex = exclude_sources.to(self.device)
        ex = ex.unsqueeze(1) if ex.dim() == 1 else ex
        return (ex.unsqueeze(2) == self.source_ids.view(1, 1, -1)).any(dim=1)

    def similarities(self, queries: torch.Tensor, exclude_sources: torch.Tensor | None = None) -> torch.Tensor:
        """[batch, capacity] similarities; invalid (and excluded) entries are -inf."""
        if self.similarity == "cosine":
            sims = F.normalize(queries, dim=-1) @ F.normalize(self.keys, dim=-1).T
        else:
            # Scaled like attention scores so one temperature suits every width; the scale goes
            # on the queries (batch x dim) rather than the scores (batch x capacity).
            sims = (queries / self.dim**0.5) @ self.keys.T
        if self.context_boost is not None:
            sims = self.context_boost(sims, queries, self)
        mask = None if bool(self.valid.all()) else ~self.valid.unsqueeze(0)
        if exclude_sources is not None:
            excluded = self._excluded(exclude_sources)
            mask = excluded if mask is None else mask | excluded
        return sims if mask is None else sims.masked_fill_(mask, float("-inf"))

    def retrieve(self, queries: torch.Tensor, k: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact top-k by brute force over all entries: (similarities, slot indices), each [batch, k]."""
        k = min(k, self.capacity)
        return torch.topk(self.similarities(queries), k, dim=-1)

    def label_logits(self, queries: torch.Tensor, num_labels: int,
                     exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-label memory evidence [batch, num_labels] and a [batch] mask of rows that had any entry.

        Labels with no entry get the row's lowest score, so they are neither favoured nor vetoed.
        """
        sims = self.similarities(queries, exclude_sources) / self.temperature
        has_any = torch.isfinite(sims).any(dim=-1)
        if self.top_k == 1:
            scores = torch.full((queries.shape[0], num_labels), float("-inf"), device=sims.device, dtype=sims.dtype)
            scores = scores.scatter_reduce(1, self.labels.expand_as(sims), sims, reduce="amax", include_self=True)
        else:
            top, idx = torch.topk(sims, min(self.top_k, self.capacity), dim=-1)
            weights = self._vote_weights(top)
            votes = torch.zeros(queries.shape[0], num_labels, device=sims.device, dtype=sims.dtype)
            votes = votes.scatter_add(1, self.labels[idx], weights)
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

    def read(self, queries: torch.Tensor, exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The aggregated key vector of the top-k entries [batch, dim], and whether any entry was found."""
        sims = self.similarities(queries, exclude_sources) / self.temperature
        top, idx = torch.topk(sims, min(self.top_k, self.capacity), dim=-1)
        weights = self._vote_weights(top)
        return (weights.unsqueeze(-1) * self.keys[idx]).sum(1), torch.isfinite(top[:, 0])

    def has_label(self, labels: torch.Tensor, exclude_sources: torch.Tensor | None = None) -> torch.Tensor:
        """[batch] bool: does the memory hold an entry of each row's label (other than its own)?"""
        match = (self.labels.unsqueeze(0) == labels.to(self.device).unsqueeze(1)) & self.valid.unsqueeze(0)
        if exclude_sources is not None:
            match &= ~self._excluded(exclude_sources)
        return match.any(dim=1)

    @torch.no_grad()
    def record_use(self, queries: torch.Tensor, labels: torch.Tensor, step: int,
                   exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mark each query's nearest entry as used (and successful if its label is right).

        Returns (slot of the nearest entry, hit) for the rows that found any entry.
        """
        sims = self.similarities(queries, exclude_sources)
        best, idx = sims.max(dim=-1)
        found = torch.isfinite(best)
        idx = idx[found]
        hit = self.labels[idx] == labels.to(self.device)[found]
        self.retrieval_count.index_add_(0, idx, torch.ones_like(idx))
        self.successes.index_add_(0, idx, hit.long())
        self.last_used_step[idx] = step
        return idx, hit

    def state_dict(self) -> dict:
        """The occupied slots only (CPU tensors), so a mostly empty memory travels small."""
        slots = self.valid.nonzero().flatten()
        state = {name: getattr(self, name)[slots].cpu() for name in self._TENSORS if name != "valid"}
        state.update(slots=slots.cpu(), counters=torch.tensor([self.writes, self.evictions, self.deletions]))
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore entries saved by state_dict into this (same-capacity, same-width) memory."""
        slots = state["slots"].to(self.device)
        self.valid.zero_()
        self.valid[slots] = True
        for name in self._TENSORS:
            if name != "valid":
                getattr(self, name)[slots] = state[name].to(self.device)
        self.writes, self.evictions, self.deletions = (int(c) for c in state["counters"])

    # -- persistence ---------------------------------------------------------------------------
    _TENSORS = ("keys", "labels", "episodes", "source_ids", "valid", "confidence", "retrieval_count",
                "successes", "created_step", "last_used_step", "first_exposure", "domains")

    def save(self, path: str | Path) -> None:
        path = Path(path)
        tensors = {name: getattr(self, name).contiguous().cpu() for name in self._TENSORS}
        meta = {"dim": self.dim, "capacity": self.capacity, "max_length": self.max_length,
                "similarity": self.similarity, "top_k": self.top_k, "temperature": self.temperature,
                "eviction": self.eviction, "aggregation": self.aggregation,
                "writes": self.writes, "evictions": self.evictions, "deletions": self.deletions}
        save_file(tensors, str(path), metadata={"hsokv_memory": json.dumps(meta)})

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> "KeyValueMemory":
        from safetensors import safe_open

        path = Path(path)
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("hsokv_memory", "null") or "null")
        if meta is None:
            raise ValueError(f"{path}: not an hsokv memory file (no 'hsokv_memory' metadata)")
        counters = {k: meta.pop(k) for k in ("writes", "evictions", "deletions")}
        mem = cls(**meta, device=device)
        for name, tensor in load_file(str(path), device=str(mem.device)).items():
            getattr(mem, name).copy_(tensor)
        mem.writes, mem.evictions, mem.deletions = counters["writes"], counters["evictions"], counters["deletions"]
        return mem
