"""Two readout grids on the same training (check.py's GRID lines): for each readout with settings, the final test
class-IL (the mean of the accuracy matrix's last row) of the setting validation chose under each grid, paired over
seeds, and how often each setting was chosen after the tasks. The first grid met in the file is the base.

    PYTHONPATH=. python research/continual_merged/compare_grids.py research/continual_merged/runs_demo_grid.jsonl[,MORE.jsonl ...]
"""
import collections
import json
import sys

from jsonl import keep, lines

from hsokv.benchmarks.continual.protocol import accuracy_matrix_summary
from hsokv.benchmarks.continual.report import p_text
from hsokv.report import paired_test, summarize

finals: dict[tuple[str, str], dict[int, float]] = {}
chosen: dict[tuple[str, str], collections.Counter] = {}
grids: list[str] = []
for r in lines(sys.argv[1]):
    grid = json.dumps(r["readout_grid"], sort_keys=True)   # a line without a grid is not this comparison's: stop
    grids += [grid] if grid not in grids else []
    for readout in ("knn", "retrieval"):
        final = accuracy_matrix_summary(r[readout]["class_il"])["average_accuracy"]
        keep(finals.setdefault((grid, readout), {}), r["seed"], final, f"{r['run']} ({readout}, grid {grid})")
        chosen.setdefault((grid, readout), collections.Counter()).update(
            json.dumps(s, sort_keys=True) for s in r[readout]["setting"] if s is not None)
if len(grids) != 2:
    raise SystemExit(f"{sys.argv[1]}: {len(grids)} grids, this compares two")
print("| readout | grid | seeds | test class-IL | vs the first grid, paired | p |")
print("|---|---|---|---|---|---|")
for readout in ("knn", "retrieval"):
    base = finals[(grids[0], readout)]
    for grid in grids:
        per_seed = finals[(grid, readout)]
        s = summarize(list(per_seed.values()))
        common = sorted(set(per_seed) & set(base))
        t = paired_test([per_seed[i] for i in common], [base[i] for i in common]) if grid != grids[0] else None
        diff = "" if t is None else f"{t['difference']['mean']:+.2f} ± {t['difference']['std']:.2f}"
        p = "" if t is None else p_text(t["p_value"])
        print(f"| {readout} | {grid} | {len(per_seed)} | {s['mean']:.1f} ± {s['std']:.1f} | {diff} | {p} |")
for (grid, readout), counts in chosen.items():
    print(f"{readout} {grid}: " + ", ".join(f"{k} x{n}" for k, n in counts.most_common()))
