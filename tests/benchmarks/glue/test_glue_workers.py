"""glue.workers: work units in worker processes give the records of one process, in its order."""
from pathlib import Path

import yaml
from conftest import REPO, write_sst2_k_shot
from hsokv.benchmarks.glue.protocol import run_task, work_units

READS = ("device", "glue", "model", "memory.capacity", "memory.eviction", "train.optimizer", "train.learning_rate",
         "train.weight_decay", "train.grad_clip", "baselines")


def _data(root: Path) -> None:
    write_sst2_k_shot(root, [13, 21])


def _params(tmp_path: Path, workers: int) -> str:
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["preset"] = "quick_test"
    raw["glue"].update(backbones=["scratch"], methods=["knn", "hsokv"], seeds=[13, 21], epochs=1, workers=workers,
                       threads=1)
    path = tmp_path / f"params{workers}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


def test_workers_give_the_same_records_in_the_same_order(tmp_path):
    _data(tmp_path / "data")
    runs = {w: run_task(_params(tmp_path, w), READS, tmp_path / "data", "SST-2") for w in (1, 2)}
    (one, sizes1), (two, sizes2) = runs[1], runs[2]
    drop = ("wall_seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in one] == \
           [{k: v for k, v in r.items() if k not in drop} for r in two]
    assert [(r["seed"], r["method"]) for r in two] == [(13, "knn"), (13, "hsokv"), (21, "knn"), (21, "hsokv")]
    assert sizes1 == sizes2 == {"dev": 5}


def test_work_units_cover_every_run_once_and_split_pretrained_trained_methods():
    units = work_units(["scratch", "minilm"], [13, 21], ["knn", "hsokv", "finetune"], split=True)
    runs = [(b, s, m) for b, seeds, methods in units for s in seeds for m in methods]
    assert sorted(runs) == sorted((b, s, m) for b in ("scratch", "minilm") for s in (13, 21)
                                  for m in ("knn", "hsokv", "finetune"))
    assert units[:5] == [("minilm", (13, 21), ("knn",)),   # one process encodes the evaluation sets once
                         ("minilm", (13,), ("hsokv",)), ("minilm", (21,), ("hsokv",)),
                         ("minilm", (13,), ("finetune",)), ("minilm", (21,), ("finetune",))]
    assert ("scratch", (13,), ("knn", "hsokv", "finetune")) in units
    assert work_units(["minilm"], [13], ["knn", "hsokv"], split=False) == [("minilm", (13,), ("knn", "hsokv"))]


def test_split_units_give_the_records_of_one_process(tmp_path):
    """A pretrained backbone's methods split over units and processes: the same records, in order."""
    _data(tmp_path / "data")
    runs = {}
    for w in (1, 2):
        path = Path(_params(tmp_path, w))
        raw = yaml.safe_load(path.read_text())
        raw["glue"]["backbones"] = ["minilm"]
        path.write_text(yaml.safe_dump(raw))
        runs[w] = run_task(str(path), READS, tmp_path / "data", "SST-2")[0]
    drop = ("wall_seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in runs[1]] == \
           [{k: v for k, v in r.items() if k not in drop} for r in runs[2]]
    assert [(r["seed"], r["method"]) for r in runs[2]] == [(13, "knn"), (13, "hsokv"), (21, "knn"), (21, "hsokv")]
