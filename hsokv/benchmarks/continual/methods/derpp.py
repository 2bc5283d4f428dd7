"""derpp: Dark Experience Replay++ (Buzzega et al. 2020). The reservoir memory keeps each image's
logits as the network gave them when it was written; the loss adds alpha x MSE between replayed
logits and the stored ones, and beta x cross-entropy on a second replay batch's labels. Each
batch has its own forward pass, as in the authors' code."""
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("derpp")
class DarkExperienceReplayPP(ContinualMethod):
    needs_memory = True
    required_args = ("lr", "alpha", "beta")

    def __init__(self, model, stream, *args, **kwargs):
        self.memory_values = {"logits": ((stream.num_classes,), model.head.weight.dtype)}
        super().__init__(model, stream, *args, **kwargs)

    def loss(self, x, y):
        loss = self.stream_loss(x, y)
        idx = self.replay_indices()
        if idx is not None:
            mem = self.memory
            loss = loss + float(self.args["alpha"]) * F.mse_loss(self.replay(idx).float(), mem.value("logits")[idx])
            idx = self.replay_indices()
            loss = loss + float(self.args["beta"]) * F.cross_entropy(self.replay(idx), mem.value("label")[idx])
        return loss

    def after_step(self):
        x, y, logits = self._batch
        self.reservoir_write(x, y, logits=logits)
