"""hsokv/benchmarks/lm/knn.py and methods/knn_lm.py: exact search, p_knn, the interpolation, the choice on val."""
import math

import pytest
import torch

from hsokv.benchmarks.lm.knn import build_datastore, choose, interpolate, knn_log_prob, search


def test_search_is_exact():
    g = torch.Generator().manual_seed(0)
    keys, queries = torch.randn(500, 8, generator=g), torch.randn(70, 8, generator=g)
    d, i = search(keys, queries, 5, chunk=16)
    full = torch.cdist(queries, keys) ** 2
    expected_d, expected_i = full.topk(5, largest=False)
    assert torch.equal(i, expected_i) and torch.allclose(d, expected_d, atol=1e-4)


def test_knn_probability_is_the_softmax_mass_on_the_target():
    dists = torch.tensor([[0.0, 1.0, 2.0], [0.5, 0.5, 9.0]])
    values = torch.tensor([[3, 4, 3], [1, 2, 2]])
    w = torch.softmax(-dists / 2.0, dim=1)
    got = knn_log_prob(dists, values, torch.tensor([3, 0]), k=3, temperature=2.0)
    assert got[0].exp() == pytest.approx(float(w[0, 0] + w[0, 2])) and got[1] == -math.inf  # no neighbour voted 0
    assert knn_log_prob(dists, values, torch.tensor([4, 2]), k=1, temperature=2.0).exp().tolist() == [0.0, 0.0]


def test_interpolation_is_the_mixture_and_survives_an_empty_vote():
    log_model = torch.log(torch.tensor([0.2, 0.5, 0.01]))
    log_knn = torch.log(torch.tensor([0.9, 0.0, 0.3]))
    mixed = interpolate(log_model, log_knn, 0.25)
    assert torch.allclose(mixed.exp(), 0.25 * log_knn.exp() + 0.75 * log_model.exp())
    assert torch.isfinite(mixed).all()


def test_choice_minimises_the_loss_it_is_given():
    g = torch.Generator().manual_seed(1)
    targets = torch.randint(0, 4, (200,), generator=g)
    noise = torch.randint(0, 4, (200, 8), generator=g)
    values = torch.where(torch.rand(200, 8, generator=g) < 0.6, targets[:, None], noise)
    dists = torch.rand(200, 8, generator=g).sort(1).values
    log_model = torch.full((200,), math.log(0.25))
    noisy = torch.where(torch.rand(200, 8, generator=g) < 0.1, targets[:, None], noise)
    best, grid = choose(log_model, {"final": (dists, noisy), "ffn_input": (dists, values)}, targets, [1, 8],
                        [0.1, 1.0], [0.1, 0.5, 0.9])
    assert len(grid) == 24 and best["loss"] == min(g["loss"] for g in grid)
    # the ffn_input neighbours are informative here, the final ones near chance
    assert best["key"] == "ffn_input" and best["lambda"] > 0.1 and best["k"] == 8


def test_a_k_beyond_the_neighbours_searched_is_reported_as_the_k_it_is():
    # a small corpus's datastore holds 3 positions where knn_k asks for up to 16: k 8 and 16 are both "all 3"
    dists = torch.tensor([[0.0, 1.0, 2.0], [0.5, 0.5, 9.0]])
    values = torch.tensor([[3, 4, 3], [1, 2, 2]])
    best, grid = choose(torch.log(torch.tensor([0.5, 0.5])), {"final": (dists, values)}, torch.tensor([3, 2]),
                        [2, 8, 16], [1.0], [0.5])
    assert [g["k"] for g in grid] == [2, 3] and best["k"] in (2, 3)


def test_datastore_pairs_each_state_with_the_next_token():
    ids = torch.arange(100) % 13
    keys, values = build_datastore(lambda x: {"a": x[..., None].float(), "b": -x[..., None].float()}, ids, 40, 10, 2,
                                   torch.Generator().manual_seed(0))
    assert keys["a"].shape == (40, 1) and torch.equal(values, (keys["a"][:, 0].long() + 1) % 13)
    assert torch.equal(keys["b"], -keys["a"])  # every kind of key from the same positions
