"""EpisodicMemory: named values of any shape, keys, removal, search, bytes, state_dict round trip."""
import pytest
import torch

from hsokv.episodic import EpisodicMemory


def make(key_dim=4):
    return EpisodicMemory(5, {"image": ((3, 2, 2), torch.uint8), "label": ((), torch.int64)}, key_dim=key_dim)


def test_write_read_remove():
    m = make()
    m.write(torch.tensor([0, 3]), keys=torch.eye(4)[:2], image=torch.ones(2, 3, 2, 2, dtype=torch.uint8) * 7,
            label=torch.tensor([1, 2]))
    assert len(m) == 2 and m.slots().tolist() == [0, 3] and m.value("label")[3] == 2
    assert m.value("image")[0].sum() == 7 * 12 and m.free_slots().tolist() == [1, 2, 4]
    m.remove(torch.tensor([0]))
    assert m.slots().tolist() == [3]
    with pytest.raises(ValueError, match="exactly the values"):
        m.write(torch.tensor([1]), keys=torch.zeros(1, 4), image=torch.zeros(1, 3, 2, 2))


def test_search_returns_the_most_similar_filled_keys():
    m = make()
    keys = torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0.9, 0.1, 0, 0]])
    m.write(torch.tensor([0, 1, 2]), keys=keys, image=torch.zeros(3, 3, 2, 2, dtype=torch.uint8), label=torch.arange(3))
    m.remove(torch.tensor([0]))
    sims, slots = m.search(torch.tensor([[1.0, 0, 0, 0]]), k=2)
    assert slots.tolist() == [[2, 1]] and sims[0, 0] > sims[0, 1]


def test_bytes_and_state_dict_round_trip():
    m = make()
    assert m.nbytes_per_entry() == 12 + 8 + 4 * 4 and m.nbytes_per_entry(with_keys=False) == 20
    assert make(key_dim=0).nbytes_per_entry() == 20
    m.write(torch.tensor([2]), keys=torch.ones(1, 4), image=torch.full((1, 3, 2, 2), 9, dtype=torch.uint8),
            label=torch.tensor([4]))
    other = make()
    other.load_state_dict(m.state_dict())
    assert other.slots().tolist() == [2] and other.value("label")[2] == 4 and torch.equal(other.keys, m.keys)
