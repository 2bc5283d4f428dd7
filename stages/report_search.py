"""Stage report_search: per-strategy search results -> metrics/search.{json,md} and plots/search/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.search_report import search_summary, search_table, write_search_plots
from hsokv.cli import run_stage
from hsokv.config import ConfigError, load_params
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ("swarm.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    found = sorted(p.stem for p in Path(args.results).glob("*.json"))
    missing = [s for s in cfg.swarm.strategies if s not in found]
    if missing:   # an unknown strategy's search stage never ran: name the key, not only the file
        raise ConfigError(f"swarm.strategies: no search results for {missing} in {args.results}; "
                          f"strategies with results: {found} (dvc.yaml's search@<strategy> stages write them)")
    results = {s: read_json(Path(args.results) / f"{s}.json") for s in cfg.swarm.strategies}
    metrics = search_summary(results)
    json_path, md_path = Path(args.metrics) / "search.json", Path(args.metrics) / "search.md"
    with outputs(files=[json_path, md_path], dirs=[args.plots]) as new:   # replaced together or not at all
        write_search_plots(results, new[args.plots])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], search_table(metrics))
    print(search_table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search")
    run_stage(main, parser)
