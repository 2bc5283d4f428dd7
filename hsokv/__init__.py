"""H-SOKV: a small transformer with a key-value episodic memory, and the DVC pipeline that measures it.

Importing `hsokv` loads nothing else, so a stage pays only for the modules it uses (and dvc.yaml's
deps stay the modules a stage runs). The Hugging Face-style entry point lives with the word benchmark:
`from hsokv.benchmarks.words.trainer import HFSwarmConfig, HFSwarmTrainer`.
"""
__version__ = "0.1.0"
