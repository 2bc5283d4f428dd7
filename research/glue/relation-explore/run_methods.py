"""Run registered GLUE methods through protocol.run_seed on cached mpnet sentence vectors
(results/relation-explore-cache/sent, written by encode.py with the mpnet backbone's own tokenizer and encoder).
usage: run_methods.py {sub|full} out.jsonl method,method,..."""
import json, sys, time, torch, torch.nn as nn
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from hsokv.benchmarks.glue.backbones.base import BACKBONES
from hsokv.benchmarks.glue.data import load_few_shot
from hsokv.benchmarks.glue.protocol import run_seed
from hsokv.config import resolve
REPO = Path(__file__).resolve().parents[3]   # the repository root
CACHE = REPO / "results" / "relation-explore-cache"   # git-ignored

VEC = {}
for p in sorted((CACHE / "sent").glob("*.pt")):
    VEC.update(torch.load(p, weights_only=True))
TEXTS = list(VEC)
INDEX = {t: i + 1 for i, t in enumerate(TEXTS)}
TABLE = torch.cat([torch.zeros(1, 768), torch.stack([VEC[t] for t in TEXTS])])

class Lookup(nn.Module):
    def forward(self, ids):
        return TABLE[ids[:, 0]]

@BACKBONES.register("mpnet_cached")
class CachedMPNet:
    """mpnet's frozen sentence vectors read from the cache; a joined pair has none (row 0)."""
    pretrained, dim = True, 768
    def __init__(self, train, num_labels, max_length, cfg): pass
    def tokenize(self, examples):
        return [[INDEX[e.text_a]] if e.text_b is None else [len(TABLE) + 1] for e in examples]
    def encoder(self, train_ids, train_labels): return Lookup()

cfg = resolve({"preset": "t", "device": "cpu", "presets": {"t": {"seeds": [0]}}, "glue": {}})
which, out, methods = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
torch.set_num_threads(1)
root = REPO / "data" / "raw" / "glue" / "MNLI"
for seed in (13, 21, 42, 87, 100):
    sp = load_few_shot(root, "MNLI", seed, 16, "lm_bff", *((1000, 0) if which == "sub" else (None, None)))
    for r in run_seed(sp, "mpnet_cached", methods, cfg):
        r["eval_sizes"] = {k: len(v) for k, v in sp.evals.items()}
        print(seed, r["method"], {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                  if k.startswith("dev") or k in ("C", "k", "wall_seconds")}, flush=True)
        with open(out, "a") as f:
            f.write(json.dumps(r) + "\n")
