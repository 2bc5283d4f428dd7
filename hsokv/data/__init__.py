"""Datasets: the synthetic rare-word benchmark (word specs, story splits, tokenizer)."""
