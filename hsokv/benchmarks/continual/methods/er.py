"""er: experience replay (DER's ER). A reservoir memory of raw images and labels over the whole
stream; each step trains on the stream batch concatenated with a replay batch, as Mammoth does."""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("er")
class ExperienceReplay(ContinualMethod):
    needs_memory = True

    def loss(self, x, y):
        self._batch = (x, y)
        idx = self.replay_indices()
        if idx is not None:
            x = torch.cat([x, self.memory.value("image")[idx]])
            y = torch.cat([y, self.memory.value("label")[idx]])
        return F.cross_entropy(self.forward(self.prepare(x)), y)

    def after_step(self):
        self.reservoir_write(*self._batch)
