"""hsokv: TransformerWithKV trained end to end; memory written with every training story."""
from __future__ import annotations

from hsokv.benchmarks.words.lifecycle import Lifecycle
from hsokv.benchmarks.words.methods.base import METHODS, _Trained, predict_with_memory
from hsokv.model import TransformerWithKV


@METHODS.register("hsokv")
class HSOKV(_Trained):
    reads = ("model", "memory", "train")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = TransformerWithKV(self.vocab_size, self.num_labels, self.max_length, self._model_config(),
                                       self.cfg.memory, [Lifecycle()]).to(self.device)
        self._replace_encoder(cosine_classifier=True)

    def predict(self, ids):
        return predict_with_memory(self.model, ids, self.device)
