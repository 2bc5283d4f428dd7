"""The word benchmark's training step on hsokv.fit: stories and probes per step, memory offered
every new item, keys re-encoded and the lifecycle run at the end of every epoch."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from tqdm import tqdm

from hsokv.benchmarks.words.lifecycle import (ContextBoost, consolidate, forget, initial_confidence, record_use,
                                              update_confidence, write_decision)
from hsokv.config import TrainConfig
from hsokv.fit import fit
from hsokv.model import BaselineTransformer, TransformerWithKV
from hsokv.padding import trimmed
from hsokv.retrieval import has_label
from hsokv.training import StepLogger, make_optimizer


def train_classifier(model: BaselineTransformer, ids: torch.Tensor, probes: torch.Tensor, labels: torch.Tensor,
                     sources: torch.Tensor, cfg: TrainConfig, device: torch.device, generator: torch.Generator,
                     step: int = 0, phase: int = 1, log: StepLogger | None = None, desc: str = "train",
                     label_domains: torch.Tensor | None = None) -> tuple[int, list[dict]]:
    """Train on one phase's stories; returns (next global step, per-step history).

    Each step classifies a batch of stories and their probes (the same usage sentence among
    other filler, no definition). For TransformerWithKV both are offered to memory the first time
    they are seen (hsokv.benchmarks.words.lifecycle decides whether to write: by default, always). Both entries of
    an item are hidden from that item's own queries (leave-one-out), so memory can only help by
    recalling the word from another of its stories: the skill the test asks for. Memory evidence
    is added only where the label has an entry left to find: otherwise it could only push toward
    wrong labels, teaching the encoder to flatten memory scores. Keys are re-encoded at the end of
    every epoch, so retrieval never compares against a stale encoder; consolidation and
    forgetting, when switched on, run there too.
    """
    loop = TrainingLoop(model, cfg, device, label_domains, steps_per_epoch=-(-len(ids) // cfg.batch_size))
    loop.history, loop.log, loop.phase = [], log, phase
    loop.progress = tqdm(total=cfg.epochs, desc=desc, leave=False, disable=None)
    if hasattr(model.encoder, "pool"):   # the from-scratch encoder's novelty prior counts labels per token
        model.encoder.pool.observe(ids, labels)

    def batches(epoch: int):
        for idx in torch.randperm(len(ids), generator=generator).split(cfg.batch_size):
            yield ids[idx], probes[idx], labels[idx], sources[idx]
    step = fit(model, batches, loop.loss, loop.opt, epochs=cfg.epochs, hooks=[loop], grad_clip=cfg.grad_clip,
               step=step)
    loop.progress.close()
    model.eval()
    return step, loop.history


class TrainingLoop:
    """The word benchmark's step as a hsokv.fit loss and hook, so a caller can train for epochs
    (train_classifier) or for a step budget that resumes later (hsokv.benchmarks.words.objective).
    With `history` set, each step's record is kept there (with phase and epoch) and logged."""

    def __init__(self, model: BaselineTransformer, cfg: TrainConfig, device: torch.device,
                 label_domains: torch.Tensor | None, steps_per_epoch: int,
                 optimizer: torch.optim.Optimizer | None = None):
        self.model, self.cfg, self.device, self.label_domains = model, cfg, device, label_domains
        self.opt = optimizer or make_optimizer(model, cfg)
        self.steps_per_epoch = steps_per_epoch
        self.with_memory = isinstance(model, TransformerWithKV)
        self.counters = {"consolidated": 0, "forgotten": 0}
        self.history: list[dict] | None = None
        self.log: StepLogger | None = None
        self.phase, self.epoch, self.progress = 1, 0, None
        if self.with_memory and model.memory_cfg.context_boosts:
            num_domains = int(label_domains.max()) + 1 if label_domains is not None else 1
            model.retrieval.context_boost = ContextBoost(model.memory_cfg, num_domains, steps_per_epoch)

    def loss(self, batch) -> tuple[torch.Tensor, tuple]:
        model = self.model
        model.train()
        x, p, y, src = (t.to(self.device) for t in batch)
        width = max(x.shape[1], p.shape[1])
        queries = torch.cat([F.pad(x, (0, width - x.shape[1])), F.pad(p, (0, width - p.shape[1]))])
        targets, exclude = torch.cat([y, y]), torch.cat([src, src])
        h = model.encoder(queries)
        if self.with_memory:
            logits = model.head(h, exclude, memory_rows=has_label(model.memory, targets, exclude))
        else:
            logits = model.classifier(h)
        row_loss = F.cross_entropy(logits, targets, reduction="none")
        return row_loss.mean(), (h, queries, targets, exclude, row_loss, logits, len(y))

    def after_step(self, step: int, batch, loss: torch.Tensor, output: tuple) -> None:
        model = self.model
        h, queries, targets, exclude, row_loss, logits, n_stories = output
        record = {"step": step, "loss": loss.item(),
                  "batch_accuracy": float((logits.argmax(-1) == targets).float().mean())}
        if self.with_memory:  # after the update: the step's graph still reads the old memory
            memory = model.memory
            record.update(_memory_step(model, h.detach(), queries, targets, exclude, row_loss.detach(),
                                       n_stories, step, self.label_domains))
            record.update(memory_size=len(memory), memory_writes=memory.writes,
                          memory_evictions=memory.evictions, memory_consolidated=self.counters["consolidated"],
                          memory_forgotten=self.counters["forgotten"])
        if self.history is not None:
            record.update(phase=self.phase, epoch=self.epoch)
            self.history.append(record)
            if self.log is not None:
                self.log(record)

    def end_epoch(self, epoch: int, step: int) -> None:
        end = self.end_of_epoch(step)
        if self.history is not None:
            if end:
                self.history[-1].update(end)
            self.progress.update()
            self.progress.set_postfix(loss=f"{self.history[-1]['loss']:.3f}")
        self.epoch = epoch + 1

    def end_of_epoch(self, step: int) -> dict:
        """Re-encode memory keys with the current encoder; consolidate and forget if switched on."""
        model = self.model
        model.eval()
        if not self.with_memory:
            return {}
        mcfg, memory = model.memory_cfg, model.memory
        memory.refresh_keys(trimmed(model.encoder))
        if mcfg.consolidation:
            self.counters["consolidated"] += consolidate(mcfg, model, self.opt)["consolidation_deleted"]
        if mcfg.forgetting:
            self.counters["forgotten"] += forget(mcfg, memory, step, self.steps_per_epoch)
        return {"memory_size": len(memory), "memory_consolidated": self.counters["consolidated"],
                "memory_forgotten": self.counters["forgotten"]}


@torch.no_grad()
def _memory_step(model: TransformerWithKV, h, queries, targets, exclude, row_loss, n_stories: int, step: int,
                 label_domains: torch.Tensor | None) -> dict:
    """Record which entries the batch retrieved, update confidence, and offer new items to memory."""
    memory, mcfg = model.memory, model.memory_cfg
    if model.retrieval.context_boost is not None:
        model.retrieval.context_boost.now = step
    _, hit = record_use(model.retrieval, memory, h, targets, step, exclude)
    update_confidence(mcfg, memory)
    y, src = targets[:n_stories], exclude[:n_stories]
    new = ~memory.contains("source", src)
    if new.any():
        write, first = write_decision(mcfg, memory, h[:n_stories], y, row_loss[:n_stories])
        both, first = torch.cat([new & write, new & write]), torch.cat([first, first])
        if both.any():
            labels = targets[both]
            domains = torch.full_like(labels, -1) if label_domains is None else label_domains.to(labels.device)[labels]
            tokens = queries[both]
            memory.add(h[both], step, label=labels, source=exclude[both], domain=domains, first_exposure=first[both],
                       tokens=F.pad(tokens, (0, memory.value("tokens").shape[1] - tokens.shape[1])),
                       confidence=initial_confidence(mcfg, first[both]))
    return {"memory_hit_rate": float(hit.float().mean()) if len(hit) else 0.0}
