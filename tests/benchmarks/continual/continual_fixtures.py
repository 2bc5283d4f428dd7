"""The `stream` fixture shared by the continual test files, imported by name
(`from continual_fixtures import stream`), and `research_script`, which loads one of the research folder's
scripts (not a package) as a module.

Not a conftest.py: test files import REPO and SMALL_SWARM with `from conftest import ...`, meaning
tests/conftest.py, and pytest loads every conftest.py outside a package under the one module name
`conftest`, so a second one here would shadow it for every file collected after it."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from hsokv.benchmarks.continual.data import ImageSet
from hsokv.benchmarks.continual.stream import make_stream


def research_script(relative: str):
    """research/<relative> (e.g. continual_default_init/relabel.py) as a module."""
    path = Path(__file__).resolve().parents[3] / "research" / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stream():
    """Separable 3x8x8 images: class c lights up row 2c; two tasks of two classes."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 16)
    x = rng.integers(0, 60, (len(y), 3, 8, 8)).astype(np.uint8)
    x[np.arange(len(y)), :, y * 2] = 250
    images = ImageSet(x, y, x[::2].copy(), y[::2].copy(), list("abcd"))
    return make_stream(images, 2, 4, None, None, torch.device("cpu"))
