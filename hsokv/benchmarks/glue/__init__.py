"""Few-shot GLUE (LM-BFF's protocol): data.py reads the GLUE files and k-shot samples, backbones/
holds one file per sentence encoder, methods/ one file per method, protocol.py runs every method
on one seed's samples, report.py summarises over seeds."""
from hsokv.benchmarks.glue import config  # noqa: F401  (registers the `glue` params section)
