"""Encode MNLI sentences (premise, hypothesis, zero-shot rewrites) with frozen mpnet, one vector per
unique text, cached to results/relation-explore-cache/sent/<stage>.pt as {text: vector}. Stages in priority order."""
import sys, time, torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from hsokv.benchmarks.glue.data import load_few_shot, Example, read_tsv, get_task, eval_subset
from hsokv.benchmarks.glue.prompts import PAIR_TEMPLATES, _lower_first
from hsokv.benchmarks.glue.backbones.mpnet import _load_mpnet, MPNetSentenceEncoder
from hsokv.benchmarks.glue.batches import Batches
REPO = Path(__file__).resolve().parents[3]   # the repository root
CACHE = REPO / "results" / "relation-explore-cache"   # git-ignored

ROOT = REPO / "data" / "raw" / "glue" / "MNLI"
OUT = (CACHE / "sent"); OUT.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)

def texts_of(examples):
    out = []
    for e in examples:
        out.append(e.text_a)
        for name, t in PAIR_TEMPLATES.items():
            out.append(t.format(e.text_b if t.startswith("{}") else _lower_first(e.text_b)))
    return out

task = get_task("MNLI")
stages = {}
ks = []
for seed in (13, 21, 42, 87, 100):
    s = load_few_shot(ROOT, "MNLI", seed, 16, "lm_bff")
    ks += s.train + s.dev
stages["kshot"] = ks
dm = read_tsv(ROOT / "dev_matched.tsv", task); dmm = read_tsv(ROOT / "dev_mismatched.tsv", task)
stages["sub_m"] = eval_subset(dm, 1000, 0)
stages["sub_mm"] = eval_subset(dmm, 1000, 0)
stages["full_m"] = dm
stages["full_mm"] = dmm
model, tok = _load_mpnet()
tok.enable_truncation(128)
enc = MPNetSentenceEncoder(model, model.config.pad_token_id).eval()
done = {}
for p in sorted(OUT.glob("*.pt")):
    done.update(torch.load(p, weights_only=True))
want = sys.argv[1].split(",")
for name in want:
    texts = sorted(set(texts_of(stages[name])) - set(done))
    print(name, len(texts), "to encode", flush=True)
    seqs = [[i + 1 for i in e.ids] for e in tok.encode_batch(texts)]
    data = Batches(seqs, [0] * len(seqs))
    vecs = torch.empty(len(texts), 768)
    t0 = time.time(); n = 0
    with torch.inference_mode():
        for idx, ids in data.in_length_order(64):
            vecs[idx] = enc(ids).float()
            n += len(idx)
            if n % 1280 == 0:
                print(f"  {n}/{len(texts)} {time.time()-t0:.0f}s", flush=True)
    new = dict(zip(texts, vecs))
    torch.save(new, OUT / f"{name}.pt")
    done.update(new)
    print(name, "done", f"{time.time()-t0:.0f}s", flush=True)
