"""The table of research/continual_merged/runs.jsonl: each run's final validation class-IL (the mean of the
accuracy matrix's last row) per readout, mean ± std over seeds, and each run against hsokv, paired over seeds.

    PYTHONPATH=. python research/continual_merged/summarize.py research/continual_merged/runs.jsonl
"""
import json
import sys

from hsokv.benchmarks.continual.protocol import accuracy_matrix_summary
from hsokv.report import paired_test, summarize

OWN = {"icarl": "ncm"}   # every other run here is hsokv's, read by retrieval
finals: dict[tuple[str, str], dict[int, float]] = {}
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    for readout in ("head", "ncm", "knn", "retrieval"):
        final = accuracy_matrix_summary(r[readout]["val_class_il"])["average_accuracy"]
        finals.setdefault((r["run"], readout), {})[r["seed"]] = final
print("| run | readout | seeds | validation class-IL | vs hsokv (retrieval), paired | p |")
print("|---|---|---|---|---|---|")
base = finals[("hsokv", "retrieval")]
for (run, readout), per_seed in finals.items():
    if readout not in (OWN.get(run, "retrieval"), "knn"):
        continue
    s = summarize(list(per_seed.values()))
    common = sorted(set(per_seed) & set(base))
    t = paired_test([per_seed[i] for i in common], [base[i] for i in common]) if run != "hsokv" or readout != "retrieval" else None
    diff = "" if t is None else f"{t['difference']['mean']:+.1f} ± {t['difference']['std']:.1f}"
    p = "" if t is None or t["p_value"] is None else f"{t['p_value']:.3f}"
    print(f"| {run} | {readout} | {len(per_seed)} | {s['mean']:.1f} ± {s['std']:.1f} | {diff} | {p} |")
