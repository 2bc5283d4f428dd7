"""Split-CIFAR-10 class-incremental learning (Mammoth seq-cifar10): data, methods, readouts, protocol, report, GPU grid."""
from hsokv.benchmarks.continual import config  # noqa: F401  (registers the `continual` params section)
