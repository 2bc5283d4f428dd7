"""H-SOKV's one-change ablations: each row meets the H-SOKV row its name extends when their args differ
in one setting only, the design meets its other readouts, and nothing else is paired."""
from hsokv.benchmarks.continual.ablation import ablation_table, one_change_ablations

DESIGN = {"lr": 0.03, "beta": 1.0, "replay": "merged", "selection": "herding"}
BATCH = {"lr": 0.03, "beta": 0.5, "selection": "herding"}


def _row(run, args, per_seed, buffer=500, readout="retrieval", own=True, seeds=(0, 1, 2)):
    n = len(per_seed)
    mean = sum(per_seed) / n
    return {"run": run, "method": "hsokv", "buffer": buffer, "readout": readout, "own_readout": own,
            "seeds": list(seeds), "args": {"method": "hsokv", **args},
            "class_il": {"average_accuracy": {"mean": mean, "std": 0.0, "n_seeds": n}, "per_seed": list(per_seed)}}


def test_each_variant_meets_the_row_it_changes_one_setting_of():
    rows = {"hsokv-500": _row("hsokv", DESIGN, [70.0, 71.0, 72.0]),
            "hsokv-500 [head]": _row("hsokv", DESIGN, [60.0, 62.0, 61.0], readout="head", own=False),
            "hsokv_random_selection-500": _row("hsokv_random_selection", {**DESIGN, "selection": "random"},
                                               [68.0, 70.0, 69.0]),
            "hsokv_batch_replay-500": _row("hsokv_batch_replay", BATCH, [69.0, 69.0, 69.0]),   # three changes
            "hsokv_batch_replay_reservoir-500": _row("hsokv_batch_replay_reservoir", {**BATCH, "selection": "reservoir"},
                                                     [65.0, 66.0], seeds=(0, 1)),
            "hsokv_batch_replay_lr0.1-500": _row("hsokv_batch_replay_lr0.1", {**BATCH, "lr": 0.1}, [66.0, 66.0, 66.0]),
            "hsokv_batch_replay_lr0.01-500": _row("hsokv_batch_replay_lr0.01", {**BATCH, "lr": 0.01}, [67.0, 67.0, 67.0]),
            "hsokv_random_selection-200": _row("hsokv_random_selection", {**DESIGN, "selection": "random"},
                                               [60.0, 60.0, 60.0], buffer=200),   # no design row at 200
            "derpp-500": {**_row("derpp", {"lr": 0.03}, [72.0, 72.0, 72.0]), "method": "derpp"}}
    found = {(a["variant"], a["base"]): a for a in one_change_ablations(rows)}
    # the two lr variants differ in one setting but neither name extends the other's: no pair
    assert set(found) == {("hsokv-500 [head]", "hsokv-500"), ("hsokv_random_selection-500", "hsokv-500"),
                          ("hsokv_batch_replay_reservoir-500", "hsokv_batch_replay-500"),
                          ("hsokv_batch_replay_lr0.1-500", "hsokv_batch_replay-500"),
                          ("hsokv_batch_replay_lr0.01-500", "hsokv_batch_replay-500")}
    head = found[("hsokv-500 [head]", "hsokv-500")]
    assert head["change"] == {"readout": ["head", "retrieval"]} and head["difference"]["mean"] == -10.0
    random = found[("hsokv_random_selection-500", "hsokv-500")]
    assert random["change"] == {"selection": ["random", "herding"]} and random["difference"]["mean"] == -2.0
    reservoir = found[("hsokv_batch_replay_reservoir-500", "hsokv_batch_replay-500")]
    assert reservoir["seeds"] == [0, 1] and reservoir["difference"]["mean"] == -3.5   # paired over shared seeds
    text = ablation_table(one_change_ablations(rows))
    assert "| hsokv_random_selection-500 | selection: random / herding | hsokv-500 | 3 | -2.0 ± 1.0 |" in text


def test_a_setting_only_one_row_names_shows_as_unset():
    rows = {"hsokv-500": _row("hsokv", DESIGN, [70.0, 71.0, 72.0]),
            "hsokv_merged_r4-500": _row("hsokv_merged_r4", {**DESIGN, "merged_repeats": 4}, [69.0, 70.0, 71.0])}
    (a,) = one_change_ablations(rows)
    assert a["change"] == {"merged_repeats": [4, None]}
    assert "| hsokv_merged_r4-500 | merged_repeats: 4 / unset | hsokv-500 | 3 | -1.0 ± 0.0 | n/a |" in ablation_table([a])
