"""Stage continual_research: the GPU grid's committed per-run results (research/continual/*.json, or
several folders, e.g. one per epochs setting; written by hsokv.benchmarks.continual.grid) ->
metrics/continual_research.{json,md} and
plots/continual_research/. Runs are grouped by epochs per task; each group is one table, followed by
H-SOKV's one-change ablations on test (hsokv.benchmarks.continual.ablation), by H-SOKV against its variants
on the validation split (where its design was chosen), by the variants that split prefers against the peers
on test, and by how often the last iterate fails the task just trained (hsokv.benchmarks.continual.stability). A
group at the DER paper's protocol (CIFAR-10, 5 tasks, 50 epochs) also gets the reimplementation check against that
paper's figures (hsokv.benchmarks.continual.anchors)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.continual.ablation import ablation_table, one_change_ablations
from hsokv.benchmarks.continual.anchors import anchor_check, anchor_table
from hsokv.benchmarks.continual.report import check_one_design_per_row, summary, table, write_plots
from hsokv.benchmarks.continual.stability import last_iterate_stability, stability_table
from hsokv.benchmarks.continual.validation import (preferred_table, preferred_variants, validation_comparisons,
                                                   validation_table)
from hsokv.cli import run_stage
from hsokv.config import ConfigError
from hsokv.io import atomic_write_text, outputs, read_json, write_json


READS = ()   # no params: the runs carry their own settings
RUN_KEYS = ("run", "buffer", "method", "args", "spec", "readouts", "device_name", "torch", "commit", "wall_seconds")


def main(args):
    files = []
    for folder in args.runs:   # each folder named must hold results: a mistyped one is not skipped
        found = list(Path(folder).glob("*.json"))
        if not found:
            raise ConfigError(f"{folder}: no run results (*.json) here; run hsokv.benchmarks.continual.grid on a GPU "
                              "first, or leave the folder out of --runs")
        files += found
    files.sort()
    results = [read_json(f) for f in files]
    for f, r in zip(files, results):   # a file of another kind (an RL or LM run) would fail as a bare KeyError
        missing = [k for k in RUN_KEYS if not isinstance(r, dict) or k not in r]
        if missing:
            raise ConfigError(f"{f}: not a continual grid result (missing {missing}); "
                              "hsokv.benchmarks.continual.grid writes these")
    check_one_design_per_row(results, [str(f) for f in files])
    groups: dict[int, list[dict]] = {}
    for r in results:
        groups.setdefault(r["spec"]["epochs"], []).append(r)
    metrics, tables = {}, []
    for epochs, results in sorted(groups.items()):
        spec = results[0]["spec"]
        m = summary(results, {"dataset": spec["dataset"], "backbone": spec["backbone"], "epochs_per_task": epochs,
                              "tasks": len(results[0]["readouts"]["head"]["class_il"][-1]),
                              "device": sorted({r["device_name"] for r in results}),
                              "torch": sorted({r["torch"] for r in results}),
                              "commits": sorted({r["commit"] for r in results}),
                              "gpu_seconds": sum(r["wall_seconds"] for r in results)})
        anchors = anchor_check(m)
        if anchors is not None:
            m["anchors"] = anchors
        m["ablations"] = one_change_ablations(m["rows"])
        m["validation"] = validation_comparisons(results)
        m["preferred_variants"] = preferred_variants(m["validation"], m["rows"])
        m["last_iterate"] = last_iterate_stability(results)
        metrics[f"epochs_{epochs}"] = m
        tables.append(table(m) + ("\n" + anchor_table(anchors) if anchors is not None else "")
                      + ("\n" + ablation_table(m["ablations"]) if m["ablations"] else "")
                      + ("\n" + validation_table(m["validation"]) if m["validation"] else "")
                      + ("\n" + preferred_table(m["preferred_variants"]) if m["preferred_variants"] else "")
                      + "\n" + stability_table(m["last_iterate"]))
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[md, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(metrics[max(metrics, key=lambda k: len(metrics[k]["rows"]))], new[args.plots])
        atomic_write_text(new[md], "\n".join(tables))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", nargs="+", default=["research/continual"], help="folders of run results")
    parser.add_argument("--metrics", default="metrics/continual_research.json")
    parser.add_argument("--plots", default="plots/continual_research")
    run_stage(main, parser)
