"""kNN-LM: a seed's trained transformer, its predictions mixed with a datastore of training contexts.

The datastore is built from the same model's states after training (hsokv/benchmarks/lm/knn.py),
one per kind of key in `knn_keys`; the key, k, the temperature and lambda are chosen on the validation
split, then the test split is scored once with that choice.
"""
from __future__ import annotations

import torch

from hsokv.benchmarks.lm.knn import build_datastore, choose, interpolate, knn_log_prob, search
from hsokv.benchmarks.lm.methods.transformer import Transformer
from hsokv.benchmarks.lm.config import LanguageModelConfig


class KnnLM:
    def __init__(self, base: Transformer, train_ids: torch.Tensor, cfg: LanguageModelConfig, seed: int):
        self.cfg, self.device = cfg, base.device
        # its own generator: the datastore's windows depend on the seed only, not on how training went
        generator = torch.Generator().manual_seed(seed + 2_000_003)
        with torch.no_grad():
            self.keys, values = build_datastore(
                lambda x: {key: s for key, s in base.model.states(x.to(self.device)).items() if key in cfg.knn_keys},
                train_ids, cfg.knn_datastore, cfg.block_size, cfg.eval_batch_size, generator)
        self.values = values.to(self.device)
        self.chosen: dict | None = None

    def neighbours(self, states: dict[str, torch.Tensor]) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """{key: (distances, values) of each state's max(knn_k) nearest datastore entries}, for every
        kind of key of the datastore (`states`: Transformer.score's, keyed alike)."""
        out = {}
        for key, keys in self.keys.items():
            dists, idx = search(keys, states[key], max(self.cfg.knn_k))
            out[key] = (dists, self.values[idx])
        return out

    def select(self, log_p_model: torch.Tensor, neighbours: dict[str, tuple[torch.Tensor, torch.Tensor]],
               targets: torch.Tensor) -> list[dict]:
        """Choose (key, k, temperature, lambda) on validation targets; returns the whole grid's losses."""
        # the model's log-probabilities live on the CPU, the neighbours on the model's device
        self.chosen, grid = choose(log_p_model.to(self.device), neighbours, targets.to(self.device), self.cfg.knn_k,
                                   self.cfg.knn_temperature, self.cfg.knn_lambda)
        return grid

    def log_probs(self, log_p_model: torch.Tensor, neighbours: dict[str, tuple[torch.Tensor, torch.Tensor]],
                  targets: torch.Tensor) -> torch.Tensor:
        assert self.chosen is not None, "select() on validation first"
        c = self.chosen
        log_knn = knn_log_prob(*neighbours[c["key"]], targets.to(self.device), c["k"], c["temperature"]).cpu()
        return interpolate(log_p_model, log_knn, c["lambda"])
