"""What every stage script shares: argument parsing and turning user errors into clear exits."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from hsokv.errors import HsokvError


def run_stage(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    args = parser.parse_args()
    try:
        main(args)
    except (HsokvError, FileNotFoundError) as err:  # their messages already say what is wrong and what is valid
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
