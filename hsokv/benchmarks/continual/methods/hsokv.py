"""hsokv: the key-value episodic memory as a continual learner.

Memory entries hold an image, its label and the logits the network gave it when written; the key
is the backbone's feature vector of the stored image, re-encoded by the current network whenever
the memory is read (so keys never go stale and cost no bytes). Entries are chosen by herding,
balanced over the classes seen (`selection: herding`, the default; `reservoir` = DER's choice, an
ablation). Training replays one memory batch per step with beta x cross-entropy on its labels plus
alpha x MSE to its stored logits (alpha 0 = the "no logit replay" ablation), forwarded together with
the stream batch (`replay_forward: joint`, the default; `separate` = a pass of its own, as DER++ does
and as this method did before 2026-12-03: an ablation). Prediction is the
`retrieval` readout: the k nearest memory keys vote for their labels (softmax of cosine / tau),
mixed with the linear head's softmax; k, tau and the mix are chosen on the validation split. Its
`head` readout from the same run is the "no retrieval" ablation.
"""
import torch
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod

SELECTIONS = ("herding", "reservoir")
REPLAY_FORWARDS = ("joint", "separate")


@METHODS.register("hsokv")
class HsokvMemory(ContinualMethod):
    needs_memory = True
    readout = "retrieval"

    def __init__(self, model, stream, *args, **kwargs):
        self.memory_values = {"logits": ((stream.num_classes,), model.head.weight.dtype)}
        super().__init__(model, stream, *args, **kwargs)
        self.selection = self.args.get("selection", "herding")
        if self.selection not in SELECTIONS:
            raise ValueError(f"hsokv selection {self.selection!r}; valid: {list(SELECTIONS)}")
        self.replay_forward = self.args.get("replay_forward", "joint")
        if self.replay_forward not in REPLAY_FORWARDS:
            raise ValueError(f"hsokv replay_forward {self.replay_forward!r}; valid: {list(REPLAY_FORWARDS)}")

    def loss(self, x, y):
        idx = self.replay_indices()
        if idx is None:
            return self.stream_loss(x, y)
        mem = self.memory
        if self.replay_forward == "joint":
            # One forward pass over stream + replay: a herded memory holds only past classes during a
            # task, so a replay batch of its own is class-pure and batch norm would normalise old and new
            # classes apart in training but together at test time.
            n = len(x)
            out = self.forward(self.prepare(torch.cat([x, mem.value("image")[idx]])))
            self._batch = (x, y, out[:n].detach().float())
            loss, replay = F.cross_entropy(out[:n], y), out[n:]
        else:
            loss, replay = self.stream_loss(x, y), self.replay(idx)
        loss = loss + float(self.args["beta"]) * F.cross_entropy(replay, mem.value("label")[idx])
        alpha = float(self.args["alpha"])
        if alpha:
            loss = loss + alpha * F.mse_loss(replay.float(), mem.value("logits")[idx])
        return loss

    def after_step(self):
        if self.selection == "reservoir":
            x, y, logits = self._batch
            self.reservoir_write(x, y, logits=logits)

    def end_task(self, task):
        if self.selection == "herding":
            self.herd_into_memory(task, logits=True)
