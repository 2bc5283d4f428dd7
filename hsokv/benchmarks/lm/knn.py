"""kNN-LM (Khandelwal et al. 2020): a datastore of (context state -> next token) over training text.

Key: one of the model's states at a training position (GPT.states: the input to its output layer, or
the last block's MLP input after its LayerNorm; which one is chosen on validation); value: the token
that followed. A query state's k nearest keys by squared Euclidean distance
(exact search: one matmul and a top-k per chunk of queries) give
    p_knn(y) = sum of softmax(-distance / T) over the neighbours whose value is y,
and the model's prediction is mixed with it: p = lambda * p_knn + (1 - lambda) * p_model.
Only p(target) is ever needed, so nothing of vocabulary size is materialised. Neighbours are
searched once, for the largest k tried; every (k, T, lambda) of the grid reuses them.
"""
from __future__ import annotations

import itertools
import math

import torch


def build_datastore(states_fn, train_ids: torch.Tensor, size: int, block_size: int, batch_size: int,
                    generator: torch.Generator) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """({key: keys [n, d]}, values [n]) from `size` positions: whole non-overlapping training windows
    drawn at random (seeded), so each key has the same 1..block_size tokens of context as at
    evaluation. `states_fn` maps (B, T) ids to {key: (B, T, d)} (every kind of key in one pass)."""
    n_windows = (len(train_ids) - 1) // block_size
    chosen = torch.randperm(n_windows, generator=generator)[:math.ceil(size / block_size)].sort().values
    starts = chosen[:, None] * block_size + torch.arange(block_size)
    batches = [states_fn(train_ids[s]) for s in starts.split(batch_size)]
    keys = {key: torch.cat([b[key].flatten(0, 1) for b in batches])[:size] for key in batches[0]}
    values = train_ids[starts + 1].flatten()
    return keys, values[:size]


@torch.no_grad()
def search(keys: torch.Tensor, queries: torch.Tensor, k: int,
           chunk: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(squared distances [n, k] ascending, indices [n, k]) of each query's k nearest keys."""
    if chunk is None:
        # on a GPU, large blocks (a [chunk, n_keys] score matrix of at most 2^26 floats, 256 MB); on a CPU,
        # 64 queries a block keep the scores in cache: 1.7x faster than 2048 at 20k keys (one thread)
        chunk = min(2048, max(1, (1 << 26) // len(keys))) if keys.is_cuda else 64
    key_norms = (keys * keys).sum(1)
    dists, idx = [], []
    for q in queries.split(chunk):
        # |q - k|^2 = |q|^2 - 2 q.k + |k|^2; |q|^2 does not change the ranking, so it is added after top-k
        d, i = torch.topk(torch.addmm(key_norms, q, keys.T, alpha=-2), min(k, len(keys)), dim=1, largest=False)
        dists.append((d + (q * q).sum(1, keepdim=True)).clamp_min(0))
        idx.append(i)
    return torch.cat(dists), torch.cat(idx)


def knn_log_prob(dists: torch.Tensor, neighbour_values: torch.Tensor, targets: torch.Tensor, k: int,
                 temperature: float) -> torch.Tensor:
    """ln p_knn(target) [n] from the k nearest neighbours (-inf where none of them holds the target)."""
    weights = torch.softmax(-dists[:, :k] / temperature, dim=1)
    return (weights * (neighbour_values[:, :k] == targets[:, None])).sum(1).log()


def interpolate(log_p_model: torch.Tensor, log_p_knn: torch.Tensor, lam: float) -> torch.Tensor:
    """ln(lam * p_knn + (1 - lam) * p_model), computed in log space."""
    return torch.logaddexp(log_p_model + math.log1p(-lam), log_p_knn + math.log(lam))


def choose(log_p_model: torch.Tensor, neighbours: dict[str, tuple[torch.Tensor, torch.Tensor]], targets: torch.Tensor,
           ks: list[int], temperatures: list[float], lambdas: list[float]) -> tuple[dict, list[dict]]:
    """The (key, k, temperature, lambda) with the lowest mean loss on these (validation) targets, and
    every grid point's loss; `neighbours` holds (distances, values) per kind of key. A k beyond the
    neighbours searched (a small corpus's datastore holds fewer positions than knn_k asks) is tried, and
    reported, as the k it really is: all of them."""
    grid = []
    for key, (dists, neighbour_values) in neighbours.items():
        tried = dict.fromkeys(min(k, dists.shape[1]) for k in ks)   # in the order asked, each once
        for k, t in itertools.product(tried, temperatures):
            log_knn = knn_log_prob(dists, neighbour_values, targets, k, t)
            for lam in lambdas:
                grid.append({"key": key, "k": k, "temperature": t, "lambda": lam,
                             "loss": float(-interpolate(log_p_model, log_knn, lam).mean())})
    return min(grid, key=lambda g: g["loss"]), grid
