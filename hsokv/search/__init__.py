"""Hyperparameter search: the hierarchical swarm and the baselines it is measured against."""
