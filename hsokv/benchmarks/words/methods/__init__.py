"""The word benchmark's methods, one file each, registered by name in METHODS.

Every module in this folder is imported here, so adding a method is adding a file whose class is
decorated with `@METHODS.register("name")`. Every method answers the same two calls, so one
evaluation path (hsokv.benchmarks.words.protocol) serves them all:
    learn(ids, probes, labels, sources, phase) -> per-step history
    predict(ids) -> Predictions
"""
import importlib
import pkgutil

from hsokv.benchmarks.words.methods.base import METHODS, Predictions

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "Predictions"]
