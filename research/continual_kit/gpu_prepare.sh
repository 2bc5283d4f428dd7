#!/bin/bash
# Builds, in the git-excluded .gpu/cifar/, what the GPU host needs for Split-CIFAR-10 research runs
# (issue 18): p0 ... p5, six ~31 MB parts of a tar of the mirror's cifar10/ folder (a call carries at
# most 64 MiB), and pw with the wheels the host lacks at this project's pins (pydantic and its
# dependencies) and the commit: a part beside the ~27 MB working tree must stay under 64 MiB (p0 with the
# wheels went over it on 2026-12-06; five ~37 MB parts left 2.8 MB by the end of that day). The specs travel with the working tree (research/<folder>/spec.json). Run from the repository root with the project's venv
# active; the mirror is $HSOKV_DATA_MIRROR or ../shared/data. Then see gpu_launch.sh.
set -euo pipefail
K=.gpu/cifar
MIRROR=${HSOKV_DATA_MIRROR:-../shared/data}
[ -f "$MIRROR/cifar10/SHA256SUMS" ] || { echo "no $MIRROR/cifar10/SHA256SUMS: set HSOKV_DATA_MIRROR to the folder holding cifar10/" >&2; exit 1; }
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
rm -rf "$K" && mkdir -p "$K"/p{0,1,2,3,4,5,w}
bash research/gpu_wheels.sh "$K/pw/whl"
tar cf "$K/cifar.tar" -C "$MIRROR" cifar10
split -n 6 -d "$K/cifar.tar" "$K/part." && rm "$K/cifar.tar"
for i in 0 1 2 3 4 5; do mv "$K/part.0$i" "$K/p$i/"; done
git rev-parse HEAD > "$K/pw/COMMIT"
du -sh "$K"/*
