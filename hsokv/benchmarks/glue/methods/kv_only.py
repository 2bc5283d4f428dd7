"""kv_only: the encoder frozen as it starts (pretrained, or random for scratch); memory writes only."""
from hsokv.benchmarks.glue.methods.base import METHODS, frozen_memory

METHODS.register("kv_only")(frozen_memory(
    "encoder", lambda backbone, train: backbone.encoder(train.ids(range(len(train))), train.labels)))
