"""joint: one model trained on every task at once (the upper bound; a single row of R)."""
from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod


@METHODS.register("joint")
class Joint(ContinualMethod):
    joint = True
