import pytest
import torch

from hsokv.memory import KeyValueMemory, MemoryFullError


def _filled(n=50, dim=16, labels=7, similarity="dot", capacity=64, **kw):
    g = torch.Generator().manual_seed(0)
    mem = KeyValueMemory(dim, capacity, 8, similarity, **kw)
    keys = torch.randn(n, dim, generator=g)
    lab = torch.randint(0, labels, (n,), generator=g)
    mem.write(keys, lab, torch.randint(2, 50, (n, 8), generator=g), torch.arange(n), step=0)
    return mem, keys, lab


@pytest.mark.parametrize("similarity", ["dot", "cosine"])
def test_top1_equals_brute_force(similarity):
    mem, keys, lab = _filled(similarity=similarity)
    q = torch.randn(30, 16, generator=torch.Generator().manual_seed(1))
    if similarity == "cosine":
        brute = (torch.nn.functional.normalize(q, dim=-1) @ torch.nn.functional.normalize(keys, dim=-1).T).argmax(1)
    else:
        brute = (q @ keys.T).argmax(1)
    _, idx = mem.retrieve(q, 1)
    assert torch.equal(idx[:, 0], brute)  # slots 0..n-1 hold keys 0..n-1
    scores, has_any = mem.label_logits(q, 7)
    assert has_any.all()
    assert torch.equal(scores.argmax(1), lab[brute])


def test_topk_vote_counts_neighbours():
    mem = KeyValueMemory(2, 8, 4, "dot", top_k=3, temperature=100.0)  # high temperature: near-equal votes
    keys = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [-1.0, 0.0]])
    mem.write(keys, torch.tensor([0, 1, 1, 2]), torch.ones(4, 4, dtype=torch.long), torch.arange(4), 0)
    scores, _ = mem.label_logits(torch.tensor([[1.0, 0.0]]), 3)
    assert scores.argmax().item() == 1  # two of the three nearest say label 1, though the nearest says 0


def test_excluded_sources_are_invisible():
    mem, keys, lab = _filled()
    _, idx = mem.retrieve(keys[:5], 1)
    assert torch.equal(idx[:, 0], torch.arange(5))
    sims = mem.similarities(keys[:5], exclude_sources=torch.arange(5))
    assert torch.isinf(sims[torch.arange(5), torch.arange(5)]).all()
    assert mem.has_label(lab[:5], exclude_sources=torch.tensor([99] * 5)).all()


def test_empty_memory_gives_no_evidence():
    mem = KeyValueMemory(4, 8, 4)
    scores, has_any = mem.label_logits(torch.randn(3, 4), 5)
    assert not has_any.any() and torch.equal(scores, torch.zeros(3, 5))


def test_save_load_round_trip(tmp_path):
    mem, keys, _ = _filled()
    mem.record_use(keys[:10], mem.labels[:10], step=5)
    mem.save(tmp_path / "kv.safetensors")
    again = KeyValueMemory.load(tmp_path / "kv.safetensors")
    for name in KeyValueMemory._TENSORS:
        assert torch.equal(getattr(mem, name), getattr(again, name)), name
    assert (again.writes, again.similarity, len(again)) == (mem.writes, mem.similarity, len(mem))
    q = torch.randn(4, 16)
    assert torch.equal(mem.retrieve(q, 3)[1], again.retrieve(q, 3)[1])


@pytest.mark.parametrize("policy", ["lru", "fifo"])
def test_eviction_policies(policy):
    mem = KeyValueMemory(3, 3, 2, eviction=policy)
    ep = torch.ones(1, 2, dtype=torch.long)
    for step in range(3):
        mem.write(torch.eye(3)[step:step + 1], torch.tensor([step]), ep, torch.tensor([step]), step)
    mem.record_use(torch.eye(3)[0:1], torch.tensor([0]), step=10)  # the oldest entry is used last
    mem.write(torch.ones(1, 3), torch.tensor([9]), ep, torch.tensor([9]), 11)
    assert len(mem) == 3 and mem.evictions == 1
    survivors = set(mem.source_ids[mem.valid].tolist())
    assert survivors == ({0, 2, 9} if policy == "lru" else {1, 2, 9})


def test_full_memory_with_error_policy_raises():
    mem = KeyValueMemory(2, 2, 2, eviction="error")
    ep = torch.ones(2, 2, dtype=torch.long)
    mem.write(torch.randn(2, 2), torch.tensor([0, 1]), ep, torch.tensor([0, 1]), 0)
    with pytest.raises(MemoryFullError, match="memory.capacity"):
        mem.write(torch.randn(1, 2), torch.tensor([0]), ep[:1], torch.tensor([2]), 1)


def test_refresh_keys_re_encodes_every_entry():
    mem, _, _ = _filled(n=10, dim=8)
    mem.refresh_keys(lambda ep: ep.float())
    assert torch.equal(mem.keys[:10], mem.episodes[:10].float())
