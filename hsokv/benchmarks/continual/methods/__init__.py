"""Continual-learning methods, one file each, registered by name in METHODS.

Every module in this folder is imported here, so adding a method is adding a file whose class is
decorated with `@METHODS.register("name")`.
"""
import importlib
import pkgutil

from hsokv.benchmarks.continual.methods.base import METHODS, ContinualMethod

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "ContinualMethod"]
