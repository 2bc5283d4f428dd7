"""Cutting the padding columns off memory rows changes no key: the same vectors, bit for bit."""
import pytest
import torch

from hsokv.config import ModelConfig
from hsokv.model import Encoder
from hsokv.padding import trimmed


def _rows(n: int, width: int, vocab: int, generator) -> torch.Tensor:
    ids = torch.zeros(n, width, dtype=torch.long)
    for i, length in enumerate(torch.randint(3, width // 2, (n,), generator=generator)):
        ids[i, :length] = torch.randint(2, vocab, (int(length),), generator=generator)
    return ids


@pytest.mark.parametrize("layers,width,threads", [(1, 64, 1), (2, 128, 2)])
def test_trimmed_encoder_gives_the_same_vectors(layers, width, threads):
    torch.manual_seed(0)
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        cfg = ModelConfig(num_layers=layers, d_model=width, num_heads=2, ff_dim=2 * width, dropout=0.1)
        encoder = Encoder(300, 20, 96, cfg).eval()
        encoder.pool.observe(_rows(50, 96, 300, torch.Generator().manual_seed(1)), torch.randint(0, 20, (50,)))
        ids = _rows(200, 96, 300, torch.Generator().manual_seed(2))
        with torch.no_grad():
            assert torch.equal(trimmed(encoder)(ids), encoder(ids))
    finally:
        torch.set_num_threads(saved)


def test_only_trailing_padding_columns_are_cut():
    seen = []
    trimmed(lambda ids: seen.append(ids.shape) or ids)(torch.tensor([[5, 6, 0, 0, 0], [7, 0, 0, 0, 0]]))
    trimmed(lambda ids: seen.append(ids.shape) or ids)(torch.zeros(2, 5, dtype=torch.long))   # all padding: one column
    assert seen == [(2, 2), (2, 1)]
