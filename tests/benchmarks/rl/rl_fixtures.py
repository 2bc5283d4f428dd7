"""The `d` fixture shared by the RL test files, imported by name (`from rl_fixtures import d`).

Not a conftest.py: the test files import REPO and SMALL_SWARM with `from conftest import ...`, meaning
tests/conftest.py, and pytest loads every conftest.py outside a package under the one module name
`conftest`, so a second one here would shadow it for every file collected after it."""
import pytest

from hsokv.benchmarks.rl import config as _section  # noqa: F401  (registers the `distributed` section)
from hsokv.config import read_params, resolve


@pytest.fixture(scope="module")
def d():
    """The `distributed` section of the quick_test preset as a dict, with short evaluations."""
    params = read_params()
    params["preset"] = "quick_test"
    params["distributed"].update({"eval_episodes": 3, "curve_episodes": 2})
    return resolve(params).distributed.model_dump()
