"""icarl: iCaRL (Rebuffi et al. 2017) as in Mammoth. Exemplars chosen by herding, balanced over the
classes seen, are added to each new task's training set; the loss is binary cross-entropy over the
classes seen so far, with the previous network's sigmoid outputs as targets for the old classes
(distillation); prediction is the nearest class mean of the exemplars' features (readout `ncm`).
The previous network is extra state: its bytes are reported with the memory's."""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("icarl")
class ICaRL(ContinualMethod):
    needs_memory = True
    readout = "ncm"
    keeps_previous_network = True

    def training_split(self, task):
        return self.split_with_memory(task)

    def loss(self, x, y):
        inputs = self.prepare(x)
        out = self.forward(inputs)
        n = len(self.seen_classes)
        target = F.one_hot(y, out.shape[1])[:, :n].float()
        if self.old_model is not None:
            past = len(self.past_classes)
            with torch.no_grad():
                target[:, :past] = torch.sigmoid(self.old_model(inputs)[:, :past].float())
            self.encoded_examples += len(x)
        return F.binary_cross_entropy_with_logits(out[:, :n].float(), target)

    def end_task(self, task):
        self.herd_into_memory(task)
