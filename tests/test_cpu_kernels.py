import subprocess
import sys

from hsokv.cpu_kernels import AVX2, pin
from conftest import REPO


def _cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n")
    return path


def test_pins_avx2_on_an_x86_machine_that_has_it(tmp_path):
    env = {}
    assert pin(env, "x86_64", _cpuinfo(tmp_path, "avx avx2 avx512f")) == AVX2
    assert env == AVX2


def test_a_value_the_user_set_wins(tmp_path):
    env = {"ATEN_CPU_CAPABILITY": "avx512"}
    assert pin(env, "x86_64", _cpuinfo(tmp_path, "avx2"))["ATEN_CPU_CAPABILITY"] == "avx512"
    assert env["ONEDNN_MAX_CPU_ISA"] == "AVX2"


def test_sets_nothing_without_avx2_or_off_x86(tmp_path):
    for machine, flags in (("x86_64", "avx sse4_2"), ("aarch64", "avx2")):
        env = {}
        assert set(pin(env, machine, _cpuinfo(tmp_path, flags)).values()) == {None}
        assert env == {}


def test_every_stage_runs_with_the_kernels_pinned_before_torch_loads():
    # what `python -m stages.X` runs first; with AVX2 here, torch then reports that capability
    code = ("import stages, os, torch; print(os.environ.get('ATEN_CPU_CAPABILITY'), "
            "torch.backends.cpu.get_cpu_capability())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"}).stdout.split()
    from hsokv.cpu_kernels import has_avx2
    if has_avx2():
        assert out == ["avx2", "AVX2"]
    else:   # nothing pinned: torch keeps the capability it finds
        assert out[0] == "None" and out[1] in {"DEFAULT", "VSX", "ZVECTOR", "SVE256", "AVX2", "AVX512"}
