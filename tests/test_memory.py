"""The word memory's behaviour over hsokv.episodic + hsokv.retrieval + hsokv.eviction: exact
top-1, top-k votes, leave-one-out, empty memory, eviction policies, state round trip."""
import pytest
import torch
import torch.nn.functional as F

from hsokv.episodic import EpisodicMemory
from hsokv.eviction import MemoryFullError
from hsokv.retrieval import Retrieval, has_label

LABELED = {"label": ((), torch.long), "source": ((), torch.long)}


def _filled(n=50, dim=16, labels=7, capacity=64):
    g = torch.Generator().manual_seed(0)
    mem = EpisodicMemory(capacity, LABELED, dim, "lru")
    keys = torch.randn(n, dim, generator=g)
    lab = torch.randint(0, labels, (n,), generator=g)
    mem.add(keys, 0, label=lab, source=torch.arange(n))
    return mem, keys, lab


@pytest.mark.parametrize("similarity", ["dot", "cosine"])
def test_top1_equals_brute_force(similarity):
    mem, keys, lab = _filled()
    retrieval = Retrieval(similarity)
    q = torch.randn(30, 16, generator=torch.Generator().manual_seed(1))
    brute = (F.normalize(q, dim=-1) @ F.normalize(keys, dim=-1).T if similarity == "cosine" else q @ keys.T).argmax(1)
    _, idx = retrieval.retrieve(mem, q, 1)
    assert torch.equal(idx[:, 0], brute)  # slots 0..n-1 hold keys 0..n-1
    scores, has_any = retrieval.label_logits(mem, q, 7)
    assert has_any.all() and torch.equal(scores.argmax(1), lab[brute])


def test_topk_vote_counts_neighbours():
    mem = EpisodicMemory(8, LABELED, 2)
    mem.add(torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [-1.0, 0.0]]), label=torch.tensor([0, 1, 1, 2]),
            source=torch.arange(4))
    scores, _ = Retrieval("dot", top_k=3, temperature=100.0).label_logits(mem, torch.tensor([[1.0, 0.0]]), 3)
    assert scores.argmax().item() == 1  # two of the three nearest say label 1, though the nearest says 0


def test_excluded_sources_are_invisible():
    mem, keys, lab = _filled()
    retrieval = Retrieval()
    assert torch.equal(retrieval.retrieve(mem, keys[:5], 1)[1][:, 0], torch.arange(5))
    sims = retrieval.similarities(mem, keys[:5], exclude_sources=torch.arange(5))
    assert torch.isinf(sims[torch.arange(5), torch.arange(5)]).all()
    assert has_label(mem, lab[:5], exclude_sources=torch.tensor([99] * 5)).all()


def test_empty_memory_gives_no_evidence():
    scores, has_any = Retrieval().label_logits(EpisodicMemory(8, LABELED, 4), torch.randn(3, 4), 5)
    assert not has_any.any() and torch.equal(scores, torch.zeros(3, 5))


def test_state_dict_round_trip_rebuilds_the_memory():
    mem, keys, _ = _filled()
    mem.remove(torch.tensor([3]))
    again = EpisodicMemory.from_state_dict(mem.state_dict(), "lru")
    assert again.value_names == mem.value_names and (again.writes, again.deletions, len(again)) == (50, 1, 49)
    q = torch.randn(4, 16)
    assert torch.equal(Retrieval().retrieve(mem, q, 3)[1], Retrieval().retrieve(again, q, 3)[1])


@pytest.mark.parametrize("policy", ["lru", "fifo"])
def test_eviction_policies(policy):
    mem = EpisodicMemory(3, LABELED, 3, policy, [])
    for step in range(3):
        mem.add(torch.eye(3)[step:step + 1], step, label=torch.tensor([step]), source=torch.tensor([step]))
    if policy == "lru":
        mem.value("last_used_step")[0] = 10  # the oldest entry is used last
    mem.add(torch.ones(1, 3), 11, label=torch.tensor([9]), source=torch.tensor([9]))
    assert len(mem) == 3 and mem.evictions == 1
    assert set(mem.value("source")[mem.filled].tolist()) == ({0, 2, 9} if policy == "lru" else {1, 2, 9})


def test_a_write_uses_free_slots_before_evicting():
    mem = EpisodicMemory(4, LABELED, 2, "fifo")
    mem.add(torch.randn(4, 2), 0, label=torch.arange(4), source=torch.arange(4))
    mem.remove(torch.tensor([2]))
    slots = mem.add(torch.randn(2, 2), 1, label=torch.tensor([7, 8]), source=torch.tensor([7, 8]))
    assert slots.tolist() == [2, 0] and mem.evictions == 1 and len(mem) == 4


def test_full_memory_with_error_policy_raises():
    mem = EpisodicMemory(2, LABELED, 2, "error")
    mem.add(torch.randn(2, 2), label=torch.tensor([0, 1]), source=torch.tensor([0, 1]))
    with pytest.raises(MemoryFullError, match="memory.capacity"):
        mem.add(torch.randn(1, 2), label=torch.tensor([0]), source=torch.tensor([2]))


def test_refresh_keys_re_encodes_every_entry():
    mem = EpisodicMemory(16, {"tokens": ((8,), torch.long)}, 8)
    mem.add(torch.zeros(10, 8), tokens=torch.randint(2, 50, (10, 8)))
    mem.refresh_keys(lambda ep: ep.float())
    assert torch.equal(mem.keys[:10], mem.value("tokens")[:10].float())
