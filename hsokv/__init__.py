"""H-SOKV: a small transformer with a key-value episodic memory, and the DVC pipeline that measures it.

Importing `hsokv` loads nothing else, so a stage pays only for the modules it uses; the
Hugging Face-style entry point is resolved on first use: `from hsokv import HFSwarmTrainer`.
"""
__version__ = "0.1.0"
__all__ = ["HFSwarmConfig", "HFSwarmTrainer"]


def __getattr__(name: str):
    if name in __all__:
        from hsokv.benchmarks.words import trainer
        return getattr(trainer, name)
    raise AttributeError(f"module 'hsokv' has no attribute {name!r}")
