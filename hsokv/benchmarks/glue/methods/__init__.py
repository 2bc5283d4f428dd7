"""Few-shot GLUE's methods, one file each, registered by name in METHODS.

Every module in this folder is imported here, so adding a method is adding a file that registers
a function with `@METHODS.register("name")` (hsokv.benchmarks.glue.methods.base says its signature).
"""
import importlib
import pkgutil

from hsokv.benchmarks.glue.methods.base import METHODS, is_trained

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "is_trained"]
