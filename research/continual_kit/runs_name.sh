# The runs folder's name of a continual grid spec, shared by gpu_launch.sh and pack_states.sh (sourced):
# the continual kit's own specs (spec-val-e5.json, spec-val-e50.json) -> val; a committed spec
# research/<D>/spec.json -> D without its "continual_" prefix, "/" as "_" (continual_full_train -> full_train,
# continual_anchor/fp32 -> anchor_fp32).
runs_name() {
    case "$1" in
        research/*/spec.json) local d=${1#research/}; d=${d%/spec.json}; d=${d#continual_}; echo "${d//\//_}" ;;
        *) echo val ;;
    esac
}

# every name a state can be packed for: val and each committed continual spec's (research/continual_*/;
# run from the repository root)
valid_names() {
    echo val
    local spec
    for spec in research/continual_*/spec.json research/continual_*/*/spec.json; do
        if [ -f "$spec" ]; then runs_name "$spec"; fi
    done
}
