"""hsokv: the key-value episodic memory as a continual learner.

Memory entries hold an image and its label (and, with logit replay, the logits the network gave it
when written); the key is the backbone's feature vector of the stored image, re-encoded by the
current network whenever the memory is read (so keys never go stale and cost no bytes). Entries are
chosen by herding, balanced over the classes seen (`selection: herding`, the default; `reservoir` =
DER's choice, an ablation). Training replays one memory batch per step with beta x cross-entropy on
its labels, forwarded together with the stream batch (`replay_forward: joint`, the default;
`separate` = a pass of its own, as DER++ does: an ablation). alpha > 0 adds DER++'s alpha x MSE to
the stored logits (the `hsokv_logit_replay` ablation; alpha 0, the default since 2026-12-04, was
better on the validation split at both buffer sizes and stores no logits). Prediction is the
`retrieval` readout: the k nearest memory keys vote for their labels (softmax of cosine / tau),
mixed with the linear head's softmax; k, tau and the mix are chosen on the validation split. Its
`head` readout from the same run is the "no retrieval" ablation.
"""
import torch.nn.functional as F

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod

SELECTIONS = ("herding", "reservoir")
REPLAY_FORWARDS = ("joint", "separate")


@METHODS.register("hsokv")
class HsokvMemory(ContinualMethod):
    needs_memory = True
    readout = "retrieval"

    def __init__(self, model, stream, *args, **kwargs):
        super().__init__(model, stream, *args, **kwargs)
        self.selection = self.args.get("selection", "herding")
        if self.selection not in SELECTIONS:
            raise ValueError(f"hsokv selection {self.selection!r}; valid: {list(SELECTIONS)}")
        self.replay_forward = self.args.get("replay_forward", "joint")
        if self.replay_forward not in REPLAY_FORWARDS:
            raise ValueError(f"hsokv replay_forward {self.replay_forward!r}; valid: {list(REPLAY_FORWARDS)}")

    @property
    def logit_replay(self) -> bool:
        return float(self.args["alpha"]) != 0.0

    @property
    def memory_values(self):
        # read by ContinualMethod.__init__ (after model, stream and args are set) to lay out the memory
        if not self.logit_replay:
            return {}
        return {"logits": ((self.stream.num_classes,), self.model.head.weight.dtype)}

    def loss(self, x, y):
        idx = self.replay_indices()
        if idx is None:
            return self.stream_loss(x, y)
        mem = self.memory
        if self.replay_forward == "joint":
            # One forward pass over stream + replay: a herded memory holds only past classes during a
            # task, so a replay batch of its own is class-pure and batch norm would normalise old and new
            # classes apart in training but together at test time.
            loss, replay = self.stream_and_replay(x, y, idx)
        else:
            loss, replay = self.stream_loss(x, y), self.replay(idx)
        loss = loss + float(self.args["beta"]) * F.cross_entropy(replay, mem.value("label")[idx])
        if self.logit_replay:
            loss = loss + float(self.args["alpha"]) * F.mse_loss(replay.float(), mem.value("logits")[idx])
        return loss

    def after_step(self):
        if self.selection == "reservoir":
            x, y, logits = self._batch
            self.reservoir_write(x, y, **({"logits": logits} if self.logit_replay else {}))

    def end_task(self, task):
        if self.selection == "herding":
            self.herd_into_memory(task, logits=self.logit_replay)
