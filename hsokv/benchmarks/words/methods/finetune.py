"""finetune (B1): the same transformer without memory; same optimiser, epochs and batches."""
from __future__ import annotations

import torch

from hsokv.benchmarks.words.methods.base import METHODS, Predictions, _Trained
from hsokv.model import BaselineTransformer


@METHODS.register("finetune")
class FineTune(_Trained):
    reads = ("model", "train")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = BaselineTransformer(self.vocab_size, self.num_labels, self.max_length,
                                         self._model_config()).to(self.device)
        self._replace_encoder()

    @torch.no_grad()
    def predict(self, ids):
        logits = self.model(ids.to(self.device))
        return Predictions(logits.argmax(-1), scores=logits)
