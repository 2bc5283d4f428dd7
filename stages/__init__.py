"""One script per DVC stage: read params, call the library, write outputs. Running any of them
(`python -m stages.<name>`) runs this first, before the script imports torch."""
from hsokv.cpu_kernels import pin

pin()
