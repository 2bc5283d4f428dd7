"""Stage language_model: data.lm_corpus (default Tiny Shakespeare, character level) -> a Kneser-Ney
n-gram, the causal transformer and kNN-LM over it, val and test loss over seeds ->
metrics/language_model.{json,md}, plots/language_model/, results/language_model.json."""
import argparse
import time

from hsokv.benchmarks.lm.data import load_corpus
from hsokv.benchmarks.lm.protocol import corpus_info, make_deterministic, run_ngram, run_seeds, summary
from hsokv.benchmarks.lm.report import markdown_table, write_plots
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, write_json
from hsokv.training import pick_device


READS = ("seeds", "device", "data.lm_corpus", "language_model")


def main(args):
    start = time.perf_counter()
    cfg = load_params(args.params, READS)
    lm = cfg.language_model
    make_deterministic(lm.threads)
    device = pick_device(cfg.device)
    corpus = load_corpus(cfg.data.lm_corpus, lm.level, lm.train_fraction, lm.block_size)
    print(f"{corpus.source}: {', '.join(f'{k} {len(v):,}' for k, v in corpus.splits.items())} {lm.level} tokens, "
          f"vocabulary {corpus.vocab_size}", flush=True)
    ngram = run_ngram(corpus, lm)
    print(f"n-gram: order {ngram['order']} (on val), val loss {ngram['val']['loss']:.4f}", flush=True)
    per_seed = run_seeds(corpus, lm, lm.seeds or cfg.seeds, device)
    metrics = summary(corpus_info(corpus), ngram, per_seed, lm, cfg.preset)
    metrics["timing"]["stage_seconds"] = time.perf_counter() - start
    with outputs(files=[args.results, args.table, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(metrics, per_seed, new[args.plots])
        write_json(new[args.results], {"config": lm.model_dump(), "ngram": ngram, "seeds": per_seed})
        atomic_write_text(new[args.table], markdown_table(metrics))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", default="metrics/language_model.json")
    parser.add_argument("--table", default="metrics/language_model.md")
    parser.add_argument("--results", default="results/language_model.json")
    parser.add_argument("--plots", default="plots/language_model")
    run_stage(main, parser)
