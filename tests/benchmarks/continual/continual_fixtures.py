"""The `stream` fixture shared by the continual test files, imported by name
(`from continual_fixtures import stream`).

Not a conftest.py: test files import REPO and SMALL_SWARM with `from conftest import ...`, meaning
tests/conftest.py, and pytest loads every conftest.py outside a package under the one module name
`conftest`, so a second one here would shadow it for every file collected after it."""
import numpy as np
import pytest
import torch

from hsokv.benchmarks.continual.data import ImageSet
from hsokv.benchmarks.continual.stream import make_stream


@pytest.fixture(scope="module")
def stream():
    """Separable 3x8x8 images: class c lights up row 2c; two tasks of two classes."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 16)
    x = rng.integers(0, 60, (len(y), 3, 8, 8)).astype(np.uint8)
    x[np.arange(len(y)), :, y * 2] = 250
    images = ImageSet(x, y, x[::2].copy(), y[::2].copy(), list("abcd"))
    return make_stream(images, 2, 4, None, None, torch.device("cpu"))
