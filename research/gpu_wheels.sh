#!/bin/bash
# Downloads into DEST the wheels a GPU host lacks (its Python 3.12, manylinux x86_64): pydantic at this
# project's pin with the dependencies that pin needs, and each further NAME at its requirements*.txt pin.
# Shared by the kits' gpu_prepare.sh. Usage (repository root, project venv active):
#   bash research/gpu_wheels.sh DEST [NAME ...]
set -euo pipefail
DEST=$1; shift
pin() { grep -hi "^$1==" requirements*.txt | head -n 1 | grep . || { echo "$1: not pinned in requirements*.txt" >&2; exit 1; }; }
wanted=(pydantic-core==2.50.4 annotated-types==0.8.0 typing-inspection==0.4.5)   # what pydantic's pin needs
for name in pydantic "$@"; do wanted+=("$(pin "$name")"); done
mkdir -p "$DEST"
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$DEST" "${wanted[@]}"
