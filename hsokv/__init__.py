"""H-SOKV: a small transformer with a key-value episodic memory.

Nothing is imported at load, so a stage loads only the modules it uses; the HF-style API
(`hsokv.HFSwarmConfig`, `hsokv.HFSwarmTrainer`) is resolved on first access.
"""
__version__ = "0.1.0"
__all__ = ["HFSwarmConfig", "HFSwarmTrainer"]


def __getattr__(name):
    if name in __all__:
        from hsokv import trainer
        return getattr(trainer, name)
    raise AttributeError(f"module 'hsokv' has no attribute {name!r}")
