import json, sys, numpy as np
from scipy.stats import ttest_rel
recs = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in recs:
    by.setdefault(r["method"], {})[r["seed"]] = r
seeds = [13, 21, 42, 87, 100]
for split in ("dev_matched", "dev_mismatched"):
    print(f"## {split} (n={recs[0]['eval_sizes'][split]})")
    for m, rs in by.items():
        a = np.array([rs[s][split] for s in seeds]) * 100
        wo = f"  without memory {np.mean([rs[s][split + '_without_memory'] for s in seeds])*100:.1f}" if split + "_without_memory" in rs[13] else ""
        print(f"{m:18s} {a.mean():.1f} ± {a.std(ddof=1):.1f}  per seed {np.round(a,1).tolist()}  kshot-dev {np.mean([rs[s]['dev_accuracy'] for s in seeds])*100:.1f}  wall {sum(rs[s]['wall_seconds'] for s in seeds):.1f}s{wo}")
    x = np.array([by["hsokv_relation"][s][split] for s in seeds]) * 100
    for m in by:
        if m == "hsokv_relation": continue
        y = np.array([by[m][s][split] for s in seeds]) * 100
        t = ttest_rel(x, y)
        print(f"  hsokv_relation - {m:18s} {np.mean(x - y):+.1f} ± {np.std(x - y, ddof=1):.1f}  p = {t.pvalue:.4f}")
