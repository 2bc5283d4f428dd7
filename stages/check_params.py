"""Stage check_params: the whole params.yaml, every section, validated whenever any param changes.

Each other stage validates only what it reads, so a section no stage reads (a misspelt one forced in
with `dvc exp run -S +swarn.agent_steps=200`) would otherwise run nothing and pass silently. This stage
depends on the whole file, registers every section (each benchmark's config module), and fails (exit 2)
naming the key and what is valid; on success it writes a file of fixed content that nothing depends on."""
import argparse

import hsokv.benchmarks.continual.config  # noqa: F401  (each import registers its params.yaml section)
import hsokv.benchmarks.continual.search_config  # noqa: F401
import hsokv.benchmarks.glue.config  # noqa: F401
import hsokv.benchmarks.glue.search_config  # noqa: F401
import hsokv.benchmarks.lm.config  # noqa: F401
import hsokv.benchmarks.memory_scale.config  # noqa: F401
import hsokv.benchmarks.rl.config  # noqa: F401
import hsokv.benchmarks.words.config  # noqa: F401
import hsokv.benchmarks.words.meaning_search_config  # noqa: F401
from hsokv.cli import run_stage
from hsokv.config import load_params   # registers the swarm section
from hsokv.io import atomic_write_text

READS = ()   # the whole file: dvc.yaml lists params.yaml without keys
STAMP = "Every section of params.yaml validated (stage check_params).\n"


def main(args):
    load_params(args.params)
    atomic_write_text(args.out, STAMP)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/params_checked.txt")
    run_stage(main, parser)
