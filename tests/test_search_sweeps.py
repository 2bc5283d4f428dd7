"""The sweep workflow of issue 21 (README, "Sweeping the search with dvc exp"): a search setting
reruns only the search stages, and the queue's range syntax expands as documented."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stage_params() -> dict[str, list[str]]:
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return {s.addressing: [p for d in s.deps if isinstance(d, ParamsDependency) for p in d.params]
                for s in repo.index.stages}


def _reads(params: list[str], key: str) -> bool:
    """A params entry covers `key` when it is the key or a section above it."""
    return any(key == p or key.startswith(p + ".") for p in params)


@pytest.mark.parametrize("key, prefixes", [("swarm.agent_steps", ("search@", "search_backends")),
                                           ("search_sst2.agent_steps", ("search_sst2@",)),
                                           ("search_meaning.agent_steps", ("search_meaning@",)),
                                           ("search_continual.agent_steps", ("search_continual@",))])
def test_a_search_setting_reruns_only_the_search_stages(stage_params, key, prefixes):
    changed = {name for name, params in stage_params.items() if _reads(params, key)}
    assert changed and all(name.startswith(prefixes) for name in changed), sorted(changed)
    # every search stage of the strategy list is among them
    expected = {name for name in stage_params if name.startswith(prefixes[0])}
    assert expected <= changed


def test_queue_range_expands_to_one_experiment_per_value():
    from dvc.utils.hydra import get_hydra_sweeps

    sweeps = get_hydra_sweeps({"params.yaml": ["swarm.agent_steps=range(100,401,100)"]})
    assert [s["params.yaml"] for s in sweeps] == [[f"swarm.agent_steps={v}"] for v in (100, 200, 300, 400)]
