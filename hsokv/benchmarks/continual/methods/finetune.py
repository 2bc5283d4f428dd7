"""finetune: SGD on each task in turn, no memory (the lower bound; DER's "SGD" row)."""
from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("finetune")
class Finetune(ContinualMethod):
    pass
