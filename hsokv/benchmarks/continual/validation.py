"""The validation side of the research table: H-SOKV's design is chosen on the validation images carved
from training (`val_per_class`), never on test, so the choices are shown on that split: each H-SOKV run
against every variant of it (the ablations and the variants tried, runs of method `hsokv`) at its buffer,
by its own readout's final class-IL accuracy on validation, paired over the seeds both have; and every
variant the validation split prefers to the design in params, against the peers on test as H-SOKV's row
is (the candidate to adopt: a reader asks how it fares against DER++ and iCaRL, not only against H-SOKV)."""
from __future__ import annotations

from collections import defaultdict

from hsokv.benchmarks.continual.report import mean_std, paired_rows, peers, p_text, row_name
from hsokv.report import paired_test

MAIN = "hsokv"   # the design in params; its variants are the other runs of method hsokv


def final_validation(readout: dict) -> float:
    """Average class-IL accuracy on validation after the last task (the mean of the matrix's last row), as
    protocol.accuracy_matrix_summary computes it for test; not imported from there, which would bring torch
    and every method into this table-only stage and its dvc deps."""
    last = [a for a in readout["val_class_il"][-1] if a is not None]
    return sum(last) / len(last)


def validation_comparisons(results: list[dict]) -> dict:
    """{H-SOKV row: {variant row: paired test (H-SOKV minus variant) over the seeds both have}}."""
    per_seed: dict[str, dict[int, float]] = defaultdict(dict)
    buffers: dict[str, int | None] = {}
    for r in results:
        if r["method"] == "hsokv":
            name = row_name(r, r["readout"])
            per_seed[name][r["seed"]] = final_validation(r["readouts"][r["readout"]])
            buffers[name] = r["buffer"]
    out = {}
    for name in sorted(per_seed):
        if not name.startswith(MAIN + "-"):
            continue
        out[name] = {}
        for other in sorted(per_seed):
            if other == name or buffers[other] != buffers[name]:
                continue
            seeds = sorted(set(per_seed[name]) & set(per_seed[other]))
            if seeds:
                main, variant = [per_seed[name][s] for s in seeds], [per_seed[other][s] for s in seeds]
                out[name][other] = {"seeds": seeds, "main": main, "variant": variant, **paired_test(main, variant)}
    return out


def validation_table(comparisons: dict) -> str:
    lines = ["H-SOKV against its variants on the validation split (final class-IL of each run's own readout, "
             "the split every design choice is made on; positive = the params' design is better)", "",
             "| H-SOKV row | variant | seeds | H-SOKV | variant | difference (points) | paired t-test p |",
             "|---|---|---|---|---|---|---|"]
    for name, against in comparisons.items():
        for other, t in against.items():
            n = len(t["seeds"])
            lines.append(f"| {name} | {other} | {n} | {sum(t['main']) / n:.1f} | {sum(t['variant']) / n:.1f} | "
                         f"{mean_std(t['difference'])} | {p_text(t['p_value'])} |")
    return "\n".join(lines) + "\n"


def preferred_variants(comparisons: dict, rows: dict[str, dict]) -> dict:
    """{variant row: {peer row: paired test on test (variant minus peer)}} for each variant whose mean
    validation score is above H-SOKV's over the seeds both have (`comparisons` from
    validation_comparisons, `rows` from report.summary); peers with no seed in common are left out."""
    out = {}
    for against in comparisons.values():
        for variant, t in against.items():
            if t["difference"]["mean"] < 0 and variant in rows:
                seeds = set(rows[variant]["seeds"])
                out[variant] = {n: paired_rows(rows[variant], r) for n, r in peers(rows, variant).items()
                                if seeds & set(r["seeds"])}
    return out


def preferred_table(preferred: dict) -> str:
    lines = ["H-SOKV's variants that the validation split prefers to its design, against the peers on test "
             "(class-IL of the variant's own readout minus the peer's, paired over the seeds both have)", "",
             "| variant | peer | seeds | difference (points) | paired t-test p |", "|---|---|---|---|---|"]
    for variant, against in preferred.items():
        if not against:
            lines.append(f"| {variant} | no peer shares a seed | 0 | n/a | n/a |")
        for peer, t in against.items():
            lines.append(f"| {variant} | {peer} | {len(t['seeds'])} | {mean_std(t['difference'])} | "
                         f"{p_text(t['p_value'])} |")
    return "\n".join(lines) + "\n"
