"""What every stage script shares: argument parsing and turning known errors into clear exits."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from hsokv.backbones import BackboneError
from hsokv.config import ConfigError
from hsokv.checkpoint import CheckpointError
from hsokv.data.fetch import DataSourceError
from hsokv.data.glue import GlueDataError
from hsokv.benchmarks.lm.data import CorpusError
from hsokv.data.words import WordSpecError

# Errors whose message already says what is wrong and what would be valid.
USER_ERRORS = (ConfigError, WordSpecError, FileNotFoundError, DataSourceError, GlueDataError, BackboneError,
               CorpusError, CheckpointError)


def run_stage(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    args = parser.parse_args()
    try:
        main(args)
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
