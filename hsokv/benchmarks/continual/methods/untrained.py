"""untrained: the trivial control, a memory lookup with no learning. The network keeps its initial weights and
never takes a step; at each task's end the memory herds a class-balanced share of the task's training images on
those random features (as H-SOKV and iCaRL choose theirs), and the readouts predict from it: kNN over the stored
images' random features (its own readout), NCM, retrieval. What a method's number is worth above this is what
training adds to a lookup of the same memory."""
from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("untrained")
class Untrained(ContinualMethod):
    needs_memory = True
    readout = "knn"
    trains = False
    required_args = ()
    optional_args = ()

    def end_task(self, task):
        self.herd_into_memory(task)
