"""knn: nearest neighbour over mean-pooled input word embeddings (no encoder layers)."""
from hsokv.benchmarks.glue.methods.base import METHODS, frozen_memory

METHODS.register("knn")(frozen_memory("bag_of_words", lambda backbone, train: backbone.bag_of_words()))
