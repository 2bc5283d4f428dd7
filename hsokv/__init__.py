"""H-SOKV: a small transformer with a key-value episodic memory."""
