import torch

from hsokv.config import MemoryConfig, ModelConfig
from hsokv.model import BaselineTransformer, NoveltyPooling, TransformerWithKV


def test_novelty_prefers_the_token_seen_with_one_label():
    pool = NoveltyPooling(4, vocab_size=10, num_labels=3)
    # token 5 is seen with label 0 only; token 3 with every label; token 9 never
    pool.observe(torch.tensor([[3, 5], [3, 4], [3, 4]]), torch.tensor([0, 1, 2]))
    nov = pool.novelty()
    assert nov[5] > nov[4] > nov[3] > 0
    assert nov[9] == 0 and nov[0] == 0 and nov[1] == 0


def test_shapes_and_memory_changes_logits():
    cfg = ModelConfig(num_layers=1, d_model=16, num_heads=2, ff_dim=32)
    torch.manual_seed(0)
    # cosine with a low temperature: an entry is its own nearest neighbour and memory dominates
    model = TransformerWithKV(30, 5, 12, cfg, MemoryConfig(capacity=8, similarity="cosine", temperature=0.01)).eval()
    ids = torch.randint(2, 30, (4, 12))
    with torch.no_grad():
        plain, h = model(ids)
        assert plain.shape == (4, 5) and h.shape == (4, 16)
        model.memory.add(h, label=torch.tensor([0, 1, 2, 3]), tokens=ids, source=torch.arange(4))
        with_mem, _ = model(ids)
    assert torch.equal(with_mem.argmax(1), torch.tensor([0, 1, 2, 3]))  # each story recalls its own entry
    assert not torch.allclose(plain, with_mem)


def test_baseline_has_no_memory():
    cfg = ModelConfig(num_layers=1, d_model=16, num_heads=2, ff_dim=32)
    model = BaselineTransformer(30, 5, 12, cfg)
    assert not hasattr(model, "memory")
    assert model(torch.randint(2, 30, (3, 7))).shape == (3, 5)
