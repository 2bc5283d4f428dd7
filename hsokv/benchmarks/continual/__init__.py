"""Split-CIFAR-10 class-incremental learning (Mammoth seq-cifar10): data, methods, readouts, protocol, report, GPU grid."""
