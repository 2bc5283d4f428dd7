# The runs folder's name of a continual grid spec, shared by gpu_launch.sh and pack_states.sh (sourced):
# a committed spec research/<D>/spec.json -> D without its "continual_" prefix, "/" as "_"
# (continual_full_train -> full_train, continual_anchor/fp32 -> anchor_fp32, continual_default_init/e5 ->
# default_init_e5). The research grid's specs are committed too (research/continual_default_init/e5 and e50,
# written by `python -m hsokv.benchmarks.continual.grid --write-spec`), so a spec and the runs it seeds a
# folder with always belong together.
runs_name() {
    case "$1" in
        research/*/spec.json) local d=${1#research/}; d=${d%/spec.json}; d=${d#continual_}; echo "${d//\//_}" ;;
        *) echo "$1: a grid spec is a committed research/<folder>/spec.json (e.g. research/continual_default_init/e5/spec.json)" >&2; return 1 ;;
    esac
}

# every name a state can be packed for: each committed continual spec's (run from the repository root)
valid_names() {
    local spec
    for spec in research/continual_*/spec.json research/continual_*/*/spec.json; do
        if [ -f "$spec" ]; then runs_name "$spec"; fi
    done
}
