"""finetune: the same encoder and classifier without memory, same optimiser, epochs and selection."""
from hsokv.benchmarks.glue.methods.base import METHODS, trained

METHODS.register("finetune")(trained(with_memory=False))
