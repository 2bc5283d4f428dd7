"""Benchmarks: one evaluation protocol each, shared by every method."""
