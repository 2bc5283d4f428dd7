import pytest

from hsokv.config import resolve


@pytest.fixture(scope="module")
def cfg():
    """A one-layer, 16-wide scratch model's params: backbones build in a blink."""
    return resolve({"preset": "t", "presets": {"t": {"seeds": [0], "model": {"num_layers": 1, "d_model": 16,
                                                                             "num_heads": 2, "ff_dim": 32}}}})
