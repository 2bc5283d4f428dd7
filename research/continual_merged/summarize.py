"""The table of a research/continual_merged/*.jsonl file: each run's final validation class-IL (the mean of the
accuracy matrix's last row) by its own readout and by kNN, mean ± std over seeds, and each run against a base run
read by retrieval (default hsokv_batch_replay, H-SOKV's replay batch), paired over seeds.

    PYTHONPATH=. python research/continual_merged/summarize.py research/continual_merged/runs.jsonl[,MORE.jsonl ...] [BASE_RUN]

Several files (comma-separated) are read as one: a run and seed in two of them must be the same run (the check is
deterministic), and the two must agree, or this stops.
"""
import sys

from jsonl import keep, lines

from hsokv.benchmarks.continual.protocol import accuracy_matrix_summary
from hsokv.benchmarks.continual.report import p_text
from hsokv.report import paired_test, summarize

OWN = {"icarl": "ncm", "er": "head", "derpp": "head", "er_ace": "head"}   # every other run here is hsokv's: retrieval
base_run = sys.argv[2] if len(sys.argv) > 2 else "hsokv_batch_replay"
finals: dict[tuple[str, str], dict[int, float]] = {}
epochs: dict[str, int] = {}
for r in lines(sys.argv[1]):
    epochs[r["run"]] = r["epochs"]
    for readout in ("head", "ncm", "knn", "retrieval"):
        final = accuracy_matrix_summary(r[readout]["val_class_il"])["average_accuracy"]
        keep(finals.setdefault((r["run"], readout), {}), r["seed"], final, f"{r['run']} ({readout})")
print(f"| run | epochs | readout | seeds | validation class-IL | vs {base_run} (retrieval), paired | p |")
print("|---|---|---|---|---|---|---|")
base = finals[(base_run, "retrieval")]
for (run, readout), per_seed in finals.items():
    if readout not in (OWN.get(run, "retrieval"), "knn"):
        continue
    s = summarize(list(per_seed.values()))
    common = sorted(set(per_seed) & set(base))
    t = paired_test([per_seed[i] for i in common], [base[i] for i in common]) \
        if (run, readout) != (base_run, "retrieval") else None
    diff = "" if t is None else f"{t['difference']['mean']:+.1f} ± {t['difference']['std']:.1f}"
    p = "" if t is None else p_text(t["p_value"])
    print(f"| {run} | {epochs[run]} | {readout} | {len(per_seed)} | {s['mean']:.1f} ± {s['std']:.1f} | {diff} | {p} |")
