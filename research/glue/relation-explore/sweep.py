import sys, json
from designs import *
load_vecs()
ev = sys.argv[1]
kinds = sys.argv[2].split(",")
feats_ = sys.argv[3].split(",")
for feat in feats_:
    for kind in kinds:
        res = run_design(design(kind, feat), ev)
        print(f"{kind:11s} {feat:12s} {summary(res)}", flush=True)
        with open(f"results_{ev}.jsonl", "a") as f:
            f.write(json.dumps({"kind": kind, "feat": feat, "res": res}, default=float) + "\n")
