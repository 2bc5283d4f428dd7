"""Pin the CPU kernels torch dispatches to, so the same seeds give the same figures on any x86-64 machine.

Thread counts and deterministic algorithms make a run repeat on one machine, but not across machines:
torch picks its vectorised kernels (ATen) and oneDNN its convolutions from the CPU it finds, and
AVX-512 kernels sum in another order than AVX2 ones. Measured: the committed continual and
language-model figures came out different in the third decimal on a machine of another CPU model, and
setting either variable below to a lower level changes the floats here. With both at AVX2 (the level
every x86-64 server since 2013 has), a machine with AVX-512 takes the same code paths as one without.

MKL (torch's BLAS) is not pinned: MKL_CBWR=AVX2 would pin it too, but in that mode MKL also reduces
in another order when it runs on two threads, which moves this machine's multi-threaded figures
(the continual demo's) — pinning it means rerunning the whole pipeline once. Until then a machine
whose MKL takes another path (an Intel CPU with AVX-512) can still differ in the last digits.

The variables are read when the first kernel runs, so pin() must run before any tensor operation (stages
call it from stages/__init__.py, the tests from tests/conftest.py). A value already in the environment
wins, so `ATEN_CPU_CAPABILITY=avx512 dvc repro` still chooses speed over comparability.
"""
import os
import platform
from pathlib import Path

AVX2 = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def has_avx2(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        return " avx2" in cpuinfo.read_text()
    except OSError:   # not Linux: no way to read the flags without loading torch
        return False


def pin(environ=os.environ, machine: str | None = None, cpuinfo: Path = Path("/proc/cpuinfo")) -> dict:
    """Set the AVX2 level where it is not set already; returns what is in effect. On a CPU without AVX2
    (or not x86-64) nothing is set: it runs its own kernels, and its figures may differ in the last digits."""
    machine = machine or platform.machine()
    if machine.lower() in ("x86_64", "amd64") and has_avx2(cpuinfo):
        for name, value in AVX2.items():
            environ.setdefault(name, value)
    return {name: environ.get(name) for name in AVX2}
