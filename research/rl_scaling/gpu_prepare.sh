#!/bin/bash
# Builds, in the git-excluded .gpu/rl/, what the 16-core GPU host needs for the policy-search scaling
# sweep (issue 22): the wheels of ray, gymnasium and mujoco at this project's pins with their
# dependencies, for its Python 3.12 (~125 MB: ray's wheel alone is 79 MB, over a call's 64 MiB), as a tar
# cut into four parts, .gpu/rl/p0 ... p3, and the commit measured. Run from the repository root with the
# project's venv active; then see gpu_launch.sh beside this file.
set -euo pipefail
K=.gpu/rl
pin() { grep -hi "^$1[=\[]" requirements*.txt | head -n 1 | sed 's/\[[^]]*\]//' | grep . \
    || { echo "$1: not pinned in requirements*.txt" >&2; exit 1; }; }
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
rm -rf "$K" && mkdir -p "$K/whl" "$K"/p{0,1,2,3}
python -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$K/whl" "$(pin ray)" "$(pin gymnasium)" "$(pin mujoco)" "$(pin numpy)"
tar cf "$K/whl.tar" -C "$K" whl && rm -r "$K/whl"
split -n 4 -d "$K/whl.tar" "$K/part." && rm "$K/whl.tar"
for i in 0 1 2 3; do mv "$K/part.0$i" "$K/p$i/"; done
git rev-parse HEAD > "$K/p0/COMMIT"
du -sh "$K"/*
