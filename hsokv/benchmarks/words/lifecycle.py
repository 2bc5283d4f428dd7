"""The memory lifecycle: what is written, how confident an entry is, and what is deleted.

The seed prototype had all of these and the seeds measured each as harmful as built: surprise
writing skipped first exposures, consolidation and forgetting deleted memories before they were
used, and context boosts added noise. Here each piece is built with the guard the seeds asked
for, and each guard can be switched back (MemoryConfig), so the ablation stage measures them.

- Writing: `write_decision`. "all" writes every training example; "surprise" writes an example
  only if its loss is high, or it is its word's first exposure and its loss is above a lower
  threshold, or it is novel (far from every stored key).
- Confidence: initial + first-exposure boost - decay x retrievals, clipped to [0, 1]. A
  first-exposure entry is *protected* while it has been retrieved fewer than
  `protection_window` times.
- Forgetting: utility = weighted confidence, usage, success rate and recency; entries under the
  threshold are deleted unless protected.
- Consolidation: entries with high confidence and success are fine-tuned into the classifier
  (the encoder stays put, since every key depends on it); with
  `consolidation_verify` an entry is deleted only if the model then answers its episode without
  it, its word has other stories in memory, and its removal costs no leave-one-out accuracy on
  them (the seed deleted them unchecked). A one-shot word's memory is never consolidated: its
  single text cannot show whether the model learned the word or memorised the sentence.
- Context boosts (`ContextBoost`): the seed's domain, recency, emotion and importance re-scoring.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from hsokv.config import MemoryConfig
from hsokv.memory import KeyValueMemory


def write_decision(cfg: MemoryConfig, memory: KeyValueMemory, h: torch.Tensor, labels: torch.Tensor,
                   loss_per_row: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(write?, first exposure?) for each row."""
    first = ~memory.has_label(labels)
    if cfg.write_policy == "all":
        return torch.ones_like(first), first
    if len(memory) == 0:
        novelty = torch.ones_like(loss_per_row)
    else:
        cos = F.normalize(h, dim=-1) @ F.normalize(memory.keys, dim=-1).T
        novelty = 1 - cos.masked_fill(~memory.valid.unsqueeze(0), -1.0).amax(dim=-1)
    write = ((loss_per_row > cfg.surprise_loss_threshold)
             | (first & (loss_per_row > cfg.first_exposure_loss_threshold))
             | (novelty > cfg.novelty_threshold))
    return write, first


def initial_confidence(cfg: MemoryConfig, first: torch.Tensor) -> torch.Tensor:
    return (cfg.initial_confidence + cfg.first_exposure_boost * first.float()).clamp(0.0, 1.0)


@torch.no_grad()
def update_confidence(cfg: MemoryConfig, memory: KeyValueMemory) -> None:
    boost = cfg.first_exposure_boost * memory.first_exposure.float()
    memory.confidence.copy_((cfg.initial_confidence + boost - cfg.confidence_decay * memory.retrieval_count).clamp(0, 1))


def protected(cfg: MemoryConfig, memory: KeyValueMemory) -> torch.Tensor:
    return memory.first_exposure & (memory.retrieval_count < cfg.protection_window)


def utility(cfg: MemoryConfig, memory: KeyValueMemory, now: int, steps_per_epoch: int) -> torch.Tensor:
    w_conf, w_usage, w_success, w_recency = cfg.forgetting_weights
    usage = (memory.retrieval_count.float() / 100).clamp(max=1.0)
    success = memory.successes.float() / memory.retrieval_count.clamp_min(1).float()
    age_epochs = (now - memory.last_used_step).clamp_min(0).float() / max(steps_per_epoch, 1)
    recency = cfg.recency_decay ** age_epochs
    return w_conf * memory.confidence + w_usage * usage + w_success * success + w_recency * recency


@torch.no_grad()
def forget(cfg: MemoryConfig, memory: KeyValueMemory, now: int, steps_per_epoch: int) -> int:
    victims = memory.valid & (utility(cfg, memory, now, steps_per_epoch) < cfg.forgetting_threshold)
    return memory.remove(victims & ~protected(cfg, memory))


def consolidate(cfg: MemoryConfig, model, optimizer: torch.optim.Optimizer) -> dict:
    """Fine-tune on confident, successful memories; delete those the weights have absorbed."""
    memory = model.memory
    success = memory.successes.float() / memory.retrieval_count.clamp_min(1).float()
    chosen = (memory.valid & (memory.retrieval_count > 0) & (memory.confidence >= cfg.consolidation_confidence)
              & (success >= cfg.consolidation_success)).nonzero().flatten()
    stats = {"consolidation_chosen": len(chosen), "consolidation_passed": 0, "consolidation_deleted": 0}
    if len(chosen) == 0:
        return stats
    # By default only the classifier learns here: the encoder makes every key in memory, and
    # moving it to fit a few episodes moves all the keys the remaining memories are found by.
    episodes, labels = memory.episodes[chosen], memory.labels[chosen]
    whole_model = cfg.consolidation_scope == "model"
    with torch.set_grad_enabled(whole_model):
        frozen_h = None if whole_model else model.encoder(episodes)
    for _ in range(cfg.consolidation_steps):
        h = model.encoder(episodes) if whole_model else frozen_h
        loss = F.cross_entropy(model.classifier(h), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if whole_model:
        memory.refresh_keys(model.encoder)
    with torch.no_grad():
        if cfg.consolidation_verify:
            passed = _absorbed(model, chosen)
        else:
            passed = torch.ones(len(chosen), dtype=torch.bool, device=chosen.device)
    stats["consolidation_passed"] = int(passed.sum())
    stats["consolidation_deleted"] = memory.remove(chosen[passed])
    return stats


def _absorbed(model, chosen: torch.Tensor) -> torch.Tensor:
    """Per chosen entry: is its episode answered without it, and is its word (checked on its
    other stories) no worse off?"""
    memory = model.memory
    keys, labels, sources = memory.keys, memory.labels, memory.source_ids
    own_ok = model.head(keys[chosen], exclude_sources=sources[chosen]).argmax(-1) == labels[chosen]
    word_ok = torch.ones_like(own_ok)
    for i, slot in enumerate(chosen.tolist()):
        rows = (memory.valid & (labels == labels[slot]) & (sources != sources[slot])).nonzero().flatten()
        if len(rows) == 0:
            # No other story of this word to check generalisation on: the model may only have
            # memorised this one text, so the memory stays (the seeds' one-shot memories).
            word_ok[i] = False
            continue
        own = sources[rows].unsqueeze(1)  # leave each row's own entries out, as in training
        with_it = model.head(keys[rows], exclude_sources=own).argmax(-1) == labels[rows]
        without = model.head(keys[rows], exclude_sources=torch.cat([own, sources[slot].expand_as(own)], 1))
        word_ok[i] = (without.argmax(-1) == labels[rows]).sum() >= with_it.sum()
    return own_ok & word_ok


class ContextBoost:
    """The seed's context-aware re-scoring of similarities (off in the fixed design).

    score = similarity x domain factor x recency + emotion + importance, where the query's domain
    is the domain whose entries it resembles most, recency decays per epoch since last use, the
    "emotion" of a vector is its projection on a fixed random direction (the seed's emotion signal
    came from an untrained projection too), and importance follows confidence.
    """

    def __init__(self, cfg: MemoryConfig, num_domains: int, steps_per_epoch: int):
        self.cfg, self.num_domains, self.steps_per_epoch = cfg, max(num_domains, 1), max(steps_per_epoch, 1)
        self.now = 0
        self._valence: torch.Tensor | None = None

    def __call__(self, sims: torch.Tensor, queries: torch.Tensor, memory: KeyValueMemory) -> torch.Tensor:
        cfg = self.cfg
        if self._valence is None:
            g = torch.Generator().manual_seed(0)
            self._valence = F.normalize(torch.randn(memory.dim, generator=g), dim=0).to(memory.device)
        known = memory.valid & (memory.domains >= 0)
        if known.any():
            onehot = F.one_hot(memory.domains.clamp_min(0), self.num_domains).float() * known.unsqueeze(1)
            query_domain = ((sims.detach().nan_to_num(0.0) @ onehot) / onehot.sum(0).clamp_min(1)).argmax(1)
            same = memory.domains.unsqueeze(0) == query_domain.unsqueeze(1)
            sims = sims * torch.where(same, cfg.domain_boost, 1.0 / cfg.domain_boost)
        age = (self.now - memory.last_used_step).clamp_min(0).float() / self.steps_per_epoch
        sims = sims * cfg.recency_decay ** age
        emotion = torch.tanh(queries @ self._valence).unsqueeze(1) * torch.tanh(memory.keys @ self._valence).unsqueeze(0)
        return sims + cfg.emotion_scale * emotion + cfg.importance * (memory.confidence - 0.5)
