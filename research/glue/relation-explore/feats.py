import re, sys, math, torch, numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from hsokv.benchmarks.glue.data import load_few_shot, read_tsv, get_task, eval_subset
from hsokv.benchmarks.glue.prompts import PAIR_TEMPLATES, _lower_first
REPO = Path(__file__).resolve().parents[3]   # the repository root
CACHE = REPO / "results" / "relation-explore-cache"   # git-ignored

ROOT = REPO / "data" / "raw" / "glue" / "MNLI"
SEEDS = (13, 21, 42, 87, 100)
VEC = {}
def load_vecs():
    for p in sorted((CACHE / "sent").glob("*.pt")):
        VEC.update(torch.load(p, weights_only=True))

NEG = {"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "nowhere", "cannot", "n't", "without"}
def words(t):
    t = t.lower().replace("n't", " n't")
    return re.findall(r"[a-z0-9']+", t)

def raw(examples):
    """dict of arrays for a list of examples."""
    def V(ts): return torch.stack([VEC[t] for t in ts]).numpy().astype(np.float64)
    u = V([e.text_a for e in examples])
    cols = {}
    for name, t in PAIR_TEMPLATES.items():
        cols[name] = V([t.format(e.text_b if t.startswith("{}") else _lower_first(e.text_b)) for e in examples])
    v = cols["entailment"]
    z = np.stack([(u * cols[n]).sum(-1) for n in ("contradiction", "entailment", "neutral")], -1)
    lex = []
    for e in examples:
        wp, wh = words(e.text_a), words(e.text_b)
        sp, sh = set(wp), set(wh)
        ov = len(sh & sp) / max(1, len(sh))
        negh = sum(w in NEG for w in wh); negp = sum(w in NEG for w in wp)
        newneg = float(any(w in NEG and w not in sp for w in wh))
        lex.append([ov, newneg, negh - negp, math.log(1 + len(wh)), math.log(1 + len(wp)), len(sh - sp) / max(1, len(sh))])
    y = np.array([e.label for e in examples])
    return dict(u=u, v=v, rc=cols["contradiction"], rn=cols["neutral"], z=z, lex=np.array(lex), y=y)

def splits(seed):
    return load_few_shot(ROOT, "MNLI", seed, 16, "lm_bff")

def evalset(name):
    task = get_task("MNLI")
    if name == "sub_m": return eval_subset(read_tsv(ROOT / "dev_matched.tsv", task), 1000, 0)
    if name == "sub_mm": return eval_subset(read_tsv(ROOT / "dev_mismatched.tsv", task), 1000, 0)
    if name == "full_m": return read_tsv(ROOT / "dev_matched.tsv", task)
    if name == "full_mm": return read_tsv(ROOT / "dev_mismatched.tsv", task)
