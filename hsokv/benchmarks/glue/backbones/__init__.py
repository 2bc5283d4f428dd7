"""Sentence encoders for few-shot GLUE, one file each, registered by name in BACKBONES.

Every module in this folder is imported here, so adding a backbone is adding a file whose class is
decorated with `@BACKBONES.register("name")` (hsokv.benchmarks.glue.backbones.base says what it provides).
"""
import importlib
import pkgutil

from hsokv.benchmarks.glue.backbones.base import BACKBONES, SEP, make_backbone

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["BACKBONES", "SEP", "make_backbone"]
