"""research/continual_default_init/relabel.py: a run is renamed only where its recorded args are what the spec
trains under the new name at its epochs; a run that took the old name for another design stays; running it
again renames nothing."""
import json

import pytest

from continual_fixtures import research_script

BATCH = {"lr": 0.03, "alpha": 0.0, "beta": 0.5, "selection": "herding", "replay_forward": "joint"}
SPEC = {"hsokv": {**BATCH, "beta": 1.0, "replay": "merged"},
        "hsokv_batch_replay_reservoir": {"method": "hsokv", **BATCH, "selection": "reservoir"}}


@pytest.fixture(scope="module")
def rename():
    return research_script("continual_default_init/relabel.py").rename


def _write(folder, run, seed, args):
    path = folder / f"{run}-500-e5-s{seed}.json"
    path.write_text(json.dumps({"run": run, "buffer": 500, "seed": seed, "spec": {"epochs": 5}, "args": args,
                                "readouts": {"knn": 60.0 + seed}}))
    return path


def test_only_runs_of_the_new_names_design_are_renamed_and_only_once(tmp_path, rename):
    _write(tmp_path, "hsokv_reservoir", 0, {**BATCH, "selection": "reservoir"})
    _write(tmp_path, "hsokv_reservoir", 1, {**BATCH, "selection": "reservoir", "replay": "merged", "beta": 1.0})
    done, left = rename(tmp_path, "hsokv_reservoir", "hsokv_batch_replay_reservoir", SPEC, "why.")
    assert done == ["hsokv_reservoir-500-e5-s0.json -> hsokv_batch_replay_reservoir-500-e5-s0.json"] and left == 1
    moved = json.loads((tmp_path / "hsokv_batch_replay_reservoir-500-e5-s0.json").read_text())
    assert moved["run"] == "hsokv_batch_replay_reservoir" and moved["readouts"] == {"knn": 60.0}
    assert moved["relabelled"].startswith("run 'hsokv_reservoir' until 2026-12-06; why.")
    assert (tmp_path / "hsokv_reservoir-500-e5-s1.json").exists()   # another design under the old name: left
    assert rename(tmp_path, "hsokv_reservoir", "hsokv_batch_replay_reservoir", SPEC, "why.") == ([], 1)


def test_a_name_already_taken_is_refused(tmp_path, rename):
    _write(tmp_path, "hsokv_reservoir", 0, {**BATCH, "selection": "reservoir"})
    _write(tmp_path, "hsokv_batch_replay_reservoir", 0, {**BATCH, "selection": "reservoir"})
    with pytest.raises(SystemExit, match="hsokv_batch_replay_reservoir-500-e5-s0.json exists"):
        rename(tmp_path, "hsokv_reservoir", "hsokv_batch_replay_reservoir", SPEC, "why.")
