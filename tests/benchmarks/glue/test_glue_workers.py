"""glue.workers: (backbone, seed) pairs in worker processes give the records of one process, in its order."""
import shutil
from pathlib import Path

import yaml
from conftest import REPO
from hsokv.benchmarks.glue.protocol import run_task

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "glue"
READS = ("device", "glue", "model", "memory.capacity", "memory.eviction", "train.optimizer", "train.learning_rate",
         "train.weight_decay", "train.grad_clip", "baselines")


def _data(root: Path) -> None:
    rows = ["sentence\tlabel"] + [f"good film {i}\t1" for i in range(16)] + [f"bad film {i}\t0" for i in range(16)]
    for seed in (13, 21):
        folder = root / "SST-2" / "k_shot" / f"16-{seed}"
        folder.mkdir(parents=True)
        for name in ("train.tsv", "dev.tsv"):
            (folder / name).write_text("\n".join(rows) + "\n")
    shutil.copy(FIX / "sst2_dev.tsv", root / "SST-2" / "dev.tsv")


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
