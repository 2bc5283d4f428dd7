"""The memory-scale benchmark's params section (`memory_scale`), registered with hsokv.config."""
from __future__ import annotations

from pydantic import Field, model_validator

from hsokv.config import Section, section


@section("memory_scale")
class MemoryScaleConfig(Section):
    sizes: list[int] = Field([1_000, 10_000, 100_000, 1_000_000], min_length=1, description="entries to time")
    dim: int = Field(256, ge=1, le=8192)
    batch_size: int = Field(256, ge=1, le=65536, description="queries per retrieval call")
    top_k: list[int] = Field([1, 10], min_length=1)
    repeats: int = Field(5, ge=1, le=1000, description="timed calls per point; the median is reported")

    @model_validator(mode="after")
    def _positive(self):
        if min(self.sizes) < 1 or min(self.top_k) < 1 or max(self.top_k) > min(self.sizes):
            raise ValueError("memory_scale.sizes and memory_scale.top_k must be >= 1, and top_k <= every size")
        return self
