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

The values these read live in the model's EpisodicMemory, declared by the `Lifecycle` hook.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from hsokv.config import MemoryConfig
from hsokv.episodic import EpisodicMemory
from hsokv.padding import trimmed
from hsokv.retrieval import Retrieval, has_label


class Lifecycle:
    """The memory hook of the word lifecycle: the values each entry carries beside its key, label,
    source and tokens. The writer gives confidence, first_exposure and domain (-1 = unknown);
    the counters start at 0 and last use at the write's step."""
    values = {"confidence": ((), torch.float32), "first_exposure": ((), torch.bool), "domain": ((), torch.long),
              "uses": ((), torch.long), "successes": ((), torch.long), "last_used_step": ((), torch.long)}

    def on_write(self, memory: EpisodicMemory, slots: torch.Tensor, step: int) -> dict:
        zeros = torch.zeros(len(slots), dtype=torch.long)
        return {"uses": zeros, "successes": zeros, "last_used_step": zeros + step}


@torch.no_grad()
def record_use(retrieval: Retrieval, memory: EpisodicMemory, queries: torch.Tensor, labels: torch.Tensor, step: int,
               exclude_sources: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Mark each query's nearest entry as used (and successful if its label is right).

    Returns (slot of the nearest entry, hit) for the rows that found any entry.
    """
    best, idx = retrieval.similarities(memory, queries, exclude_sources).max(dim=-1)
    found = torch.isfinite(best)
    idx = idx[found]
    hit = memory.value("label")[idx] == labels.to(idx.device)[found]
    memory.value("uses").index_add_(0, idx, torch.ones_like(idx))
    memory.value("successes").index_add_(0, idx, hit.long())
    memory.value("last_used_step")[idx] = step
    return idx, hit


def write_decision(cfg: MemoryConfig, memory: EpisodicMemory, h: torch.Tensor, labels: torch.Tensor,
                   loss_per_row: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(write?, first exposure?) for each row."""
    first = ~has_label(memory, labels)
    if cfg.write_policy == "all":
        return torch.ones_like(first), first
    if len(memory) == 0:
        novelty = torch.ones_like(loss_per_row)
    else:
        cos = F.normalize(h, dim=-1) @ F.normalize(memory.keys, dim=-1).T
        novelty = 1 - cos.masked_fill(~memory.filled.unsqueeze(0), -1.0).amax(dim=-1)
    write = ((loss_per_row > cfg.surprise_loss_threshold)
             | (first & (loss_per_row > cfg.first_exposure_loss_threshold))
             | (novelty > cfg.novelty_threshold))
    return write, first


def initial_confidence(cfg: MemoryConfig, first: torch.Tensor) -> torch.Tensor:
    return (cfg.initial_confidence + cfg.first_exposure_boost * first.float()).clamp(0.0, 1.0)


@torch.no_grad()
def update_confidence(cfg: MemoryConfig, memory: EpisodicMemory) -> None:
    boost = cfg.first_exposure_boost * memory.value("first_exposure").float()
    confidence = cfg.initial_confidence + boost - cfg.confidence_decay * memory.value("uses")
    memory.value("confidence").copy_(confidence.clamp(0, 1))


def protected(cfg: MemoryConfig, memory: EpisodicMemory) -> torch.Tensor:
    return memory.value("first_exposure") & (memory.value("uses") < cfg.protection_window)


def _success_rate(memory: EpisodicMemory) -> torch.Tensor:
    return memory.value("successes").float() / memory.value("uses").clamp_min(1).float()


def utility(cfg: MemoryConfig, memory: EpisodicMemory, now: int, steps_per_epoch: int) -> torch.Tensor:
    w_conf, w_usage, w_success, w_recency = cfg.forgetting_weights
    usage = (memory.value("uses").float() / 100).clamp(max=1.0)
    age_epochs = (now - memory.value("last_used_step")).clamp_min(0).float() / max(steps_per_epoch, 1)
    recency = cfg.recency_decay ** age_epochs
    return w_conf * memory.value("confidence") + w_usage * usage + w_success * _success_rate(memory) + w_recency * recency


@torch.no_grad()
def forget(cfg: MemoryConfig, memory: EpisodicMemory, now: int, steps_per_epoch: int) -> int:
    victims = memory.filled & (utility(cfg, memory, now, steps_per_epoch) < cfg.forgetting_threshold)
    return memory.remove(victims & ~protected(cfg, memory))


def consolidate(cfg: MemoryConfig, model, optimizer: torch.optim.Optimizer) -> dict:
    """Fine-tune on confident, successful memories; delete those the weights have absorbed."""
    memory = model.memory
    chosen = (memory.filled & (memory.value("uses") > 0) & (memory.value("confidence") >= cfg.consolidation_confidence)
              & (_success_rate(memory) >= cfg.consolidation_success)).nonzero().flatten()
    stats = {"consolidation_chosen": len(chosen), "consolidation_passed": 0, "consolidation_deleted": 0}
    if len(chosen) == 0:
        return stats
    # By default only the classifier learns here: the encoder makes every key in memory, and
    # moving it to fit a few episodes moves all the keys the remaining memories are found by.
    episodes, labels = memory.value("tokens")[chosen], memory.value("label")[chosen]
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
        memory.refresh_keys(trimmed(model.encoder))
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
    keys, labels, sources = memory.keys, memory.value("label"), memory.value("source")
    own_ok = model.head(keys[chosen], exclude_sources=sources[chosen]).argmax(-1) == labels[chosen]
    word_ok = torch.ones_like(own_ok)
    for i, slot in enumerate(chosen.tolist()):
        rows = (memory.filled & (labels == labels[slot]) & (sources != sources[slot])).nonzero().flatten()
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

    def __call__(self, sims: torch.Tensor, queries: torch.Tensor, memory: EpisodicMemory) -> torch.Tensor:
        cfg, domains = self.cfg, memory.value("domain")
        if self._valence is None:
            g = torch.Generator().manual_seed(0)
            self._valence = F.normalize(torch.randn(memory.key_dim, generator=g), dim=0).to(memory.keys.device)
        known = memory.filled & (domains >= 0)
        if known.any():
            onehot = F.one_hot(domains.clamp_min(0), self.num_domains).float() * known.unsqueeze(1)
            query_domain = ((sims.detach().nan_to_num(0.0) @ onehot) / onehot.sum(0).clamp_min(1)).argmax(1)
            same = domains.unsqueeze(0) == query_domain.unsqueeze(1)
            sims = sims * torch.where(same, cfg.domain_boost, 1.0 / cfg.domain_boost)
        age = (self.now - memory.value("last_used_step")).clamp_min(0).float() / self.steps_per_epoch
        sims = sims * cfg.recency_decay ** age
        emotion = torch.tanh(queries @ self._valence).unsqueeze(1) * torch.tanh(memory.keys @ self._valence).unsqueeze(0)
        return sims + cfg.emotion_scale * emotion + cfg.importance * (memory.value("confidence") - 0.5)
