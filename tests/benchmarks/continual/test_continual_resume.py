"""A run paused after every epoch and resumed from its file gives exactly the numbers of a run that
never stopped, for every method; a file of another run or spec, or a corrupt one, is refused."""
import json

import pytest
import torch

from hsokv.benchmarks.continual import resume
from hsokv.errors import CheckpointError
from test_continual_methods import ARGS, GRID, NAMES, buffer_of, run, stream  # noqa: F401 (fixture)
from hsokv.benchmarks.continual.protocol import run_one


def run_paused_every_epoch(stream, name, path):
    calls = 0
    while True:
        calls += 1
        result = run_one(stream, name, buffer_of(name), 0, backbone="small_cnn", epochs=2, batch_size=8,
                         replay_batch_size=4, augment=True, all_method_args=ARGS, readout_grid=GRID,
                         log=lambda s: None, checkpoint=path, stop_at=0.0)   # past: pause at every epoch's end
        if result is not None:
            return result, calls
        assert path.is_file() and calls < 20


@pytest.mark.parametrize("name", NAMES)
def test_resumed_run_equals_uninterrupted(stream, tmp_path, name):
    whole = run(stream, name, buffer_of(name))
    resumed, calls = run_paused_every_epoch(stream, name, tmp_path / f"{name}.safetensors")
    tasks = 1 if name == "joint" else 2
    assert calls == 2 * tasks   # one epoch a call (a call after a task's last epoch also scores it)
    for key in ("readouts", "losses", "trained_examples", "encoded_examples", "memory", "train_flops"):
        assert resumed[key] == whole[key], key
    assert resumed["wall_seconds"] > 0


def test_checkpoint_of_other_settings_is_refused(stream, tmp_path):
    path = tmp_path / "er.safetensors"
    run_one(stream, "er", 8, 0, backbone="small_cnn", epochs=2, batch_size=8, replay_batch_size=4, augment=True,
            all_method_args=ARGS, readout_grid=GRID, log=lambda s: None, checkpoint=path, stop_at=0.0)
    with pytest.raises(CheckpointError, match=r"er.safetensors: paused under other settings \(differ: \['seed'\]\)"):
        run_one(stream, "er", 8, 1, backbone="small_cnn", epochs=2, batch_size=8, replay_batch_size=4,
                augment=True, all_method_args=ARGS, readout_grid=GRID, log=lambda s: None, checkpoint=path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="not a readable paused-run file"):
        resume.load_run(path, {}, torch.device("cpu"))


def test_save_is_atomic_and_holds_no_code(tmp_path):
    path = tmp_path / "run.safetensors"
    resume.save_run(path, {"w": torch.ones(2, 3).t()}, {"m": 1}, {"task": 0}, {"run": "er"})   # non-contiguous
    tensors, meta, progress = resume.load_run(path, {"run": "er"}, torch.device("cpu"))
    assert torch.equal(tensors["w"], torch.ones(3, 2)) and meta == {"m": 1} and progress == {"task": 0}
    assert [p.name for p in tmp_path.iterdir()] == ["run.safetensors"]
    header = json.loads(path.read_bytes()[8:8 + int.from_bytes(path.read_bytes()[:8], "little")])
    assert header["__metadata__"]["format"] == resume.FORMAT
