"""Every continual method runs through the one protocol on a tiny two-task stream: deterministic,
readouts scored, memories of the declared bytes; the scores R, BWT and forgetting."""
import numpy as np
import pytest
import torch
from pydantic import ValidationError

from hsokv.benchmarks.continual import readouts
from hsokv.benchmarks.continual.data import ImageSet
from hsokv.benchmarks.continual.methods import METHODS
from hsokv.benchmarks.continual.methods.base import augment
from hsokv.benchmarks.continual.protocol import (accuracy_matrix_summary, build_model, check_runs, method_args,
                                                 run_one, runs)
from hsokv.benchmarks.continual.config import ContinualConfig
from hsokv.benchmarks.continual.stream import make_stream
from hsokv.config import ConfigError
from continual_fixtures import stream  # noqa: F401  (a fixture: pytest finds it by name)

# hsokv (alpha 0, herding) and, with every other branch, logit replay into a reservoir
ARGS = ContinualConfig().method_args | {"hsokv_logit_replay_reservoir": {"method": "hsokv", "lr": 0.03, "alpha": 0.2,
                                                                       "beta": 0.5, "selection": "reservoir"},
                                       "derpp": {"lr": 0.03, "alpha": 0.1, "beta": 0.5},
                                       "hsokv_feature_distill": {"method": "hsokv", "lr": 0.03, "alpha": 0.0, "beta": 0.5,
                                                                 "distill": 5.0},
                                       "hsokv_logit_distill": {"method": "hsokv", "lr": 0.03, "alpha": 0.0, "beta": 0.5,
                                                               "logit_distill": 1.0},
                                       "hsokv_merged": {"method": "hsokv", "lr": 0.03, "alpha": 0.0, "beta": 1.0,
                                                        "replay": "merged"}}
NAMES = ["finetune", "joint", "er", "derpp", "icarl", "er_ace", "hsokv", "hsokv_batch_replay", "hsokv_logit_replay_reservoir",
         "hsokv_feature_distill", "hsokv_logit_distill", "hsokv_merged"]
GRID = {"k": [3], "tau": [0.1], "w": [0.5]}


def run(stream, name, buffer=8, seed=0):
    return run_one(stream, name, buffer, seed, backbone="small_cnn", epochs=2, batch_size=8, replay_batch_size=4,
                   augment=True, all_method_args=ARGS, readout_grid=GRID, log=lambda s: None)


def buffer_of(name):
    return 8 if METHODS.get(ARGS[name].get("method", name)).needs_memory else None


@pytest.fixture(scope="module")
def results(stream):
    return {name: run(stream, name, buffer_of(name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_method_runs_through_the_protocol(results, name):
    a = results[name]
    rows = 1 if name == "joint" else 2
    assert len(a["readouts"]["head"]["class_il"]) == rows and a["trained_examples"] > 0 and a["train_flops"] > 0
    if buffer_of(name):
        assert set(a["readouts"]) == set(readouts.READOUTS)
        assert a["memory"]["bytes"] == 8 * a["memory"]["bytes_per_entry"]
    else:
        assert set(a["readouts"]) == {"head"} and a["memory"]["bytes"] == 0


@pytest.mark.parametrize("name", ["er", "hsokv"])
def test_same_seed_same_numbers(stream, results, name):
    again = run(stream, name, buffer_of(name))
    assert again["readouts"] == results[name]["readouts"] and again["losses"] == results[name]["losses"]


def test_equal_entries_cost_about_equal_bytes(results):
    er, derpp, hsokv, icarl, logit_replay = (results[n]["memory"] for n in ("er", "derpp", "hsokv", "icarl",
                                                                          "hsokv_logit_replay_reservoir"))
    assert er["bytes_per_entry"] == hsokv["bytes_per_entry"] == 3 * 8 * 8 + 8              # image + label
    assert derpp["bytes_per_entry"] == logit_replay["bytes_per_entry"] == er["bytes_per_entry"] + 4 * 4   # + logits
    assert icarl["extra_state_bytes"] > 0 and er["extra_state_bytes"] == hsokv["extra_state_bytes"] == 0
    # feature and logit distillation keep the old network too (iCaRL's bytes: the same backbone)
    assert results["hsokv_feature_distill"]["memory"]["extra_state_bytes"] == icarl["extra_state_bytes"]
    assert results["hsokv_logit_distill"]["memory"]["extra_state_bytes"] == icarl["extra_state_bytes"]


@pytest.mark.parametrize("name, key, weight", [("hsokv_feature_distill", "distill", 5.0),
                                               ("hsokv_logit_distill", "logit_distill", 1.0)])
def test_distillation_moves_training_and_needs_the_joint_pass(stream, results, name, key, weight):
    distilled, plain = results[name], results["hsokv_batch_replay"]   # the variants of the replay batch
    assert distilled["losses"][:2] == plain["losses"][:2]     # task 1's two epochs: no old network, the same run
    assert distilled["losses"][2:] != plain["losses"][2:]     # task 2: the distillation term is in the loss
    assert distilled["encoded_examples"] > plain["encoded_examples"]   # the old network's passes
    for bad, message in (({"replay_forward": "separate"}, f"{key}: {weight}: must be >= 0, and > 0 needs replay_forward 'joint'"),
                         ({key: -1.0}, f"{key}: -1.0: must be >= 0")):
        with pytest.raises(ValueError, match=message):
            run_one(stream, "bad", 8, 0, backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4, augment=True,
                    all_method_args={"bad": dict(ARGS[name], **bad)}, readout_grid=GRID, log=lambda s: None)



def test_merged_replay_trains_on_the_memory_as_examples_of_the_epoch(stream, results):
    merged, minibatch = results["hsokv_merged"], results["hsokv_batch_replay"]
    assert merged["losses"][:2] == minibatch["losses"][:2]      # task 1: an empty memory, the same run
    assert merged["losses"][2:] != minibatch["losses"][2:]
    # task 2 (two epochs): minibatch replay adds a 4-draw batch to each step; merged adds the 8 entries once an epoch
    task2 = len(stream.tasks[1].train.y)
    steps = -(-task2 // 8)
    assert minibatch["trained_examples"] - merged["trained_examples"] == 2 * (steps * 4 - 8)
    # merged_repeats 3: each of the 8 entries three times an epoch
    repeated = run_one(stream, "hsokv_merged3", 8, 0, backbone="small_cnn", epochs=2, batch_size=8, replay_batch_size=4,
                       augment=True, all_method_args={"hsokv_merged3": dict(ARGS["hsokv_merged"], merged_repeats=3)},
                       readout_grid=GRID, log=lambda s: None)
    tasks_after_first = len(stream.tasks) - 1
    assert repeated["trained_examples"] - merged["trained_examples"] == tasks_after_first * 2 * 2 * 8
    # hsokv: merged_exposures 20 over 2 epochs = each entry 10 times an epoch, and the run records that count
    assert results["hsokv"]["args"]["merged_repeats"] == 10 and "merged_exposures" not in results["hsokv"]["args"]
    assert results["hsokv"]["trained_examples"] - merged["trained_examples"] == tasks_after_first * 2 * 9 * 8
    for bad, message in (({"beta": 0.5}, "beta: 0.5: replay 'merged' .* beta must be 1"),
                         ({"alpha": {8: 0.2}}, r"alpha: .*0.2\}?: replay 'merged' .* alpha must be 0"),
                         ({"selection": "reservoir"},
                          "selection: 'reservoir': replay 'merged' needs 'herding' or 'random'"),
                         ({"replay": "mixed"}, r"replay: 'mixed'; valid: \['minibatch', 'merged'\]"),
                         ({"merged_repeats": 2.5}, r"merged_repeats: 2.5: must be a whole number >= 1"),
                         ({"merged_repeats": 0}, r"merged_repeats: 0: must be a whole number >= 1"),
                         ({"replay": "minibatch", "beta": 0.5, "merged_repeats": 3},
                          r"merged_repeats: 3: .* > 1 needs replay 'merged' \(got 'minibatch'\)"),
                         ({"merged_exposures": 0.5}, r"merged_exposures: 0.5: must be a number >= 1"),
                         ({"replay": "minibatch", "beta": 0.5, "merged_exposures": 20},
                          r"merged_exposures: needs replay 'merged' \(got 'minibatch'\)"),
                         ({"merged_exposures": 20, "merged_repeats": 2},
                          "merged_exposures and merged_repeats both given")):
        with pytest.raises(ValueError, match=message):
            run_one(stream, "bad", 8, 0, backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4, augment=True,
                    all_method_args={"bad": dict(ARGS["hsokv_merged"], **bad)}, readout_grid=GRID, log=lambda s: None)


def test_method_args_per_buffer_and_unknown_names():
    published = ContinualConfig().method_args
    assert method_args(published, "derpp", 200)["alpha"] == 0.1 and method_args(published, "derpp", 500)["alpha"] == 0.2
    as_json = {"derpp": {"lr": 0.03, "alpha": {"200": 0.1}}}    # a spec read back from JSON has string keys
    assert method_args(as_json, "derpp", 200)["alpha"] == 0.1
    with pytest.raises(ValueError, match="derpp.alpha has no value for buffer 300"):
        method_args(published, "derpp", 300)
    # hsokv's exposures a task as the count an epoch: nearest whole number, at least one, recorded above 1
    assert [method_args(published, "hsokv", 200, e).get("merged_repeats") for e in (1, 5, 10, 50)] == [20, 4, 2, None]
    with pytest.raises(ValueError, match="merged_exposures: the epochs a task gets are not known here"):
        method_args(published, "hsokv", 200)
    with pytest.raises(ConfigError, match="unknown continual method 'derp'; valid: .*derpp"):
        METHODS.get("derp")
    with pytest.raises(ConfigError, match="continual.methods: unknown 'derp'"):
        check_runs(["derp"], published)
    with pytest.raises(ConfigError, match=r"continual.method_args.er: \['lr'\] not set"):
        check_runs(["er"], {"er": {"alpha": 0.1}})
    assert runs(["finetune", "er"], published, [200, 500]) == [("finetune", None), ("er", 200), ("er", 500)]


@pytest.mark.parametrize("methods, args, buffers, message", [
    # a misspelt key would run without it (no weight decay), so it is refused, naming the valid ones
    (["er"], {"er": {"lr": 0.1, "weight_decy": 0.5}}, [200],
     r"continual.method_args.er.weight_decy: not a hyperparameter of er; valid: \['lr', 'method', 'weight_decay'\]"),
    (["derpp"], {"derpp": {"lr": 0.03, "beta": 0.5}}, [200], r"derpp: \['alpha'\] not set"),   # a KeyError in task 2 before
    (["derpp"], {"derpp": {"lr": 0.03, "alpha": {200: 0.1}, "beta": 0.5}}, [200, 500],
     r"derpp.alpha: no value for buffer size\(s\) \[500\]"),
    (["hsokv"], {"hsokv": {"lr": 0.03, "alpha": 0.0, "beta": 0.5, "selection": "herdin"}}, [200],
     r"continual.method_args.hsokv.selection: 'herdin'; valid: \['herding', 'reservoir', 'random'\]"),
    (["er", "er"], {"er": {"lr": 0.1}}, [200], r"continual.methods: \['er'\] listed more than once"),
])
def test_check_runs_refuses_before_any_training(methods, args, buffers, message):
    with pytest.raises(ConfigError, match=message):
        check_runs(methods, args, buffers)


def test_duplicate_buffer_sizes_and_bad_readout_settings_are_refused():
    with pytest.raises(ValidationError, match="buffer_sizes: a size listed more than once"):
        ContinualConfig(buffer_sizes=[50, 50])
    for grid, message in (({"k": [0], "tau": [0.1], "w": [0.5]}, r"readout_grid.k: must be whole numbers >= 1 \(got \[0.0\]\)"),
                          ({"k": [10], "tau": [-1.0], "w": [0.5]}, r"readout_grid.tau: must be > 0"),
                          ({"k": [10], "tau": [0.1], "w": [1.5]}, r"readout_grid.w: must be in \[0, 1\]"),
                          ({"k": [10], "tau": [0.1], "w": [0.5], "kk": [3]}, r"readout_grid.kk: unknown key")):
        with pytest.raises(ValidationError, match=message):
            ContinualConfig(readout_grid=grid)


def test_scores_from_an_accuracy_matrix():
    r = [[90.0, None, None], [60.0, 80.0, None], [50.0, 70.0, 100.0]]
    s = accuracy_matrix_summary(r)
    assert s["average_accuracy"] == pytest.approx((50 + 70 + 100) / 3)
    assert s["bwt"] == pytest.approx(((50 - 90) + (70 - 80)) / 2)
    assert s["forgetting"] == pytest.approx(((90 - 50) + (80 - 70)) / 2)
    assert accuracy_matrix_summary([[88.0]]) == {"average_accuracy": 88.0, "bwt": None, "forgetting": None}


def test_readouts_ncm_and_knn_vote():
    keys = torch.tensor([[1.0, 0], [0.9, 0.1], [0, 1.0]])
    labels = torch.tensor([0, 0, 2])
    feats = torch.tensor([[1.0, 0.05], [0.1, 1.0]])
    logits = torch.zeros(2, 3)
    ncm = readouts.scores("ncm", feats, logits, keys, labels, {})
    assert ncm.argmax(1).tolist() == [0, 2] and torch.isinf(ncm[:, 1]).all()
    knn = readouts.scores("knn", feats, logits, keys, labels, {"k": 2, "tau": 0.1})
    assert torch.allclose(knn.sum(1), torch.ones(2)) and knn.argmax(1).tolist() == [0, 2]
    fused = readouts.scores("retrieval", feats, logits, keys, labels, {"k": 2, "tau": 0.1, "w": 0.5})
    assert torch.allclose(fused, 0.5 * torch.full((2, 3), 1 / 3) + 0.5 * knn)
    assert len(readouts.settings("retrieval", {"k": [1, 2], "tau": [0.1], "w": [0.2, 0.5]})) == 4


def test_an_unknown_compile_mode_is_refused_before_training(stream):
    with pytest.raises(ConfigError, match="compile mode 'fast'.*reduce-overhead"):
        run_one(stream, "er", 8, 0, backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4, augment=True,
                all_method_args=ARGS, readout_grid=GRID, log=lambda s: None, compile_mode="fast")


def _hsokv(stream, replay_forward):
    args = {"lr": 0.03, "alpha": 0.2, "beta": 0.5, "selection": "herding", "replay_forward": replay_forward}
    model = build_model("small_cnn", stream)
    return METHODS.get("hsokv")(model, stream, 8, args, 0, torch.Generator().manual_seed(0), True, 4)


@pytest.mark.parametrize("replay_forward, passes", [("joint", [12]), ("separate", [8, 4])])
def test_hsokv_replays_in_the_stream_batch_pass_or_its_own(stream, replay_forward, passes):
    """joint: stream + replay in one forward pass (batch norm sees old and new classes together);
    separate: the replay batch has a pass of its own (the ablation)."""
    method = _hsokv(stream, replay_forward)
    first, second = stream.tasks[0], stream.tasks[1]
    method.begin_task(0, first)
    method.end_task(first)          # herds task 0 into the memory
    method.begin_task(1, second)
    sizes = []
    hook = method.model.register_forward_hook(lambda module, inputs, out: sizes.append(len(inputs[0])))
    loss = method.loss(second.train.x[:8], second.train.y[:8])
    hook.remove()
    assert sizes == passes and torch.isfinite(loss)
    x, y, logits = method._batch   # what a reservoir write would store: the stream batch's own logits
    assert len(x) == len(y) == len(logits) == 8


def test_hsokv_refuses_an_unknown_replay_forward(stream):
    with pytest.raises(ValueError, match="replay_forward: 'both'; valid: \\['joint', 'separate'\\]"):
        _hsokv(stream, "both")


@pytest.mark.parametrize("fill", [None, torch.tensor([-2.0, -1.5, -1.0]).view(1, 3, 1, 1)])
def test_the_crop_border_holds_zeros_or_the_fill(fill):
    """continual.crop_padding: mean pads the normalised image with zeros; black pads with each channel's
    normalised black (torchvision pads before normalising)."""
    x = torch.full((64, 3, 8, 8), 5.0)
    out = augment(x, torch.Generator().manual_seed(0), fill)
    border = torch.zeros(1, 3, 1, 1) if fill is None else fill
    is_image, is_border = out == 5.0, out == border.expand_as(out)
    assert bool((is_image | is_border).all()) and bool(is_border.any()) and bool(is_image.any())


def test_crop_padding_and_precision_are_recorded_and_unknown_values_refused(stream):
    def er(**kw):
        return run_one(stream, "er", 8, 0, backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4,
                       augment=True, all_method_args=ARGS, readout_grid=GRID, log=lambda s: None, **kw)
    mean, black = er(), er(crop_padding="black", precision="fp32")   # a CPU runs fp32 either way
    assert (mean["crop_padding"], mean["precision"]) == ("mean", "bf16")
    assert (black["crop_padding"], black["precision"]) == ("black", "fp32")
    assert black["losses"] != mean["losses"]   # the border is part of what the network sees
    with pytest.raises(ValueError, match="crop_padding must be one of \\('mean', 'black'\\), got 'grey'"):
        er(crop_padding="grey")
    with pytest.raises(ValueError, match="precision must be one of \\('bf16', 'fp32'\\), got 'fp16'"):
        er(precision="fp16")
    with pytest.raises(ValueError, match="'mean' or 'black'"):
        ContinualConfig(crop_padding="grey")


def test_full_train_needs_one_readout_setting():
    """val_per_class 0: a grid with a choice in it is refused (it used to take its first setting
    silently); one setting per key runs, and every readout reports that setting."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(4), 8)
    x = rng.integers(0, 255, (len(y), 3, 8, 8)).astype(np.uint8)
    no_val = make_stream(ImageSet(x, y, x[::2].copy(), y[::2].copy(), list("abcd")), 2, 0, None, None,
                         torch.device("cpu"))
    kw = dict(backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4, augment=False,
              all_method_args=ARGS, log=lambda s: None)
    with pytest.raises(ConfigError, match=r"val_per_class: 0 .*k: \[3, 5\]"):
        run_one(no_val, "hsokv", 8, 0, readout_grid={"k": [3, 5], "tau": [0.1], "w": [0.5]}, **kw)
    out = run_one(no_val, "hsokv", 8, 0, readout_grid=GRID, **kw)
    assert out["readouts"]["retrieval"]["setting"][-1] == {"k": 3, "tau": 0.1, "w": 0.5}


def test_untrained_control_takes_no_step_and_reads_a_herded_memory(stream):
    """The trivial control: no optimiser step, no loss curve; the memory is full and every readout scores."""
    r = run(stream, "untrained", 8)
    assert r["trained_examples"] == 0 and r["losses"] == [] and r["args"] == {}
    assert r["readout"] == "knn" and set(r["readouts"]) == set(readouts.READOUTS)
    assert r["memory"]["bytes"] == 8 * r["memory"]["bytes_per_entry"]
    assert all(len(v["class_il"]) == 2 for v in r["readouts"].values())
    with pytest.raises(ConfigError, match=r"untrained.lr: not a hyperparameter of untrained"):
        check_runs(["untrained"], {"untrained": {"lr": 0.1}}, [8])


def test_random_selection_keeps_the_class_balance_without_herding(stream):
    """`selection: random` (the no-herding ablation of merged replay): each class seen keeps buffer // classes
    entries, other images than herding picks, the same ones again for the same seed; reservoir stays refused."""
    def memory_after_tasks(selection, seed=0):
        model = build_model("small_cnn", stream)
        args = dict(ARGS["hsokv_merged"], selection=selection)
        args.pop("method")
        method = METHODS.get("hsokv")(model, stream, 8, args, seed, torch.Generator().manual_seed(seed), False, 4)
        for index, task in enumerate(stream.tasks):   # no training: only what the memory keeps
            method.begin_task(index, task)
            method.end_task(task)
        mem = method.memory
        return mem.value("label")[mem.filled], mem.value("image")[mem.filled]
    labels, images = memory_after_tasks("random")
    herded_labels, herded_images = memory_after_tasks("herding")
    classes = stream.num_classes
    assert sorted(labels.tolist()) == sorted(herded_labels.tolist()) == sorted(list(range(classes)) * (8 // classes))
    assert not torch.equal(images, herded_images)
    again_labels, again_images = memory_after_tasks("random")
    assert torch.equal(images, again_images) and not torch.equal(images, memory_after_tasks("random", seed=1)[1])


def test_every_readout_setting_is_recorded_and_the_choice_is_validations(stream):
    grid = {"k": [1, 3], "tau": [0.05, 1.0], "w": [0.25, 1.0]}
    out = run_one(stream, "hsokv", 8, 0, backbone="small_cnn", epochs=1, batch_size=8, replay_batch_size=4,
                  augment=True, all_method_args=ARGS, readout_grid=grid, log=lambda s: None)
    assert "grid" not in out["readouts"]["head"] and "grid" not in out["readouts"]["ncm"]
    for readout, size in (("knn", 4), ("retrieval", 8)):
        row = out["readouts"][readout]
        assert len(row["grid"]) == len(row["setting"]) == 2   # one entry per task boundary
        for boundary, entries in enumerate(row["grid"]):
            assert len(entries) == size and len({tuple(e["setting"].items()) for e in entries}) == size
            assert all(len(e["class_il"]) == len(e["val_class_il"]) == boundary + 1 for e in entries)
            chosen = next(e for e in entries if e["setting"] == row["setting"][boundary])
            # the first setting with the best mean validation accuracy is the one chosen, and its test row is the run's
            assert chosen is max(entries, key=lambda e: np.mean(e["val_class_il"]))
            assert row["class_il"][boundary][:boundary + 1] == chosen["class_il"]
            assert row["task_il"][boundary][:boundary + 1] == chosen["task_il"]
