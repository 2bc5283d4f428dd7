import pytest
import torch

from hsokv.config import MEMORY_POLICIES, MemoryConfig, ModelConfig
from hsokv.benchmarks.words.lifecycle import (ContextBoost, Lifecycle, consolidate, forget, initial_confidence,
                                              protected, update_confidence, write_decision)
from hsokv.episodic import EpisodicMemory
from hsokv.model import TransformerWithKV
from hsokv.retrieval import Retrieval

VALUES = {"tokens": ((3,), torch.long), "label": ((), torch.long), "source": ((), torch.long)}


def _write(memory, keys, labels, tokens):
    n = len(keys)
    memory.add(keys, 0, label=labels, tokens=tokens, source=torch.arange(n), confidence=torch.full((n,), 0.5),
               first_exposure=torch.zeros(n, dtype=torch.bool), domain=torch.full((n,), -1))


def _memory(n=6, dim=4):
    mem = EpisodicMemory(16, VALUES, dim, "lru", [Lifecycle()])
    _write(mem, torch.eye(n, dim) if n <= dim else torch.randn(n, dim), torch.arange(n) % 3, torch.ones(n, 3, dtype=torch.long))
    return mem


def test_write_all_writes_everything_and_marks_first_exposures():
    mem = _memory(3)
    write, first = write_decision(MemoryConfig(), mem, torch.randn(2, 4), torch.tensor([0, 7]), torch.zeros(2))
    assert write.all() and first.tolist() == [False, True]


def test_surprise_writing_uses_loss_first_exposure_and_novelty():
    cfg = MemoryConfig(write_policy="surprise", novelty_threshold=0.7)
    mem = _memory(3)
    known = torch.eye(4)[:1]  # identical to entry 0: no novelty
    for label, loss, expected in [(0, 0.1, False), (0, 0.5, True), (9, 0.2, True), (9, 0.1, False)]:
        write, _ = write_decision(cfg, mem, known, torch.tensor([label]), torch.tensor([loss]))
        assert bool(write) is expected, (label, loss)
    novel = torch.tensor([[0.0, 0.0, 0.0, 1.0]])
    assert write_decision(cfg, mem, novel, torch.tensor([0]), torch.tensor([0.0]))[0].item()


def test_confidence_protection_and_forgetting():
    cfg = MemoryConfig(forgetting=True, forgetting_threshold=0.5, protection_window=10)
    mem = _memory(4)
    mem.value("first_exposure")[:2] = True
    mem.value("uses")[:4] = torch.tensor([3, 30, 3, 30])
    update_confidence(cfg, mem)
    assert mem.value("confidence")[0] == pytest.approx(0.5 + 0.5 - 0.03)
    assert mem.value("confidence")[3] == pytest.approx(0.5 - 0.3)
    assert protected(cfg, mem).tolist()[:4] == [True, False, False, False]
    removed = forget(cfg, mem, now=0, steps_per_epoch=1)
    assert removed >= 1 and bool(mem.filled[0])  # the protected first exposure survives
    assert mem.deletions == removed


def test_initial_confidence_adds_first_exposure_boost():
    assert initial_confidence(MemoryConfig(), torch.tensor([True, False])).tolist() == [1.0, 0.5]


@pytest.mark.parametrize("verify", [True, False])
def test_consolidation_deletes_only_verified_memories(verify):
    torch.manual_seed(0)
    mcfg = MemoryConfig(consolidation=True, consolidation_verify=verify, consolidation_confidence=0.0,
                        consolidation_success=0.0, consolidation_steps=1)
    model = TransformerWithKV(20, 4, 6, ModelConfig(num_layers=1, d_model=8, num_heads=2, ff_dim=16), mcfg,
                              [Lifecycle()]).eval()
    ids = torch.randint(2, 20, (8, 6))
    with torch.no_grad():
        _write(model.memory, model.encoder(ids), torch.arange(8) % 4, ids)
    model.memory.value("uses")[:8] = 1
    stats = consolidate(mcfg, model, torch.optim.SGD(model.parameters(), lr=0.0))  # lr 0: the model learns nothing
    assert stats["consolidation_chosen"] == 8
    if verify:  # an untrained model cannot answer without memory, so nothing may go
        assert stats["consolidation_passed"] <= 2 and stats["consolidation_deleted"] == stats["consolidation_passed"]
    else:
        assert stats["consolidation_deleted"] == 8


def test_context_boost_rescoring_changes_ranking_inputs():
    cfg = MemoryConfig(context_boosts=True)
    mem = _memory(4)
    mem.value("domain")[:4] = torch.tensor([0, 0, 1, 1])
    q, retrieval = torch.randn(3, 4), Retrieval()
    plain = retrieval.similarities(mem, q).clone()
    retrieval.context_boost = ContextBoost(cfg, num_domains=2, steps_per_epoch=1)
    retrieval.context_boost.now = 5
    boosted = retrieval.similarities(mem, q)
    assert boosted.shape == plain.shape and not torch.allclose(boosted[:, :4], plain[:, :4])
    assert torch.isinf(boosted[:, 4:]).all()  # empty slots stay invisible


def test_gate_fusion_and_mean_aggregation_run():
    mcfg = MemoryConfig(**{**MEMORY_POLICIES["seed_prototype"], "policy": "seed_prototype"})
    model = TransformerWithKV(20, 4, 6, ModelConfig(num_layers=1, d_model=8, num_heads=2, ff_dim=16), mcfg).eval()
    ids = torch.randint(2, 20, (5, 6))
    with torch.no_grad():
        h = model.encoder(ids)
        model.memory.add(h, label=torch.tensor([0, 1, 2, 3, 0]), tokens=ids, source=torch.arange(5))
        logits, _ = model(ids)
    assert logits.shape == (5, 4) and hasattr(model, "gate")
