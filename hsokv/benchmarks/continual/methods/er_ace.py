"""er_ace: ER with asymmetric cross-entropy (Caccia et al. 2022). From the second task on, the
stream batch's loss ignores the logits of classes of earlier tasks that are absent from the batch,
so new classes do not push old ones down; the replay batch (own forward pass) uses every class."""
import numpy as np
import torch
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod, to_device


@METHODS.register("er_ace")
class ExperienceReplayACE(ContinualMethod):
    needs_memory = True

    def loss(self, x, y):
        self._batch = (x, y)
        out = self.forward(self.prepare(x))
        if self.past_classes:   # built with index_fill, not unique(): no wait for the GPU
            hide = torch.zeros(out.shape[1], dtype=torch.bool, device=out.device)
            hide[to_device(np.asarray(self.past_classes), out.device)] = True
            hide = hide.index_fill(0, y, False)
            out = out.masked_fill(hide, torch.finfo(out.dtype).min)
        loss = F.cross_entropy(out, y)
        idx = self.replay_indices()
        if idx is not None and self.past_classes:
            replay = self.forward(self.prepare(self.memory.value("image")[idx]))
            loss = loss + F.cross_entropy(replay, self.memory.value("label")[idx])
        return loss

    def after_step(self):
        self.reservoir_write(*self._batch)
