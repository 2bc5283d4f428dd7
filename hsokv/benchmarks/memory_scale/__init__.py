"""Retrieval at scale: the memory's exact search timed against faiss IndexFlatIP at 1e3..1e6
entries (protocol.py), reported as throughput figures (report.py). No methods: one memory, one
reference."""
from hsokv.benchmarks.memory_scale import config  # noqa: F401  (registers the `memory_scale` params section)
