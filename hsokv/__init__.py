"""H-SOKV: a small transformer with a key-value episodic memory."""
from hsokv.trainer import HFSwarmConfig, HFSwarmTrainer

__all__ = ["HFSwarmConfig", "HFSwarmTrainer"]
