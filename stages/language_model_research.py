"""Stage language_model_research: the GPU runs' committed results (research/lm/seed_*.json and
ngram.json, written by hsokv.benchmarks.lm.grid) -> metrics/language_model_research.{json,md} and
plots/language_model_research/. The same table as the language_model stage, at the research size."""
import argparse
from pathlib import Path

from hsokv.benchmarks.lm.config import LanguageModelConfig
from hsokv.benchmarks.lm.protocol import summary
from hsokv.benchmarks.lm.report import markdown_table, write_plots
from hsokv.cli import run_stage
from hsokv.config import ConfigError
from hsokv.io import atomic_write_text, outputs, read_json, write_json


READS = ()   # no params: the runs carry their own settings


def main(args):
    runs = Path(args.runs)
    seeds = sorted((read_json(f) for f in runs.glob("seed_*.json")), key=lambda r: r["seed"])
    if not seeds or not (runs / "ngram.json").exists():
        raise ConfigError(f"{runs}: needs ngram.json and seed_*.json; run hsokv.benchmarks.lm.grid on a GPU first")
    ngram = read_json(runs / "ngram.json")
    specs = {repr(r["spec"]) for r in seeds} | {repr(ngram["spec"])}
    if len(specs) > 1:
        raise ConfigError(f"{runs}: the runs were made with different settings; keep one spec per folder")
    cfg = LanguageModelConfig(**seeds[0]["spec"]["language_model"])
    metrics = summary(seeds[0]["corpus"], ngram, seeds, cfg, seeds[0]["spec"]["preset"])
    # the seeds ran side by side: the GPU run took as long as its slowest seed
    metrics["timing"]["stage_seconds"] = max(r["wall_seconds"] for r in [ngram, *seeds])
    metrics["runs"] = {"device": sorted({r["device_name"] for r in seeds}), "torch": sorted({r["torch"] for r in seeds}),
                       "commits": sorted({r["commit"] for r in seeds}),
                       "gpu_seconds": sum(r["wall_seconds"] for r in seeds)}
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[md, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(metrics, seeds, new[args.plots])
        atomic_write_text(new[md], markdown_table(metrics))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="research/lm")
    parser.add_argument("--metrics", default="metrics/language_model_research.json")
    parser.add_argument("--plots", default="plots/language_model_research")
    run_stage(main, parser)
