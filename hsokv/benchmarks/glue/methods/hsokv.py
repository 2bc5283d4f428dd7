"""hsokv: encoder + linear classifier + KV memory holding every training example; logits =
classifier(h) + memory evidence (cosine / glue.memory_temperature, nearest entry per label).
Trained end to end; each example's own entry is hidden from it (leave-one-out), keys re-encoded
every epoch. The epoch with the best dev accuracy is kept."""
from hsokv.benchmarks.glue.methods.base import METHODS, trained

METHODS.register("hsokv")(trained(with_memory=True))
